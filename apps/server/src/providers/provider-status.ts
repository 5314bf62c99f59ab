import type { Prisma, ProviderStatus } from '@outpost/prisma';
import { notify } from '../events/notifications.js';

/**
 * The one place a provider's status changes (DESIGN.md "Status of a provider"). The UPDATE is
 * conditional on the current status, so when two replicas race to make the same transition only one
 * row changes, one ProviderStatusEvent is written and one notification is published. A transition to
 * the status it already has changes nothing and publishes nothing.
 */
export async function transitionProviderStatus(
  tx: Prisma.TransactionClient,
  providerId: string,
  to: ProviderStatus,
  message: string,
): Promise<{ changed: boolean }> {
  const changed = await tx.$queryRaw<Array<{ from: ProviderStatus }>>`
    UPDATE workspace_providers p SET status = ${to}::"ProviderStatus", status_message = ${message},
           status_changed_at = now(), updated_at = now()
    FROM (SELECT id, status FROM workspace_providers WHERE id = ${providerId}::uuid FOR UPDATE) previous
    WHERE p.id = previous.id AND previous.status <> ${to}::"ProviderStatus"
    RETURNING previous.status::text AS "from"`;
  const row = changed[0];
  if (!row) return { changed: false };
  const event = await tx.providerStatusEvent.create({
    data: { providerId, fromStatus: row.from, toStatus: to, message },
  });
  await notify(tx, { topic: 'provider', type: 'STATUS_CHANGED', providerId, statusEventId: event.id });
  return { changed: true };
}
