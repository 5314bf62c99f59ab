import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '@outpost/prisma';
import { createTestDatabase } from '@outpost/testing';
import { databaseSnapshot } from './assertions.js';

/**
 * The fingerprint behind "a refused request changed nothing" (bad-input, rules, authorization tests)
 * must see a change in any table, including ones nobody remembered to list.
 */
describe('databaseSnapshot', () => {
  let db: PrismaClient;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    db = createPrismaClient(database.url);
  });

  afterAll(async () => {
    await db?.$disconnect();
    await drop?.();
  });

  it('sees an event a request published to the event journal', async () => {
    const before = await databaseSnapshot(db);
    await db.$executeRaw`INSERT INTO event_journal (payload) VALUES ('{"type":"test"}'::jsonb)`;
    expect(await databaseSnapshot(db)).not.toEqual(before);
  });

  it('but not the journal pruning its old entries on its own', async () => {
    await db.$executeRaw`INSERT INTO event_journal (payload, at) VALUES ('{}'::jsonb, now() - interval '1 hour')`;
    await db.$executeRaw`INSERT INTO event_journal (payload) VALUES ('{}'::jsonb)`;
    const before = await databaseSnapshot(db);
    await db.$executeRaw`DELETE FROM event_journal WHERE at < now() - interval '10 minutes'`;
    expect(await databaseSnapshot(db)).toEqual(before);
  });

  it('covers a table added by a later migration without being told about it', async () => {
    await db.$executeRaw`CREATE TABLE snapshot_probe (id int PRIMARY KEY, note text)`;
    try {
      await db.$executeRaw`INSERT INTO snapshot_probe VALUES (1, 'before')`;
      const before = await databaseSnapshot(db);
      expect(before).toHaveProperty('snapshot_probe');
      await db.$executeRaw`UPDATE snapshot_probe SET note = 'after'`;
      expect(await databaseSnapshot(db)).not.toEqual(before);
    } finally {
      await db.$executeRaw`DROP TABLE snapshot_probe`;
    }
  });

  it('leaves out what changes with every request, and Prisma’s own bookkeeping', async () => {
    const before = await databaseSnapshot(db);
    expect(before).not.toHaveProperty('_prisma_migrations');
    expect(before).not.toHaveProperty('rate_limit_counters');
    await db.$executeRaw`INSERT INTO rate_limit_counters (key, points, expire) VALUES ('login-address:192.0.2.1', 1, NULL)`;
    expect(await databaseSnapshot(db)).toEqual(before);
  });
});
