// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualList } from './VirtualList';

const items = Array.from({ length: 1000 }, (_, i) => `provider-${String(i).padStart(4, '0')}`);

describe('VirtualList', () => {
  afterEach(cleanup);

  it('mounts only the items near the viewport and tells assistive technology the full size', () => {
    render(
      <VirtualList
        items={items}
        getKey={(item) => item}
        renderItem={(item) => <span>{item}</span>}
        estimatedItemHeight={50}
        label="Providers"
      />,
    );
    const list = screen.getByRole('list', { name: 'Providers' });
    const rendered = screen.getAllByRole('listitem');
    expect(rendered.length).toBeGreaterThan(10);
    expect(rendered.length).toBeLessThan(50);
    expect(rendered[0]!.getAttribute('aria-setsize')).toBe('1000');
    expect(rendered[0]!.getAttribute('aria-posinset')).toBe('1');
    // The rest of the list's height is reserved, so the scrollbar is true to the whole list.
    expect(parseInt(list.style.paddingBottom, 10)).toBe((1000 - rendered.length) * 50);
  });
});
