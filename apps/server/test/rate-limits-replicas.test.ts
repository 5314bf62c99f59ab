import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPostgres, type LocalPostgres } from '@outpost/local-postgres';
import { migrateDeploy } from '@outpost/prisma';
import { RateLimits } from '../src/limits/rate-limits.js';
import { startServerProcess, type ServerProcess } from './helpers.js';

const LOGIN_LIMIT = 4;
const LOGIN = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { email } } }`;

/** The error code of one login attempt, sent to `server` as the client at `address`. */
async function attemptLogin(server: ServerProcess, address: string, email: string): Promise<string> {
  const response = await fetch(server.client.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
    body: JSON.stringify({ query: LOGIN, variables: { e: email, p: 'not-the-password' } }),
  });
  const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
  return body.errors?.[0]?.extensions?.code ?? `no error (HTTP ${response.status})`;
}

/**
 * Two server processes on one PostgreSQL, as behind a load balancer: the rate limits are one budget
 * (counted in the database), not one per replica. The PostgreSQL is this file's own, so that it can
 * be stopped: then each replica keeps limiting on its own (the in-memory insurance).
 */
describe('rate limits shared by two server replicas', () => {
  let pgDir: string;
  let postgres: LocalPostgres;
  let databaseUrl: string;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    pgDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-rate-limits-pg-'));
    postgres = await startLocalPostgres({ dataDir: path.join(pgDir, 'data'), ephemeral: true });
    await postgres.createDatabase('outpost');
    databaseUrl = postgres.databaseUrl('outpost');
    await migrateDeploy(databaseUrl);
    const env = {
      DATABASE_URL: databaseUrl,
      // The client address comes from X-Forwarded-For, so one test process can be many clients.
      OUTPOST_TRUST_PROXY: 'true',
      OUTPOST_RATE_LIMIT_LOGIN: String(LOGIN_LIMIT),
      // Far longer than the test: no window ends half-way on a slow machine.
      OUTPOST_RATE_LIMIT_WINDOW_SECONDS: '3600',
    };
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await postgres?.stop();
    if (pgDir) rmSync(pgDir, { recursive: true, force: true });
  });

  it('refuses a client at the limit when its logins are spread over both replicas, not at twice it', async () => {
    const address = '203.0.113.7';
    for (let attempt = 1; attempt <= LOGIN_LIMIT; attempt++) {
      const replica = attempt % 2 === 0 ? a : b;
      expect(await attemptLogin(replica, address, `nobody-${attempt}@example.com`)).toBe('UNAUTHENTICATED');
    }
    // Each replica has seen only half the budget; together they have seen all of it.
    expect(await attemptLogin(a, address, 'nobody-a@example.com')).toBe('RATE_LIMITED');
    expect(await attemptLogin(b, address, 'nobody-b@example.com')).toBe('RATE_LIMITED');
    // Another client still has its whole budget.
    expect(await attemptLogin(a, '203.0.113.8', 'nobody-c@example.com')).toBe('UNAUTHENTICATED');
  });

  it('refuses guesses at one account from many addresses at the limit across both replicas', async () => {
    const email = 'victim@example.com';
    for (let attempt = 1; attempt <= LOGIN_LIMIT; attempt++) {
      const replica = attempt % 2 === 0 ? a : b;
      expect(await attemptLogin(replica, `198.51.100.${attempt}`, email)).toBe('UNAUTHENTICATED');
    }
    expect(await attemptLogin(a, '198.51.100.50', 'VICTIM@example.com')).toBe('RATE_LIMITED');
    expect(await attemptLogin(b, '198.51.100.51', email)).toBe('RATE_LIMITED');
  });

  it('keeps the counters in rate_limit_counters, with no email in the clear', async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ key: string; points: number }>(
        'SELECT key, points FROM rate_limit_counters ORDER BY key',
      );
      expect(rows).toContainEqual({ key: 'login-address:203.0.113.7', points: LOGIN_LIMIT + 2 });
      expect(rows.some((row) => row.key.startsWith('login-email:'))).toBe(true);
      expect(rows.filter((row) => row.key.includes('@'))).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('deletes counters an hour after their window ended, and keeps the others', async () => {
    const pool = new pg.Pool({ connectionString: databaseUrl });
    const limits = new RateLimits({ windowSeconds: 60, login: 1, registration: 1, mutations: 1 }, pool);
    try {
      const now = Date.now();
      await pool.query(
        `INSERT INTO rate_limit_counters (key, points, expire) VALUES ($1, 1, $2), ($3, 1, $4)`,
        ['sweep:long-gone', now - 2 * 60 * 60_000, 'sweep:just-ended', now - 60_000],
      );
      await limits.sweepExpiredCounters(now);
      const { rows } = await pool.query<{ key: string }>(
        `SELECT key FROM rate_limit_counters WHERE key LIKE 'sweep:%' ORDER BY key`,
      );
      expect(rows.map((row) => row.key)).toEqual(['sweep:just-ended']);
      // Counters of open windows (the logins above) are untouched.
      const live = await pool.query(
        `SELECT 1 FROM rate_limit_counters WHERE key = 'login-address:203.0.113.7'`,
      );
      expect(live.rowCount).toBe(1);
    } finally {
      limits.stop();
      await pool.end();
    }
  });

  it("has the table layout rate-limiter-flexible's PostgreSQL store expects", async () => {
    // The store inserts `VALUES (key, points, expire)` by position and never creates the table itself
    // (tableCreated: true): the migration's table must match the one the library would have created.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const store = new RateLimiterPostgres({
        storeClient: client,
        storeType: 'client',
        schemaName: 'library_layout',
        tableName: 'rate_limit_counters',
        tableCreated: true,
        clearExpiredByTimeout: false,
        points: 1,
        duration: 1,
      }) as unknown as { _getCreateTableStmt(): string };
      await client.query('CREATE SCHEMA library_layout');
      await client.query(store._getCreateTableStmt());
      const columns = async (schema: string) =>
        (
          await client.query(
            `SELECT column_name, ordinal_position, data_type, character_maximum_length, is_nullable, column_default
               FROM information_schema.columns
              WHERE table_schema = $1 AND table_name = 'rate_limit_counters' ORDER BY ordinal_position`,
            [schema],
          )
        ).rows;
      const ours = await columns('public');
      expect(ours.map((column: { column_name: string }) => column.column_name)).toEqual([
        'key',
        'points',
        'expire',
      ]);
      expect(ours).toEqual(await columns('library_layout'));
    } finally {
      await client.query('DROP SCHEMA IF EXISTS library_layout CASCADE');
      await client.end();
    }
  });

  it('still limits each replica on its own while PostgreSQL is down', async () => {
    await postgres.stop();
    const address = '192.0.2.99';
    // The login itself cannot be checked without the database; the limit is checked before it.
    for (let attempt = 1; attempt <= LOGIN_LIMIT; attempt++) {
      expect(await attemptLogin(a, address, `outage-${attempt}@example.com`)).toBe('SERVICE_UNAVAILABLE');
    }
    expect(await attemptLogin(a, address, 'outage-last@example.com')).toBe('RATE_LIMITED');
  });
});
