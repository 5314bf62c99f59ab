import { useQuery, useSubscription } from '@apollo/client/react';
import { useEffect, useRef, useState } from 'react';
import { apiError } from '../../api/errors';
import { useLiveConnection } from '../../api/liveConnection';
import { usePageTitle } from '../../app/usePageTitle';
import { EmptyState, ErrorState, Loading } from '../../components/DataState';
import { LiveIndicator } from '../../components/LiveIndicator';
import type { WorkspacesQuery as WorkspacesData } from '../../generated/graphql';
import { CreateWorkspaceDialog } from './CreateWorkspaceDialog';
import { WorkspaceEventsSubscription, WorkspacesQuery } from './workspaces.graphql';

type Workspace = WorkspacesData['workspaces'][number];

const DESIRED_LABELS: Record<Workspace['desiredState'], string> = {
  RUNNING: 'Running',
  STOPPED: 'Stopped',
  DELETED: 'Deleted',
};

/** What the agent last observed, or what was asked for until it reports. */
export function workspacePhase(workspace: Pick<Workspace, 'observedPhase' | 'desiredState'>): string {
  return workspace.observedPhase ?? `${DESIRED_LABELS[workspace.desiredState]} (requested)`;
}

/** The viewer's workspaces, live, and "Create an Environment". */
export function WorkspacesPage() {
  usePageTitle('Workspaces');
  const { data, error, loading, refetch } = useQuery(WorkspacesQuery, { notifyOnNetworkStatusChange: true });
  const { error: subscriptionError } = useSubscription(WorkspaceEventsSubscription, {
    onData: () => void refetch().catch(() => undefined),
  });
  const live = useLiveConnection();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string | null>(null);

  // Events missed while the socket was down: reload after each reconnection.
  const firstReconnects = useRef(live.reconnects);
  useEffect(() => {
    if (live.reconnects !== firstReconnects.current) void refetch().catch(() => undefined);
  }, [live.reconnects, refetch]);

  const organizationNames = new Map(data?.organizations.map((o) => [o.id, o.name]));
  const providerNames = new Map(
    data?.workspaceProviders.edges.map(({ node }) => [node.id, node.displayName || node.name]),
  );
  const workspaces = data ? [...data.workspaces].sort((a, b) => a.name.localeCompare(b.name)) : [];

  return (
    <div className="page">
      <div className="page__heading">
        <h1>Workspaces</h1>
        {data && (
          <span className="muted">
            {workspaces.length} workspace{workspaces.length === 1 ? '' : 's'}
            {loading && ' · refreshing…'}
          </span>
        )}
        <LiveIndicator status={live.status} />
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          Create an Environment
        </button>
      </div>
      {created && (
        <p role="status" className="muted">
          Workspace {created} created.
        </p>
      )}
      {subscriptionError != null && (
        <p role="alert" className="form-error">
          Live updates stopped: {apiError(subscriptionError).message} Reload the page to resume them.
        </p>
      )}
      {!data && loading && <Loading>Loading workspaces…</Loading>}
      {error && (
        <ErrorState
          title={data ? 'The list may be out of date.' : 'Cannot load the workspaces.'}
          message={apiError(error).message}
          onRetry={() => void refetch().catch(() => undefined)}
        />
      )}
      {data && workspaces.length === 0 && (
        <EmptyState>
          <p>No workspaces yet.</p>
          <p className="muted">Create one with “Create an Environment”.</p>
        </EmptyState>
      )}
      {data && workspaces.length > 0 && (
        <table className="table">
          <caption className="visually-hidden">Workspaces</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Organization</th>
              <th scope="col">Provider</th>
              <th scope="col">Phase</th>
            </tr>
          </thead>
          <tbody>
            {workspaces.map((w) => (
              <tr key={w.id}>
                <th scope="row">{w.name}</th>
                <td>{organizationNames.get(w.organizationId) ?? w.organizationId}</td>
                <td>{providerNames.get(w.providerId) ?? w.providerId}</td>
                <td title={w.observedMessage ?? undefined}>{workspacePhase(w)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating && (
        <CreateWorkspaceDialog
          onClose={() => setCreating(false)}
          onCreated={(workspace) => {
            setCreating(false);
            setCreated(workspace.name);
            void refetch().catch(() => undefined);
          }}
        />
      )}
    </div>
  );
}
