// @vitest-environment happy-dom
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { acme } from '../../testHelpers/fixtures';
import { renderWithApi } from '../../testHelpers/render';
import { WorkspaceEventsSubscription, WorkspacesQuery } from './workspaces.graphql';
import { WorkspacesPage } from './WorkspacesPage';

const workspace = (overrides: Record<string, unknown>) => ({
  __typename: 'Workspace' as const,
  id: 'ws-1',
  name: 'api-dev',
  organizationId: acme.id,
  providerId: 'prov-eu',
  desiredState: 'RUNNING',
  observedPhase: 'Running',
  observedMessage: null,
  updatedAt: '2026-01-10T09:00:00.000Z',
  ...overrides,
});

function listMock(workspaces: ReturnType<typeof workspace>[]) {
  return {
    request: { query: WorkspacesQuery },
    result: {
      data: {
        workspaces,
        organizations: [{ __typename: 'Organization', id: acme.id, name: acme.name }],
        workspaceProviders: {
          __typename: 'WorkspaceProviderConnection',
          edges: [
            {
              __typename: 'WorkspaceProviderEdge',
              node: {
                __typename: 'WorkspaceProvider',
                id: 'prov-eu',
                name: 'eu-west',
                displayName: 'Europe West',
              },
            },
          ],
        },
      },
    },
  };
}

const quietSubscription = { request: { query: WorkspaceEventsSubscription }, delay: Infinity };

describe('WorkspacesPage', () => {
  afterEach(cleanup);

  it('lists workspaces with organization, provider and phase, and reloads on a workspace event', async () => {
    renderWithApi(<WorkspacesPage />, {
      mocks: [
        listMock([workspace({})]),
        {
          request: { query: WorkspaceEventsSubscription },
          result: {
            data: {
              workspaceEvents: { __typename: 'WorkspaceEvent', type: 'CREATED', workspaceId: 'ws-2' },
            },
          },
          delay: 200,
        },
        listMock([workspace({}), workspace({ id: 'ws-2', name: 'web-dev', observedPhase: null })]),
      ],
    });
    expect(screen.getByText('Loading workspaces…')).toBeTruthy();
    const row = (await screen.findByRole('row', { name: /api-dev/ })) as HTMLElement;
    expect(
      within(row)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['Acme', 'Europe West', 'Running']);

    const added = (await screen.findByRole('row', { name: /web-dev/ })) as HTMLElement;
    expect(within(added).getByText('Running (requested)')).toBeTruthy();
  });

  it('shows the empty state', async () => {
    renderWithApi(<WorkspacesPage />, { mocks: [listMock([]), quietSubscription] });
    expect(await screen.findByText('No workspaces yet.')).toBeTruthy();
  });

  it('shows an error with a retry when the list cannot be loaded', async () => {
    renderWithApi(<WorkspacesPage />, {
      mocks: [
        { request: { query: WorkspacesQuery }, error: new Error('Failed to fetch') },
        quietSubscription,
      ],
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Cannot load the workspaces.');
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});
