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

// Tables whose content, not only row count, must survive a refused request unchanged. API tokens and
// sessions are left to the row count, and agent credentials are compared without their last_used_at:
// authenticating a request may refresh that advisory stamp (at most once a minute) before it is refused.
const CONTENT_TABLES = [
  'users',
  'organizations',
  'memberships',
  'workspace_providers',
  'provider_allowlist_entries',
  'provider_status_events',
  'agent_credentials',
  'workspaces',
  'audit_events',
] as const;
const COUNTED_TABLES = ['api_tokens', 'sessions'] as const;

/**
 * A fingerprint of the whole database: row counts of every table and a hash of the rows of the domain
 * tables. Two equal snapshots mean a request inserted, updated and deleted nothing.
 */
export async function databaseSnapshot(db: PrismaClient): Promise<Record<string, string>> {
  const parts = [
    ...CONTENT_TABLES.map(
      (table) => `SELECT '${table}' AS name,
          count(*)::text || ':' || coalesce(md5(string_agg((to_jsonb(t) - 'last_used_at')::text, '|'
            ORDER BY (to_jsonb(t) - 'last_used_at')::text)), '') AS fingerprint
        FROM ${table} t`,
    ),
    ...COUNTED_TABLES.map((table) => `SELECT '${table}', count(*)::text FROM ${table}`),
  ];
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
