// @vitest-environment happy-dom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { acme, globex, initech, providerFixture } from '../../testHelpers/fixtures';
import { renderWithApi } from '../../testHelpers/render';
import { ProviderDetailsPanel } from './ProviderDetails';
import {
  AllowlistOrganizationsQuery,
  CordonProviderMutation,
  ProviderDetailsQuery,
} from './providers.graphql';

const organizationsMock = {
  request: { query: AllowlistOrganizationsQuery },
  result: { data: { organizations: [acme, globex, initech] } },
};

function detailsMock(provider = providerFixture()) {
  return {
    request: { query: ProviderDetailsQuery, variables: { id: provider.id } },
    result: { data: { workspaceProvider: provider } },
  };
}

describe('ProviderDetailsPanel', () => {
  afterEach(cleanup);

  it('shows loading, then the status message in full, cluster, versions, checks, history and allowlist', async () => {
    const message =
      'Agent check rbac failed: the agent cannot create pods in namespace outpost-workspaces.\nGrant it the outpost-agent Role and redeploy.';
    renderWithApi(<ProviderDetailsPanel id="prov-eu" name="eu-west" />, {
      mocks: [detailsMock(providerFixture({ status: 'ERROR', statusMessage: message })), organizationsMock],
    });
    expect(screen.getByRole('status').textContent).toContain('Loading the details of eu-west');

    const status = await screen.findByRole('region', { name: 'Status' });
    expect(within(status).getByText('Error')).toBeTruthy();
    expect(status.querySelector('pre')?.textContent).toBe(message);

    const cluster = screen.getByRole('region', { name: 'Cluster' });
    for (const text of [
      'https://k8s.eu-west.example.com:6443',
      'outpost-workspaces',
      'https://eu-west.workspaces.example.com',
      'v1.37.2',
    ]) {
      expect(within(cluster).getByText(text)).toBeTruthy();
    }
    expect(within(cluster).getByText('Agent version').nextElementSibling?.textContent).toBe('0.1.0');

    const checks = screen.getByRole('region', { name: 'Agent checks' });
    const rbac = within(checks).getByText('rbac').closest('li')!;
    expect(rbac.textContent).toContain('Failed');
    expect(rbac.textContent).toContain('grant it the outpost-agent Role');
    expect(within(checks).getByText('api-reachable').closest('li')!.textContent).toContain('Passed');

    const history = within(screen.getByRole('region', { name: 'Status history' })).getAllByRole('listitem');
    expect(history).toHaveLength(2);
    expect(history[0]!.textContent).toContain('Pending');
    expect(history[0]!.textContent).toContain('→');
    expect(history[0]!.textContent).toContain('Ready');
    expect(history[0]!.textContent).toContain('Agent registered; all checks passed.');
    expect(history[0]!.querySelector('time')?.getAttribute('datetime')).toBe('2026-01-10T09:00:00.000Z');
    expect(history[1]!.textContent).toContain('Registered as');

    const allowlist = screen.getByRole('list', { name: 'Allowed organizations' });
    expect(
      within(allowlist)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual([
      expect.stringContaining('Acme (acme)3 workspaces'),
      expect.stringContaining('Globex (globex)0 workspaces'),
    ]);
    const add = await screen.findByLabelText('Add an organization');
    expect(
      within(add)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['Choose an organization…', 'Initech (initech)']);
  });

  it('shows an error with a retry when the details cannot be loaded', async () => {
    renderWithApi(<ProviderDetailsPanel id="prov-eu" name="eu-west" />, {
      mocks: [
        {
          request: { query: ProviderDetailsQuery, variables: { id: 'prov-eu' } },
          error: new Error('offline'),
        },
      ],
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Cannot load the details of eu-west.');
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeTruthy();
  });

  it('cordons only with a reason', async () => {
    const user = userEvent.setup();
    const cordoned = providerFixture({ cordoned: true, cordonReason: 'Cluster upgrade' });
    const { id, name, displayName, region, status, statusMessage, statusChangedAt, isDefault, cordonReason } =
      cordoned;
    renderWithApi(<ProviderDetailsPanel id="prov-eu" name="eu-west" />, {
      mocks: [
        detailsMock(),
        organizationsMock,
        {
          request: { query: CordonProviderMutation, variables: { id, reason: 'Cluster upgrade' } },
          result: {
            data: {
              cordonWorkspaceProvider: {
                __typename: 'WorkspaceProvider',
                id,
                name,
                displayName,
                region,
                status,
                statusMessage,
                statusChangedAt,
                isDefault,
                cordoned: true,
                cordonReason,
                lastHeartbeatAt: cordoned.lastHeartbeatAt,
                workspaceCount: cordoned.workspaceCount,
                allowedOrganizations: cordoned.allowedOrganizations,
              },
            },
          },
        },
      ],
    });
    await user.click(await screen.findByRole('button', { name: 'Cordon…' }));
    await user.click(screen.getByRole('button', { name: 'Cordon provider' }));
    expect(screen.getByText(/Give a reason/)).toBeTruthy();
    expect(screen.getByLabelText('Reason for cordoning').getAttribute('aria-invalid')).toBe('true');

    await user.type(screen.getByLabelText('Reason for cordoning'), 'Cluster upgrade');
    await user.click(screen.getByRole('button', { name: 'Cordon provider' }));
    expect(await screen.findByRole('button', { name: 'Uncordon' })).toBeTruthy();
  });
});
