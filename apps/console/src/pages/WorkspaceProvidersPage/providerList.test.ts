import { describe, expect, it } from 'vitest';
import { applyProviderEvent, type ProviderEntry } from './providerList';

const list: ProviderEntry[] = [
  { id: '1', name: 'built-in' },
  { id: '2', name: 'eu-west' },
  { id: '3', name: 'us-east' },
];

describe('applyProviderEvent', () => {
  it('inserts a new provider in name order', () => {
    const next = applyProviderEvent(list, { providerId: '4', provider: { id: '4', name: 'ap-south' } });
    expect(next.map((e) => e.name)).toEqual(['ap-south', 'built-in', 'eu-west', 'us-east']);
  });

  it('moves a renamed provider to its new place', () => {
    const next = applyProviderEvent(list, { providerId: '1', provider: { id: '1', name: 'zz-local' } });
    expect(next.map((e) => e.name)).toEqual(['eu-west', 'us-east', 'zz-local']);
  });

  it('removes a deleted provider, or one the viewer may no longer see', () => {
    expect(applyProviderEvent(list, { providerId: '2', provider: null }).map((e) => e.id)).toEqual([
      '1',
      '3',
    ]);
  });

  it('returns the same list when nothing about membership or order changed (no re-render)', () => {
    expect(applyProviderEvent(list, { providerId: '2', provider: { id: '2', name: 'eu-west' } })).toBe(list);
    expect(applyProviderEvent(list, { providerId: '9', provider: null })).toBe(list);
  });

  it('is idempotent, so events replayed over a reload do no harm', () => {
    const event = { providerId: '4', provider: { id: '4', name: 'ap-south' } };
    const once = applyProviderEvent(list, event);
    expect(applyProviderEvent(once, event)).toBe(once);
  });
});
