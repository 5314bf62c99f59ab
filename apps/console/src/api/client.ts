import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { Kind, OperationTypeNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { createLiveConnection, type LiveConnection } from './liveConnection';

/** Everything that talks to the API for one session; replaced as a whole on sign-in and sign-out. */
export interface ApiBundle {
  client: ApolloClient;
  live: LiveConnection;
  dispose(): void;
}

/** How long a ping may wait for its pong before the connection counts as dead and is reopened. */
const PONG_TIMEOUT_MS = 5_000;
/** Retries back off exponentially up to this, with jitter, forever: the console should come back by itself. */
const MAX_RETRY_WAIT_MS = 10_000;

export function createCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      // Members have no id of their own: a newer list (e.g. after removing one) replaces the old one.
      Organization: { fields: { members: { merge: false } } },
    },
  });
}

function websocketUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/graphql`;
}

function createWebSocketClient(live: LiveConnection): Client {
  let socket: WebSocket | undefined;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  return createClient({
    // Same origin: the browser sends the HttpOnly session cookie with the upgrade request.
    url: websocketUrl(),
    retryAttempts: Infinity,
    // By default graphql-ws gives up on some network errors; a console left open should always come back.
    shouldRetry: () => true,
    retryWait: async (retries) => {
      const wait = Math.min(1000 * 2 ** retries, MAX_RETRY_WAIT_MS) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, wait));
    },
    // Pings detect half-open connections (laptop sleep, a proxy dropping the socket silently).
    keepAlive: 10_000,
    on: {
      connecting: (isRetry) => live.connecting(isRetry),
      connected: (_socket, _payload, wasRetry) => live.connected(wasRetry),
      closed: (event) => {
        clearTimeout(pongTimer);
        live.closed((event as { code?: number } | undefined)?.code === 1000);
      },
      ping: (received) => {
        if (received) return;
        pongTimer = setTimeout(() => socket?.close(4408, 'Ping timeout'), PONG_TIMEOUT_MS);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
      opened: (opened) => {
        socket = opened as WebSocket;
      },
    },
  });
}

export function createApiBundle(): ApiBundle {
  const live = createLiveConnection();
  const wsClient = createWebSocketClient(live);
  const httpLink = new HttpLink({
    uri: '/graphql',
    credentials: 'same-origin',
    // Apollo Server's CSRF prevention accepts only requests a browser would preflight.
    headers: { 'apollo-require-preflight': 'true' },
  });
  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return (
        definition.kind === Kind.OPERATION_DEFINITION &&
        definition.operation === OperationTypeNode.SUBSCRIPTION
      );
    },
    new GraphQLWsLink(wsClient),
    httpLink,
  );
  const client = new ApolloClient({ link, cache: createCache() });
  return {
    client,
    live,
    dispose() {
      client.stop();
      void wsClient.dispose();
    },
  };
}
