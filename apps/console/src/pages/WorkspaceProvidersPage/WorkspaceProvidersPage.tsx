import { useFragment } from '@apollo/client/react';
import { useCallback, useState } from 'react';
import { apiError } from '../../api/errors';
import { useLiveConnection } from '../../api/liveConnection';
import { usePageTitle } from '../../app/usePageTitle';
import { EmptyState, ErrorState, Loading } from '../../components/DataState';
import { LiveIndicator } from '../../components/LiveIndicator';
import { VirtualList } from '../../components/VirtualList';
import type { ProviderEntry } from './providerList';
import { ProviderDetailsPanel } from './ProviderDetails';
import { ProviderRow, ProviderRowHeader } from './ProviderRow';
import { ProviderRowFragment } from './providers.graphql';
import { useProviderList } from './useProviderList';

const getKey = (entry: ProviderEntry) => entry.id;

/** Manage › Admin › Workspace Providers: every provider, its status live, expandable to details. */
export function WorkspaceProvidersPage() {
  usePageTitle('Workspace Providers');
  const { state, reload, subscriptionError } = useProviderList();
  const live = useLiveConnection();
  // Kept here, not in the rows: virtualized rows unmount when scrolled away and must reopen as they were.
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const toggle = useCallback((id: string) => {
    setExpanded((previous) => {
      const next = new Set(previous);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  }, []);
  const renderItem = useCallback(
    (entry: ProviderEntry) => (
      <ProviderListItem id={entry.id} expanded={expanded.has(entry.id)} onToggle={toggle} />
    ),
    [expanded, toggle],
  );

  return (
    <div className="page page--fill">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <ol>
          <li>Manage</li>
          <li>Admin</li>
          <li aria-current="page">Workspace Providers</li>
        </ol>
      </nav>
      <div className="page__heading">
        <h1>Workspace Providers</h1>
        {state.kind === 'ready' && (
          <span className="muted">
            {state.entries.length} provider{state.entries.length === 1 ? '' : 's'}
            {state.partial &&
              state.refreshError == null &&
              ` · loading ${state.partial.total - state.partial.loaded} more…`}
            {state.refreshing && ' · refreshing…'}
          </span>
        )}
        <LiveIndicator status={live.status} />
      </div>
      {subscriptionError != null && (
        <p role="alert" className="form-error">
          Live updates stopped: {apiError(subscriptionError).message} Reload the page to resume them.
        </p>
      )}
      {state.kind === 'loading' && (
        <Loading>
          {state.total === null
            ? 'Loading workspace providers…'
            : `Loading workspace providers… ${state.loaded} of ${state.total}`}
        </Loading>
      )}
      {state.kind === 'error' && (
        <ErrorState
          title="Cannot load the workspace providers."
          message={apiError(state.error).message}
          onRetry={reload}
        />
      )}
      {state.kind === 'ready' && state.refreshError != null && (
        <ErrorState
          title="The list may be out of date."
          message={apiError(state.refreshError).message}
          onRetry={reload}
        />
      )}
      {state.kind === 'ready' && state.entries.length === 0 && (
        <EmptyState>
          <p>No workspace providers yet.</p>
          <p className="muted">
            Create one with the Outpost CLI or the <code>createWorkspaceProvider</code> mutation; it appears
            here as Pending until its agent connects.
          </p>
        </EmptyState>
      )}
      {state.kind === 'ready' && state.entries.length > 0 && (
        <div className="provider-list">
          <ProviderRowHeader />
          <VirtualList
            items={state.entries}
            getKey={getKey}
            renderItem={renderItem}
            estimatedItemHeight={56}
            label="Workspace providers"
          />
        </div>
      )}
    </div>
  );
}

interface ProviderListItemProps {
  id: string;
  expanded: boolean;
  onToggle: (id: string) => void;
}

/** A row bound to the cache: subscription events and mutations re-render just this row. */
function ProviderListItem({ id, expanded, onToggle }: ProviderListItemProps) {
  const { data, complete } = useFragment({
    fragment: ProviderRowFragment,
    fragmentName: 'ProviderRow',
    from: { __typename: 'WorkspaceProvider', id },
  });
  if (!complete) return null;
  const detailsId = `provider-details-${id}`;
  return (
    <>
      <ProviderRow provider={data} expanded={expanded} onToggle={() => onToggle(id)} detailsId={detailsId} />
      <div
        id={detailsId}
        hidden={!expanded}
        role="region"
        aria-label={`Details of ${data.name}`}
        className="provider-row__details"
      >
        {expanded && <ProviderDetailsPanel id={id} name={data.name} />}
      </div>
    </>
  );
}
