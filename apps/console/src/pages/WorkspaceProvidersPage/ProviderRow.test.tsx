// @vitest-environment happy-dom
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { providerFixture } from '../../testHelpers/fixtures';
import { ProviderRow } from './ProviderRow';

describe('ProviderRow', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-10T10:00:00.000Z'));
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('shows name, display name, region, status, heartbeat and counts', () => {
    render(
      <ProviderRow provider={providerFixture()} expanded={false} onToggle={() => undefined} detailsId="d" />,
    );
    expect(screen.getByRole('button', { name: /eu-west/ })).toBeTruthy();
    expect(screen.getByText('Europe West')).toBeTruthy();
    expect(screen.getByText('eu-west-1')).toBeTruthy();
    expect(screen.getByText('Ready').closest('.status-badge')?.className).toContain('status-badge--ready');
    expect(screen.getByText('12 s ago').getAttribute('datetime')).toBe('2026-01-10T09:59:48.000Z');
    expect(screen.getByText('Workspaces:').parentElement?.textContent).toBe('Workspaces: 3');
    expect(screen.getByText('Allowed organizations:').parentElement?.textContent).toBe(
      'Allowed organizations: 2',
    );
    expect(screen.queryByText('default')).toBeNull();
    expect(screen.queryByText(/cordoned/)).toBeNull();
  });

  it('tags the default provider and a cordoned one with its reason', () => {
    render(
      <ProviderRow
        provider={providerFixture({ isDefault: true, cordoned: true, cordonReason: 'Cluster upgrade' })}
        expanded={false}
        onToggle={() => undefined}
        detailsId="d"
      />,
    );
    expect(screen.getByText('default')).toBeTruthy();
    expect(screen.getByText('cordoned: Cluster upgrade')).toBeTruthy();
  });

  it('shows an error status in colour and text, with the start of its message', () => {
    render(
      <ProviderRow
        provider={providerFixture({
          status: 'ERROR',
          statusMessage: 'No heartbeat for 20 s (grace 15 s): is the agent running?',
          lastHeartbeatAt: null,
        })}
        expanded={false}
        onToggle={() => undefined}
        detailsId="d"
      />,
    );
    expect(screen.getByText('Error').closest('.status-badge')?.className).toContain('status-badge--error');
    expect(screen.getByText(/No heartbeat for 20 s/)).toBeTruthy();
    expect(screen.getByText('never')).toBeTruthy();
  });

  it('expands from a button that reports its state and works from the keyboard', async () => {
    const onToggle = vi.fn();
    const user = userEvent.setup();
    const { rerender } = render(
      <ProviderRow provider={providerFixture()} expanded={false} onToggle={onToggle} detailsId="details-1" />,
    );
    const button = screen.getByRole('button', { name: /eu-west/ });
    expect(button.getAttribute('aria-expanded')).toBe('false');
    expect(button.getAttribute('aria-controls')).toBe('details-1');

    await user.tab();
    expect(document.activeElement).toBe(button);
    await user.keyboard('{Enter}');
    await user.keyboard(' ');
    expect(onToggle).toHaveBeenCalledTimes(2);

    rerender(<ProviderRow provider={providerFixture()} expanded onToggle={onToggle} detailsId="details-1" />);
    expect(within(button).getByText('▾')).toBeTruthy();
    expect(button.getAttribute('aria-expanded')).toBe('true');
  });
});
