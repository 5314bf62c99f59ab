import { createHook } from 'node:async_hooks';
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@outpost/testing';
import {
  createNotificationPubSub,
  LISTENER_NAME,
  NOTIFY_CHANNEL,
  NotificationListener,
  type WorkspaceNotification,
} from '../src/events/notifications.js';

/**
 * The LISTEN connection (src/events/notifications.ts) against a real PostgreSQL: a stop that lands in the
 * middle of a reconnect, and payloads on the channel that are not Outpost's.
 */

let database: { url: string; drop(): Promise<void> };
let admin: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await database?.drop();
});

/** The LISTEN backends of this file's database. */
async function listenerBackends(): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
    [LISTENER_NAME],
  );
  return rows[0]!.n;
}

describe('NotificationListener.stop() during a reconnect', () => {
  it('leaves no LISTEN connection and no timer behind', async () => {
    const timers = new ListenerTimers();
    const proxy = await HoldingProxy.start(database.url);
    const listener = new NotificationListener(proxy.databaseUrl, createNotificationPubSub());
    try {
      await listener.start();
      expect(await listenerBackends()).toBe(1);
      expect(proxy.accepted).toHaveLength(1);

      // The network starts holding new connections, and the listener's backend goes away (a PostgreSQL
      // restart or a failover): it reconnects, and that reconnect hangs in the held connection.
      proxy.hold();
      const { rows } = await admin.query<{ terminated: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS terminated FROM pg_stat_activity
         WHERE application_name = $1 AND datname = current_database()`,
        [LISTENER_NAME],
      );
      expect(rows[0]!.terminated).toBe(1);
      const reconnect = await proxy.nextConnection();

      // The server shuts down now, with the reconnect in flight; then the network lets it through.
      await listener.stop();
      proxy.release();

      // The connection being opened was ended by stop() (a leaked one would sit here, listening, forever)…
      await expect(withTimeout(reconnect.closed, 10_000, 'the reconnecting client to close')).resolves.toBe(
        true,
      );
      // …so PostgreSQL has no LISTEN backend of ours left (a backend exits a moment after its client)…
      await expect.poll(listenerBackends, { timeout: 10_000 }).toBe(0);
      // …and neither the retry timer nor the checkpoint interval is still alive.
      expect(timers.alive()).toEqual([]);
    } finally {
      timers.disable();
      await listener.stop();
      await proxy.close();
    }
  });
});

describe('a NOTIFY on the channel that is not an Outpost notification', () => {
  it('is logged and skipped; the next valid one is delivered', async () => {
    const logged: string[] = [];
    const pubSub = createNotificationPubSub();
    const listener = new NotificationListener(database.url, pubSub, { log: (line) => logged.push(line) });
    const events = pubSub.subscribe('workspace');
    try {
      await listener.start();
      const first = events.next(); // listening from here
      const valid: WorkspaceNotification = {
        topic: 'workspace',
        type: 'UPDATED',
        workspaceId: '3f0c2a52-8d0e-4a55-9a3b-1d6c5e0f7a01',
        organizationId: '3f0c2a52-8d0e-4a55-9a3b-1d6c5e0f7a02',
        providerId: '3f0c2a52-8d0e-4a55-9a3b-1d6c5e0f7a03',
      };
      const malformed = [
        'not json {',
        'null',
        JSON.stringify({ topic: 'workspace', type: 'UPDATED' }),
        JSON.stringify({ ...valid, workspaceId: "x'; DROP TABLE workspaces; --" }),
        JSON.stringify({ topic: 'provider', type: 'EXPLODED', providerId: valid.providerId }),
      ];
      // Each in its own statement, as anyone with access to the database could send them, then ours.
      for (const payload of malformed)
        await admin.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, payload]);
      await admin.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, JSON.stringify(valid)]);

      // Notifications of one connection arrive in order: the first one delivered must be the valid one.
      expect(await withTimeout(first, 10_000, 'the valid notification')).toEqual({
        done: false,
        value: valid,
      });
      expect(logged).toHaveLength(malformed.length);
      for (const line of logged)
        expect(line).toMatch(/^skipped a malformed notification on outpost_events: /);
      expect(logged[0]).toContain('not json {');
    } finally {
      await events.return!();
      await listener.stop();
    }
  });
});

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`waited ${ms} ms for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The timers (timeouts and intervals) created by src/events/notifications.ts that have neither fired
 * nor been cleared, through an async hook on the process's Timeout resources.
 */
class ListenerTimers {
  private readonly live = new Map<number, string>();
  private readonly hook = createHook({
    init: (asyncId, type, _trigger, resource) => {
      if (type !== 'Timeout') return;
      const stack = new Error().stack ?? '';
      if (!stack.includes('events/notifications.ts')) return;
      const repeat = (resource as { _repeat?: number | null })._repeat;
      this.live.set(asyncId, repeat ? `interval of ${repeat} ms` : 'timeout');
    },
    destroy: (asyncId) => {
      this.live.delete(asyncId);
    },
  }).enable();

  alive(): string[] {
    return [...this.live.values()];
  }

  disable(): void {
    this.hook.disable();
  }
}

interface ProxiedConnection {
  /** Resolves (true) when the client's side of the connection has closed. */
  closed: Promise<boolean>;
}

/**
 * A TCP hop between the listener and PostgreSQL that the test controls: while holding, it accepts new
 * connections but forwards nothing (a network that stalls a connect), and `release()` lets what they sent
 * through. A client that gives up meanwhile is seen closing.
 */
class HoldingProxy {
  readonly accepted: ProxiedConnection[] = [];
  private holding = false;
  private readonly held: Array<() => void> = [];
  private readonly sockets = new Set<net.Socket>();
  private waiting: ((connection: ProxiedConnection) => void) | null = null;

  private constructor(
    private readonly server: net.Server,
    private readonly target: URL,
  ) {}

  static async start(databaseUrl: string): Promise<HoldingProxy> {
    const target = new URL(databaseUrl);
    const server = net.createServer();
    const proxy = new HoldingProxy(server, target);
    server.on('connection', (client) => proxy.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get databaseUrl(): string {
    const url = new URL(this.target);
    url.hostname = '127.0.0.1';
    url.port = String((this.server.address() as net.AddressInfo).port);
    return url.toString();
  }

  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    for (const forward of this.held.splice(0)) forward();
  }

  /** The next connection accepted. */
  nextConnection(): Promise<ProxiedConnection> {
    return withTimeout(
      new Promise((resolve) => (this.waiting = resolve)),
      10_000,
      'the listener to reconnect',
    );
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: net.Socket): void {
    this.sockets.add(client);
    const connection: ProxiedConnection = {
      closed: new Promise((resolve) => client.once('close', () => resolve(true))),
    };
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => undefined);
    this.accepted.push(connection);
    this.waiting?.(connection);
    this.waiting = null;

    const buffered: Buffer[] = [];
    const buffer = (chunk: Buffer) => buffered.push(chunk);
    // Held: bytes are kept, not forwarded; a client that ends its side is closed, as a server would.
    const endWhileHeld = () => client.destroy();
    client.on('data', buffer);
    client.once('end', endWhileHeld);
    const forward = () => {
      if (client.destroyed) return;
      client.off('data', buffer);
      client.off('end', endWhileHeld);
      const upstream = net.connect(Number(this.target.port), this.target.hostname);
      this.sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
      for (const chunk of buffered) upstream.write(chunk);
      client.pipe(upstream);
      upstream.pipe(client);
    };
    if (this.holding) this.held.push(forward);
    else forward();
  }
}
