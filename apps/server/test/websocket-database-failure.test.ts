import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { serviceUnavailableError } from '../src/database/availability.js';
import { createWorld, useTestServer, withApiTokensReadFailing, type World } from './helpers.js';

/**
 * A graphql-ws connection that cannot be authenticated because the database failed is told so — 1013
 * Try Again Later with the SERVICE_UNAVAILABLE message — rather than graphql-ws's 4500 "Internal error":
 * agents and the console reconnect with back-off either way, but an operator reading the close sees why.
 */
describe('a WebSocket connecting while the database fails', () => {
  const server = useTestServer({ config: { development: false } });
  let world: World;

  beforeAll(async () => {
    world = await createWorld(server);
  });

  it('is closed with 1013 Try Again Later, saying why', async () => {
    const admin = world.personas.siteAdmin.credentials as { token: string };
    // connection_init's authentication is the first read of api_tokens.
    const closed = await withApiTokensReadFailing(
      server.databaseUrl,
      () =>
        new Promise<{ code: number; reason: string }>((resolve, reject) => {
          const socket = new WebSocket(server.outpost.http.websocketUrl, 'graphql-transport-ws');
          socket.on('open', () =>
            socket.send(JSON.stringify({ type: 'connection_init', payload: { token: admin.token } })),
          );
          socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
          socket.on('error', reject);
        }),
    );
    expect(closed).toEqual({ code: 1013, reason: serviceUnavailableError().message });
  });
});
