import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '@outpost/prisma';
import { rawRows } from '../src/database/sql.js';
import { createTestDatabase } from '@outpost/testing';
import { isDatabaseUnavailable } from '../src/database/availability.js';

/**
 * The pool under every server process (@outpost/prisma createPrismaClient) tells "busy" from "gone":
 * a statement queued behind a full pool waits for its turn — a thousand agents reconnecting at once
 * after a server replica went away is a burst, not an outage — while a database that does not answer
 * still fails in seconds, as the unavailability the server answers SERVICE_UNAVAILABLE for.
 */
describe('the connection pool', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Database;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createDatabase(database.url, { maxConnections: 1 });
  });

  afterAll(async () => {
    await pool?.close();
    await database?.drop();
  });

  it('queues a statement behind a busy pool for longer than opening a connection may take', async () => {
    // The only connection is busy for 4 s: longer than the 3 s a new connection may take to open,
    // which used to be the checkout wait too ("timeout exceeded when trying to connect").
    const busy = pool.prisma.$queryRaw`SELECT pg_sleep(4)::text`;
    // Kysely and Prisma share the pool: both wait their turn.
    const queued = [
      rawRows<{ one: number }>(pool.db, 'SELECT 1 AS one', []),
      pool.prisma.workspaceProvider.count(),
    ];
    await busy;
    expect(await Promise.all(queued)).toEqual([[{ one: 1 }], expect.any(Number)]);
  }, 30_000);

  it('still fails fast, as unavailable, when the database does not answer', async () => {
    // A peer that accepts TCP connections and never speaks: PostgreSQL behind a partition.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const sockets = new Set<net.Socket>();
    silent.on('connection', (socket) => sockets.add(socket));
    const { port } = silent.address() as net.AddressInfo;
    const unreachable = createDatabase(`postgresql://outpost@127.0.0.1:${port}/outpost`);
    try {
      const started = Date.now();
      const error = await rawRows(unreachable.db, 'SELECT 1', []).then(
        () => null,
        (failure: unknown) => failure,
      );
      expect(error).not.toBeNull();
      expect(isDatabaseUnavailable(error)).toBe(true);
      // The connect timeout (3 s), far from the 30 s a statement may wait for a busy pool's turn.
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await unreachable.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 30_000);
});
