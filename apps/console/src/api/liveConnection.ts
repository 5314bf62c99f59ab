import { createContext, useContext, useSyncExternalStore } from 'react';

/**
 * `connecting`: the first connection is being opened. `live`: subscriptions deliver events.
 * `reconnecting`: the connection dropped; events are missed until it is back (then pages refetch).
 * `idle`: no subscription needs the connection (it is opened lazily).
 */
export type LiveStatus = 'idle' | 'connecting' | 'live' | 'reconnecting';

export interface LiveConnectionState {
  status: LiveStatus;
  /** Counts connections re-established after a drop; pages refetch when it changes. */
  reconnects: number;
}

export interface LiveConnection {
  getSnapshot(): LiveConnectionState;
  subscribe(listener: () => void): () => void;
  connecting(isRetry: boolean): void;
  connected(wasRetry: boolean): void;
  /** `normal`: closed on purpose (no subscription left, or the client was disposed). */
  closed(normal: boolean): void;
}

/** A tiny external store the WebSocket client reports into and components read with useLiveConnection. */
export function createLiveConnection(): LiveConnection {
  let state: LiveConnectionState = { status: 'idle', reconnects: 0 };
  const listeners = new Set<() => void>();
  const set = (next: LiveConnectionState) => {
    if (next.status === state.status && next.reconnects === state.reconnects) return;
    state = next;
    for (const listener of listeners) listener();
  };
  return {
    getSnapshot: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    connecting(isRetry) {
      set({ ...state, status: isRetry ? 'reconnecting' : 'connecting' });
    },
    connected(wasRetry) {
      set({ status: 'live', reconnects: state.reconnects + (wasRetry ? 1 : 0) });
    },
    closed(normal) {
      set({ ...state, status: normal ? 'idle' : 'reconnecting' });
    },
  };
}

export const LiveConnectionContext = createContext<LiveConnection | null>(null);

export function useLiveConnection(): LiveConnectionState {
  const live = useContext(LiveConnectionContext);
  if (!live) throw new Error('useLiveConnection needs an <ApiProvider> (src/api/ApiProvider.tsx) above it.');
  return useSyncExternalStore(live.subscribe, live.getSnapshot);
}
