// @vitest-environment happy-dom
import { act, cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { providerFixture } from '../../testHelpers/fixtures';
import { renderWithApi } from '../../testHelpers/render';
import { ProviderEventsSubscription, WorkspaceProvidersQuery } from './providers.graphql';
import { WorkspaceProvidersPage } from './WorkspaceProvidersPage';

const euWest = providerFixture();
const usEast = providerFixture({
  id: 'prov-us',
  name: 'us-east',
  displayName: 'US East',
  region: 'us-east-1',
});
const apSouth = providerFixture({
  id: 'prov-ap',
  name: 'ap-south',
  displayName: 'Asia South',
  status: 'PENDING',
});

function pageMock(providers: ReturnType<typeof providerFixture>[]) {
  return {
    request: { query: WorkspaceProvidersQuery, variables: { first: 100, after: null } },
    delay: 0,
    result: {
      data: {
        workspaceProviders: {
          __typename: 'WorkspaceProviderConnection',
          totalCount: providers.length,
          pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
          edges: providers.map((node) => ({ __typename: 'WorkspaceProviderEdge', node })),
        },
      },
    },
  };
}

/** A subscription that stays open without events. */
const quietSubscription = { request: { query: ProviderEventsSubscription }, delay: Infinity };

const rowNames = () =>
  within(screen.getByRole('list', { name: 'Workspace providers' }))
    .getAllByRole('button', { expanded: false })
    .map((b) => b.textContent?.replace(/^[▸▾]/, ''));

describe('WorkspaceProvidersPage', () => {
  afterEach(cleanup);

  it('adds providers from the subscription and reloads the list after a dropped connection', async () => {
    const { live } = renderWithApi(<WorkspaceProvidersPage />, {
      mocks: [
        pageMock([euWest, usEast]),
        {
          request: { query: ProviderEventsSubscription },
          result: {
            data: {
              workspaceProviderEvents: {
                __typename: 'WorkspaceProviderEvent',
                type: 'CREATED',
                providerId: apSouth.id,
                provider: apSouth,
              },
            },
          },
          // After the first page has been shown: long enough that a busy machine has shown it (at 200 ms
          // the event sometimes arrived during the first load on a loaded 2-core machine).
          delay: 1000,
        },
        // While the connection was down, ap-south was deleted and eu-west failed.
        pageMock([{ ...euWest, status: 'ERROR', statusMessage: 'No heartbeat for 20 s.' }, usEast]),
      ],
    });
    expect(screen.getByText('Loading workspace providers…')).toBeTruthy();
    await screen.findByText('2 providers');
    expect(rowNames()).toEqual(['eu-west', 'us-east']);

    await screen.findByText('3 providers', {}, { timeout: 5000 });
    expect(rowNames()).toEqual(['ap-south', 'eu-west', 'us-east']);

    act(() => live.closed(false));
    expect(screen.getByText('Live updates disconnected — reconnecting…')).toBeTruthy();
    act(() => live.connected(true));
    expect(screen.getByText('Live')).toBeTruthy();

    await screen.findByText('2 providers');
    expect(rowNames()).toEqual(['eu-west', 'us-east']);
    expect(screen.getByText('Error')).toBeTruthy();
  });

  it('shows the first page of a long list while later pages load', async () => {
    const page = (
      providers: ReturnType<typeof providerFixture>[],
      after: string | null,
      next: string | null,
    ) => ({
      request: { query: WorkspaceProvidersQuery, variables: { first: 100, after } },
      // The second page arrives well after the first has been painted.
      delay: after === null ? 0 : 600,
      result: {
        data: {
          workspaceProviders: {
            __typename: 'WorkspaceProviderConnection',
            totalCount: 2,
            pageInfo: { __typename: 'PageInfo', hasNextPage: next !== null, endCursor: next },
            edges: providers.map((node) => ({ __typename: 'WorkspaceProviderEdge', node })),
          },
        },
      },
    });
    renderWithApi(<WorkspaceProvidersPage />, {
      mocks: [page([euWest], null, 'cursor-1'), page([usEast], 'cursor-1', null), quietSubscription],
    });
    await screen.findByText('1 provider · loading 1 more…', {}, { timeout: 5000 });
    expect(rowNames()).toEqual(['eu-west']);

    await screen.findByText('2 providers', {}, { timeout: 5000 });
    expect(rowNames()).toEqual(['eu-west', 'us-east']);
  });

  it('shows the empty state', async () => {
    renderWithApi(<WorkspaceProvidersPage />, { mocks: [pageMock([]), quietSubscription] });
    expect(await screen.findByText('No workspace providers yet.')).toBeTruthy();
  });

  it('shows an error with a retry when the list cannot be loaded', async () => {
    renderWithApi(<WorkspaceProvidersPage />, {
      mocks: [
        {
          request: { query: WorkspaceProvidersQuery, variables: { first: 100, after: null } },
          error: new Error('Failed to fetch'),
        },
        quietSubscription,
      ],
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Cannot load the workspace providers.');
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});
