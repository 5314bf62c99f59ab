import type { Db, PrismaClient } from '@outpost/prisma';
import type { Viewer } from '../graphql/context.js';
import { conflict, notFound, preconditionFailed } from '../graphql/errors.js';
import { requireDnsLabel } from '../graphql/validation.js';
import { organizationVisibility } from '../visibility/organization.js';
import { workspaceVisibility } from '../visibility/workspace.js';
import { selectRow, WORKSPACE_COLUMNS, type WorkspaceRow } from '../database/rows.js';
import { recordChange } from '../audit/audit-log.js';
import { lockName } from '../database/locks.js';
import { lockAllowlistEntryForUse } from '../allowlist/allowlist.service.js';
import { usableProvidersFor } from '../providers/provider-reads.js';

export interface CreateWorkspaceInput {
  organizationId: string;
  /** Omitted: the default provider. */
  providerId?: string | null;
  name: string;
}

export interface WorkspaceFilter {
  organizationId?: string | null;
  providerId?: string | null;
  ownerId?: string | null;
  includeDeleted?: boolean | null;
}

/** The workspaces the viewer may see (visibility/workspace.ts) that match the filter, newest first. */
export async function listVisibleWorkspaces(
  db: Db,
  viewer: Viewer,
  filter: WorkspaceFilter,
  take: number,
): Promise<WorkspaceRow[]> {
  let query = db.selectFrom('workspaces').where(workspaceVisibility.where(viewer));
  if (filter.organizationId) query = query.where('organization_id', '=', filter.organizationId);
  if (filter.providerId) query = query.where('provider_id', '=', filter.providerId);
  if (filter.ownerId) query = query.where('owner_id', '=', filter.ownerId);
  if (!filter.includeDeleted) query = query.where('desired_state', '<>', 'DELETED');
  return (await query
    .select(selectRow('workspaces', WORKSPACE_COLUMNS))
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(take)
    .execute()) as WorkspaceRow[];
}

/**
 * Rule 5: a member of the organization (organizationMember, authorization/decisions.ts, decided that),
 * a provider that allowlists it, READY and not cordoned.
 * Each refusal names the failed rule and, where there is one, a provider the organization may use instead.
 */
export async function createWorkspace(prisma: PrismaClient, viewer: Viewer, input: CreateWorkspaceInput) {
  const name = requireDnsLabel('name', input.name);
  return prisma.$transaction(async (tx) => {
    const organization = await tx.organization.findUnique({ where: { id: input.organizationId } });
    if (!organization || !organizationVisibility.allows(viewer, organization)) {
      throw notFound('Organization', input.organizationId);
    }

    const provider = input.providerId
      ? await tx.workspaceProvider.findUnique({ where: { id: input.providerId } })
      : await tx.workspaceProvider.findFirst({ where: { isDefault: true } });
    if (!provider) throw notFound('Workspace provider', input.providerId ?? '(default)');

    const refuse = async (rule: string, reason: string): Promise<never> => {
      const [alternative] = await usableProvidersFor(tx, organization.id, provider.id);
      const suggestion = alternative
        ? ` Organization "${organization.slug}" may use "${alternative.name}" instead.`
        : ` Organization "${organization.slug}" has no other provider it may use right now: ask a site admin.`;
      throw preconditionFailed(reason + suggestion, {
        rule,
        alternativeProvider: alternative ? { id: alternative.id, name: alternative.name } : null,
      });
    };

    if (!(await lockAllowlistEntryForUse(tx, provider.id, organization.id))) {
      await refuse(
        'RULE_5_NOT_ALLOWLISTED',
        `Provider "${provider.name}" does not allowlist organization "${organization.slug}".`,
      );
    }
    if (provider.status !== 'READY') {
      await refuse(
        'RULE_5_PROVIDER_NOT_READY',
        `Provider "${provider.name}" is ${provider.status}, not READY.`,
      );
    }
    if (provider.cordoned) {
      await refuse(
        'RULE_5_PROVIDER_CORDONED',
        `Provider "${provider.name}" is cordoned (${provider.cordonReason ?? 'no reason given'}) and accepts no new workspaces.`,
      );
    }
    await lockName(tx, 'workspace', `${organization.id}/${name}`);
    const clash = await tx.workspace.findFirst({
      where: { organizationId: organization.id, name, desiredState: { not: 'DELETED' } },
    });
    if (clash) {
      throw conflict(`Organization "${organization.slug}" already has a workspace named "${name}".`, {
        field: 'name',
      });
    }
    const workspace = await tx.workspace.create({
      data: { name, ownerId: viewer.id, organizationId: organization.id, providerId: provider.id },
    });
    await recordChange(
      tx,
      {
        actorId: viewer.id,
        action: 'workspace.create',
        targetType: 'Workspace',
        targetId: workspace.id,
        after: { name, organization: organization.slug, provider: provider.name },
      },
      {
        topic: 'workspace',
        type: 'CREATED',
        workspaceId: workspace.id,
        organizationId: organization.id,
        providerId: provider.id,
      },
    );
    return workspace;
  });
}

/**
 * Marks the workspace DELETED; the provider's agent removes its Kubernetes objects. Who may is
 * workspaceManager's decision (authorization/decisions.ts).
 */
export async function deleteWorkspace(prisma: PrismaClient, viewer: Viewer, id: string) {
  return prisma.$transaction(async (tx) => {
    const workspace = await tx.workspace.findUnique({ where: { id } });
    if (
      !workspace ||
      workspace.desiredState === 'DELETED' ||
      !workspaceVisibility.allows(viewer, workspace)
    ) {
      throw notFound('Workspace', id);
    }
    const deleted = await tx.workspace.update({ where: { id }, data: { desiredState: 'DELETED' } });
    await recordChange(
      tx,
      {
        actorId: viewer.id,
        action: 'workspace.delete',
        targetType: 'Workspace',
        targetId: id,
        before: { desiredState: workspace.desiredState },
        after: { desiredState: 'DELETED' },
      },
      {
        topic: 'workspace',
        type: 'DELETED',
        workspaceId: id,
        organizationId: workspace.organizationId,
        providerId: workspace.providerId,
      },
    );
    return deleted;
  });
}
