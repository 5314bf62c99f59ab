import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Client } from 'graphql-ws';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateToken, hashToken } from '../src/auth/tokens.js';
import { DeliveryBatch } from '../src/events/delivery-batch.js';
import type { Viewer } from '../src/graphql/context.js';
import { useTestServer } from './helpers.js';

// Whether a credential still works is decided by one SQL condition on the database's clock
// (src/auth/credential-validity.ts), wherever it is checked. These tests run the server's process with
// its clock an hour off the database's, so a check that compared an expiry with the application's
// clock would decide the other way.

const HOUR = 3_600_000;
const ME = `{ me { email } }`;
const HEARTBEAT = `mutation { agentHeartbeat { status } }`;

describe('credentials are judged by the database clock', () => {
  const server = useTestServer();
  let userId: string;
  let providerId: string;
  const sockets: Client[] = [];

  beforeAll(async () => {
    const user = await server.db.user.create({
      data: { email: `${randomUUID()}@example.com`, name: 'Clock', passwordHash: 'unused' },
    });
    userId = user.id;
    const provider = await server.db.workspaceProvider.create({
      data: { name: `clock-${Date.now()}`, displayName: 'Clock', region: 'r', namespace: 'ns' },
    });
    providerId = provider.id;
  });

  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
  });

  /** Sets the server process's clock `offsetMs` away from the database's (only Date: timers run on). */
  function skewApplicationClock(offsetMs: number) {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(Date.now() + offsetMs));
  }

  /** An API token expiring `seconds` from the database's now (negative: already expired). */
  async function apiToken(seconds: number) {
    const token = generateToken('apiToken');
    const [row] = await server.kysely
      .insertInto('api_tokens')
      .values({
        id: randomUUID(),
        user_id: userId,
        name: 'clock',
        token_hash: hashToken(token),
        expires_at: sql<Date>`now() + make_interval(secs => ${seconds})`,
      })
      .returning('id')
      .execute();
    return { token, id: row!.id };
  }

  /** An agent credential whose rotation overlap ends `seconds` from the database's now. */
  async function agentCredential(seconds: number) {
    const token = generateToken('agentCredential');
    await server.kysely
      .insertInto('agent_credentials')
      .values({
        id: randomUUID(),
        provider_id: providerId,
        token_hash: hashToken(token),
        expires_at: sql<Date>`now() + make_interval(secs => ${seconds})`,
      })
      .execute();
    return token;
  }

  async function session(seconds: number, revoked = false) {
    const [row] = await server.kysely
      .insertInto('sessions')
      .values({
        id: randomUUID(),
        user_id: userId,
        token_hash: hashToken(generateToken('session')),
        expires_at: sql<Date>`now() + make_interval(secs => ${seconds})`,
        revoked_at: revoked ? sql<Date>`now()` : null,
      })
      .returning('id')
      .execute();
    return row!.id;
  }

  function overSocket(socket: Client, query: string) {
    return new Promise<{ data?: any; errors?: any[] }>((resolve, reject) => {
      let result: { data?: any; errors?: any[] } = {};
      socket.subscribe(
        { query },
        {
          next: (value) => (result = value as typeof result),
          error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
          complete: () => resolve(result),
        },
      );
    });
  }

  const code = (result: { errors?: any[] }) => result.errors?.[0]?.extensions?.code;
  /** `me` is null for a caller without a (valid) credential. */
  const me = (result: { data?: any }) => result.data?.me ?? null;

  it('over HTTP: a token the database finds expired is refused though the server clock is behind', async () => {
    const expired = await apiToken(-60);
    const valid = await apiToken(30 * 60);
    skewApplicationClock(-HOUR);
    expect(me(await server.client.request(ME, {}, { token: expired.token }))).toBeNull();
    expect((await server.client.data(ME, {}, { token: valid.token })).me.email).toContain('@example.com');
  });

  it('over HTTP: a token still valid by the database works though the server clock is past its expiry', async () => {
    const valid = await apiToken(30 * 60);
    skewApplicationClock(HOUR);
    expect((await server.client.data(ME, {}, { token: valid.token })).me.email).toContain('@example.com');
  });

  it('over HTTP and WebSocket: an agent credential past its rotation overlap is refused', async () => {
    const pastOverlap = await agentCredential(-1);
    skewApplicationClock(-HOUR);
    expect(code(await server.client.request(HEARTBEAT, {}, { token: pastOverlap }))).toBe('UNAUTHENTICATED');
    const socket = server.client.subscriptions({ token: pastOverlap });
    sockets.push(socket);
    const result = await overSocket(socket, HEARTBEAT).catch((error: unknown) => ({
      data: undefined as any,
      errors: [error],
    }));
    expect(result.data?.agentHeartbeat).toBeUndefined();
  });

  it('over WebSocket: a token that expires while connected is refused at the next operation', async () => {
    const token = await apiToken(30 * 60);
    const socket = server.client.subscriptions({ token: token.token });
    sockets.push(socket);
    expect((await overSocket(socket, ME)).data?.me?.email).toContain('@example.com');
    await server.kysely
      .updateTable('api_tokens')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('id', '=', token.id)
      .execute();
    skewApplicationClock(-HOUR);
    expect(me(await overSocket(socket, ME))).toBeNull();
  });

  it('in the batched re-check before each event: expired and revoked sessions end, valid ones go on', async () => {
    const viewer = (kind: 'session' | 'apiToken', id: string): Viewer => ({
      id: userId,
      email: '',
      name: '',
      siteRole: 'MEMBER',
      organizationRoles: new Map(),
      credential: { kind, id },
    });
    const expiredSession = viewer('session', await session(-1));
    const revokedSession = viewer('session', await session(30 * 60, true));
    const validSession = viewer('session', await session(30 * 60));
    const expiredToken = viewer('apiToken', (await apiToken(-1)).id);
    skewApplicationClock(-HOUR);
    const batch = new DeliveryBatch(server.kysely);
    const [expired, revoked, valid, expiredApi] = await Promise.all(
      [expiredSession, revokedSession, validSession, expiredToken].map((v) => batch.reloadViewer(v)),
    );
    expect({ expired, revoked, expiredApi }).toEqual({ expired: null, revoked: null, expiredApi: null });
    expect(valid?.id).toBe(userId);

    // And the other way: the server clock past a session's expiry that the database has not reached.
    vi.useRealTimers();
    const stillValid = viewer('session', await session(30 * 60));
    skewApplicationClock(HOUR);
    expect((await new DeliveryBatch(server.kysely).reloadViewer(stillValid))?.id).toBe(userId);
  });
});
