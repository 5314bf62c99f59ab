import type { Prisma } from '@outpost/prisma';

/**
 * Makes concurrent "is this name free? then insert it" transactions take turns. Without it two requests
 * for the same name both see it free: one hits the unique index (an internal error instead of CONFLICT)
 * or, where no unique index exists (workspace names), both succeed. The lock lasts until commit, and
 * under READ COMMITTED the check after it sees the row the previous holder committed.
 */
export async function lockName(tx: Prisma.TransactionClient, scope: string, name: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`${scope}:${name}`}))`;
}
