import type { Prisma } from '@outpost/prisma';
import { notify, type OutpostNotification } from '../events/notifications.js';

export interface AuditRecord {
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  before?: unknown;
  after?: unknown;
}

/** Written inside the mutation's own transaction, so a change and its audit record land together or not at all. */
export async function recordAudit(tx: Prisma.TransactionClient, record: AuditRecord): Promise<void> {
  await tx.auditEvent.create({
    data: {
      actorId: record.actorId,
      action: record.action,
      targetType: record.targetType,
      targetId: record.targetId,
      before: toJson(record.before),
      after: toJson(record.after),
    },
  });
}

/**
 * The tail of every mutation that changes what subscribers can see: its audit record, then the events
 * that announce the change, in the caller's transaction. Both land on commit or neither does, so no
 * subscriber hears of a change that has no audit record, and no audited change goes unannounced.
 */
export async function recordChange(
  tx: Prisma.TransactionClient,
  record: AuditRecord,
  ...notifications: [OutpostNotification, ...OutpostNotification[]]
): Promise<void> {
  await recordAudit(tx, record);
  for (const notification of notifications) await notify(tx, notification);
}

function toJson(value: unknown): Prisma.InputJsonValue | undefined {
  if (value === undefined || value === null) return undefined;
  // Dates and other class instances become plain JSON; secrets never reach this function.
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
}
