import { sqlRowReader, type PrismaClient, type ReadRows } from '@outpost/prisma';

export type { ReadRows };

/**
 * Reads for the hot paths (authentication of users and agents, the per-request batch loaders, the
 * providers page, and the heartbeat's one autocommitted UPDATE … RETURNING): straight through the client's
 * `pg` pool, which costs a fraction of the CPU of `$queryRaw` (Prisma compiles and
 * maps every call, raw ones included; bench/providers-list.mjs). Rows come back as `pg` parses them:
 * timestamptz as Date, int4 as number, uuid, text and enums cast to text as strings, json parsed, as
 * Prisma maps them. A client without a pool of ours (not made by createPrismaClient) goes through Prisma.
 */
export function sqlReader(prisma: PrismaClient): ReadRows {
  return (
    sqlRowReader(prisma) ??
    (<T>(text: string, values: readonly unknown[]) => prisma.$queryRawUnsafe<T[]>(text, ...values))
  );
}
