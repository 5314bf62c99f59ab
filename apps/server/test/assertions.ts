import { expect } from 'vitest';
import type { PrismaClient } from '@outpost/prisma';
import type { GraphQLResponse } from '@outpost/testing';

export type GraphQLError = NonNullable<GraphQLResponse['errors']>[number];

/**
 * Asserts that a response failed with exactly one error carrying `code` (and the given extensions), and
 * returns that error for further checks.
 */
export function expectGraphQLError(
  response: GraphQLResponse<unknown>,
  code: string,
  extensions: Record<string, unknown> = {},
): GraphQLError {
  expect(response.errors, `expected ${code}, got ${JSON.stringify(response)}`).toHaveLength(1);
  const [error] = response.errors!;
  expect(error!.extensions).toMatchObject({ code, ...extensions });
  // A message is for a human: it must say something, not only repeat the code.
  expect(error!.message.length).toBeGreaterThan(20);
  return error!;
}

/**
 * Tables the fingerprint does not compare row by row, each with the reason. Every other table of the
 * schema is compared by content, found in the catalog at each call, so a table added by a migration is
 * covered without anyone remembering to list it.
 */
const NOT_BY_CONTENT: Record<string, 'skip' | 'newest id'> = {
  // Prisma's record of applied migrations: only `migrate deploy` writes it.
  _prisma_migrations: 'skip',
  // Request budgets (limits/rate-limits.ts): every counted request spends one, refused or not; that is
  // the point of a rate limit, not a change a refused request made.
  rate_limit_counters: 'skip',
  // The server deletes entries older than ten minutes on its own clock (events/notifications.ts); an event
  // a request published is a new entry, so a new newest id.
  event_journal: 'newest id',
};
/** Advisory stamps that authenticating may refresh (at most once a minute) before a request is refused. */
const ADVISORY_COLUMN = 'last_used_at';

/**
 * A fingerprint of the whole database: for every table of the schema, its row count and a hash of its
 * rows (without ADVISORY_COLUMN), except as NOT_BY_CONTENT says. Two equal snapshots mean a request
 * inserted, updated and deleted nothing.
 */
export async function databaseSnapshot(db: PrismaClient): Promise<Record<string, string>> {
  const tables = await db.$queryRaw<Array<{ name: string }>>`
    SELECT table_name::text AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`;
  const parts = tables.flatMap(({ name }) => {
    const table = `"${name.replaceAll('"', '""')}"`;
    const how = NOT_BY_CONTENT[name];
    if (how === 'skip') return [];
    if (how === 'newest id')
      return [`SELECT '${name}' AS name, coalesce(max(id)::text, '') AS fingerprint FROM ${table}`];
    return [
      `SELECT '${name}' AS name,
          count(*)::text || ':' || coalesce(md5(string_agg((to_jsonb(t) - '${ADVISORY_COLUMN}')::text, '|'
            ORDER BY (to_jsonb(t) - '${ADVISORY_COLUMN}')::text)), '') AS fingerprint
        FROM ${table} t`,
    ];
  });
  const rows = await db.$queryRawUnsafe<Array<{ name: string; fingerprint: string }>>(
    parts.join(' UNION ALL '),
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.fingerprint]));
}

/** Runs `request` and asserts it left the database exactly as it found it. */
export async function expectNoChange<T>(db: PrismaClient, request: () => Promise<T>): Promise<T> {
  const before = await databaseSnapshot(db);
  const result = await request();
  expect(await databaseSnapshot(db)).toEqual(before);
  return result;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A well-formed id that names nothing. */
export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
