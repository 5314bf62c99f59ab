import { useApolloClient, useSubscription } from '@apollo/client/react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useLiveConnection } from '../../api/liveConnection';
import type { WorkspaceProvidersQuery as WorkspaceProvidersData } from '../../generated/graphql';
import { applyProviderEvent, type ProviderEntry, type ProviderEvent } from './providerList';
import { ProviderEventsSubscription, WorkspaceProvidersQuery } from './providers.graphql';

/** The API's largest page. */
const PAGE_SIZE = 100;

export type ProviderListState =
  | { kind: 'loading'; loaded: number; total: number | null }
  | { kind: 'error'; error: unknown }
  | {
      kind: 'ready';
      entries: ProviderEntry[];
      refreshing: boolean;
      refreshError: unknown;
      /** The first load is still fetching later pages: the rows so far are shown meanwhile. */
      partial: { loaded: number; total: number } | null;
    };

/**
 * Every provider the viewer may see, kept current: pages through the whole list (showing the first
 * pages while later ones load, so a long list paints as soon as a short one), applies subscription
 * events (created, renamed, deleted; changed fields reach the rows through the cache), and loads the
 * list again whenever the live connection comes back after a drop, so events missed meanwhile are not.
 */
export function useProviderList(): {
  state: ProviderListState;
  reload: () => void;
  /** The subscription failed (not a dropped connection, which is retried): live updates stopped. */
  subscriptionError: unknown;
} {
  const client = useApolloClient();
  const [state, setState] = useState<ProviderListState>({ kind: 'loading', loaded: 0, total: null });
  const generation = useRef(0);
  // Events that arrive while a load runs are applied again on top of its result.
  const eventsDuringLoad = useRef<ProviderEvent[] | null>(null);

  const fetchPage = useCallback(
    async (after: string | null): Promise<WorkspaceProvidersData['workspaceProviders']> => {
      const { data } = await client.query({
        query: WorkspaceProvidersQuery,
        variables: { first: PAGE_SIZE, after },
        fetchPolicy: 'network-only',
      });
      if (!data) throw new Error('The API answered the provider list without data.');
      return data.workspaceProviders;
    },
    [client],
  );

  const load = useCallback(async () => {
    const mine = ++generation.current;
    eventsDuringLoad.current = [];
    setState((s) => (s.kind === 'ready' ? { ...s, refreshing: true, refreshError: null } : s));
    try {
      let entries: ProviderEntry[] = [];
      let after: string | null = null;
      for (;;) {
        const connection = await fetchPage(after);
        if (mine !== generation.current) return;
        entries = entries.concat(connection.edges.map(({ node }) => ({ id: node.id, name: node.name })));
        const { hasNextPage, endCursor } = connection.pageInfo;
        if (!hasNextPage || !endCursor) break;
        after = endCursor;
        const partial = { loaded: entries.length, total: connection.totalCount };
        const shown = (eventsDuringLoad.current ?? []).reduce(applyProviderEvent, entries);
        // A refresh keeps the complete list it replaces until it is complete itself.
        setState((s) =>
          s.kind === 'ready' && s.partial === null
            ? s
            : { kind: 'ready', entries: shown, refreshing: false, refreshError: null, partial },
        );
      }
      const missed = eventsDuringLoad.current ?? [];
      eventsDuringLoad.current = null;
      setState({
        kind: 'ready',
        entries: missed.reduce(applyProviderEvent, entries),
        refreshing: false,
        refreshError: null,
        partial: null,
      });
    } catch (error) {
      if (mine !== generation.current) return;
      eventsDuringLoad.current = null;
      // A failed refresh keeps the list on screen and says so; a failed first load has nothing to show.
      setState((s) =>
        s.kind === 'ready' ? { ...s, refreshing: false, refreshError: error } : { kind: 'error', error },
      );
    }
  }, [fetchPage]);

  const { error: subscriptionError } = useSubscription(ProviderEventsSubscription, {
    onData: ({ data }) => {
      const event = data.data?.workspaceProviderEvents;
      if (!event) return;
      const change: ProviderEvent = {
        providerId: event.providerId,
        provider: event.provider && { id: event.provider.id, name: event.provider.name },
      };
      if (!event.provider) {
        client.cache.evict({
          id: client.cache.identify({ __typename: 'WorkspaceProvider', id: event.providerId }),
        });
      }
      eventsDuringLoad.current?.push(change);
      setState((s) => (s.kind === 'ready' ? { ...s, entries: applyProviderEvent(s.entries, change) } : s));
    },
  });

  const { reconnects } = useLiveConnection();
  useEffect(() => {
    void load();
  }, [load, reconnects]);

  return { state, reload: () => void load(), subscriptionError };
}
