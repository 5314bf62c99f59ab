import { sqlPool, type PrismaClient } from '@outpost/prisma';

/** Runs one parameterized statement (`$1`, `$2`, …) and returns its rows. */
export type ReadRows = <T>(text: string, values: readonly unknown[]) => Promise<T[]>;

/**
 * Reads for the hot paths (the per-request batch loaders, the providers page): straight through the
 * client's `pg` pool, which costs a fraction of the CPU of `$queryRaw` (Prisma compiles and maps every
 * call, raw ones included; bench/providers-list.mjs). Rows come back as `pg` parses them: timestamptz as
 * Date, int4 as number, uuid, text and enums cast to text as strings, jsonb parsed, as Prisma maps them.
 * A client without a pool of ours (not made by createPrismaClient) goes through Prisma.
 */
export function sqlReader(prisma: PrismaClient): ReadRows {
  const pool = sqlPool(prisma);
  if (pool) {
    return async <T>(text: string, values: readonly unknown[]) =>
      (await pool.query(text, values as unknown[])).rows as T[];
  }
  return <T>(text: string, values: readonly unknown[]) => prisma.$queryRawUnsafe<T[]>(text, ...values);
}
