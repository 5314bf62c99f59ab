import type { Prisma, PrismaClient } from '@outpost/prisma';
import type { Viewer } from '../graphql/context.js';
import { conflict, notFound, preconditionFailed } from '../graphql/errors.js';
import { recordChange } from '../audit/audit-log.js';

/**
 * Which organizations may use which provider (docs/architecture.md "Rules", rules 3 and 4).
 *
 * Rule 4's race: removing an organization from an allowlist must not interleave with creating a
 * workspace for it. Removal takes the allowlist row FOR UPDATE; workspace creation takes the same row
 * FOR SHARE (lockAllowlistEntryForUse). Whichever comes second waits, then re-reads: a creation after a
 * removal finds no row and is refused; a removal after a creation counts the new workspace and is refused.
 */

export async function lockAllowlistEntryForUse(
  tx: Prisma.TransactionClient,
  providerId: string,
  organizationId: string,
): Promise<boolean> {
  const rows = await tx.$queryRaw<unknown[]>`
    SELECT 1 FROM provider_allowlist_entries
    WHERE provider_id = ${providerId}::uuid AND organization_id = ${organizationId}::uuid FOR SHARE`;
  return rows.length > 0;
}

async function loadPair(tx: Prisma.TransactionClient, providerId: string, organizationId: string) {
  const [provider, organization] = await Promise.all([
    tx.workspaceProvider.findUnique({ where: { id: providerId } }),
    tx.organization.findUnique({ where: { id: organizationId } }),
  ]);
  if (!provider) throw notFound('Workspace provider', providerId);
  if (!organization) throw notFound('Organization', organizationId);
  return { provider, organization };
}

async function allowlistedOrganizationIds(
  tx: Prisma.TransactionClient,
  providerId: string,
): Promise<string[]> {
  const entries = await tx.providerAllowlistEntry.findMany({
    where: { providerId },
    select: { organizationId: true },
  });
  return entries.map((entry) => entry.organizationId);
}

export async function addToAllowlist(
  prisma: PrismaClient,
  viewer: Viewer,
  providerId: string,
  organizationId: string,
) {
  return prisma.$transaction(async (tx) => {
    const { provider, organization } = await loadPair(tx, providerId, organizationId);
    const inserted = await tx.$executeRaw`
      INSERT INTO provider_allowlist_entries (provider_id, organization_id) VALUES (${providerId}::uuid, ${organizationId}::uuid)
      ON CONFLICT DO NOTHING`;
    if (inserted === 0) {
      throw conflict(
        `Organization "${organization.slug}" is already on the allowlist of "${provider.name}".`,
      );
    }
    await recordChange(
      tx,
      {
        actorId: viewer.id,
        action: 'workspaceProvider.allowlist.add',
        targetType: 'WorkspaceProvider',
        targetId: providerId,
        after: { organization: organization.slug },
      },
      {
        topic: 'provider',
        type: 'ALLOWLIST_CHANGED',
        providerId,
        organizationIds: await allowlistedOrganizationIds(tx, providerId),
      },
    );
    return provider;
  });
}

export async function removeFromAllowlist(
  prisma: PrismaClient,
  viewer: Viewer,
  providerId: string,
  organizationId: string,
) {
  return prisma.$transaction(async (tx) => {
    const { provider, organization } = await loadPair(tx, providerId, organizationId);
    const locked = await tx.$queryRaw<unknown[]>`
      SELECT 1 FROM provider_allowlist_entries
      WHERE provider_id = ${providerId}::uuid AND organization_id = ${organizationId}::uuid FOR UPDATE`;
    if (locked.length === 0) {
      throw notFound(`Allowlist entry for organization "${organization.slug}" on provider`, provider.name);
    }
    const workspaces = await tx.workspace.findMany({
      where: { providerId, organizationId, desiredState: { not: 'DELETED' } },
      select: { id: true, name: true },
      orderBy: { name: 'asc' },
    });
    if (workspaces.length > 0) {
      throw preconditionFailed(
        `Organization "${organization.slug}" still has ${workspaces.length} workspace(s) in "${provider.name}": ` +
          `${workspaces.map((ws) => ws.name).join(', ')}. Delete or move them before removing the organization from the allowlist.`,
        { rule: 'RULE_4_ALLOWLIST_IN_USE', workspaces },
      );
    }
    const organizationIdsBefore = await allowlistedOrganizationIds(tx, providerId);
    await tx.providerAllowlistEntry.delete({
      where: { providerId_organizationId: { providerId, organizationId } },
    });
    await recordChange(
      tx,
      {
        actorId: viewer.id,
        action: 'workspaceProvider.allowlist.remove',
        targetType: 'WorkspaceProvider',
        targetId: providerId,
        before: { organization: organization.slug },
      },
      { topic: 'provider', type: 'ALLOWLIST_CHANGED', providerId, organizationIds: organizationIdsBefore },
    );
    return provider;
  });
}
