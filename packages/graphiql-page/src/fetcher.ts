import type { createGraphiQLFetcher } from '@graphiql/toolkit';

/**
 * The fetcher for this origin's /graphql: HTTP with the session cookie, subscriptions over graphql-ws on
 * the same path (the browser sends the cookie with the WebSocket upgrade too). Apollo Server's CSRF
 * prevention accepts requests carrying `apollo-require-preflight`.
 */
export function createFetcher(
  create: typeof createGraphiQLFetcher,
  location: Pick<Location, 'protocol' | 'host'>,
): ReturnType<typeof createGraphiQLFetcher> {
  const websocketProtocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return create({
    url: '/graphql',
    subscriptionUrl: `${websocketProtocol}//${location.host}/graphql`,
    headers: { 'apollo-require-preflight': 'true' },
    fetch: (input, init) => fetch(input, { ...init, credentials: 'same-origin' }),
  });
}
