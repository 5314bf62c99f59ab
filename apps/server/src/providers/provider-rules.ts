import type { Prisma, PrismaClient } from '@outpost/prisma';
import type { ProviderRow } from '../database/rows.js';
import type { Viewer } from '../graphql/context.js';
import { conflict, notFound, preconditionFailed } from '../graphql/errors.js';
import { requireDnsLabel, requireText, requireUrl } from '../graphql/validation.js';
import { recordChange } from '../audit/audit-log.js';
import { lockName } from '../database/locks.js';
import { issueRegistrationToken } from '../agents/agent-credentials.js';
import { recordProviderCreated } from './provider-status.js';

// Changing providers, and the rules that bound each change (docs/architecture.md "Rules"): the built-in
// provider keeps its name and cannot be deleted (rule 1), exactly one default (rule 2), no deletion while
// it holds workspaces (rule 6), and every input checked before anything is written (rule 8). Who may call
// these (rule 7) is decided by the authorization layer (authorization/decisions.ts) before they run. Each
// change is audited and announced in its own transaction (recordChange). Reads are in provider-reads.ts.

export const BUILT_IN_PROVIDER_NAME = 'built-in';

export interface CreateProviderInput {
  name: string;
  displayName?: string | null;
  region: string;
  clusterAddress: string;
  namespace: string;
  accessUrl?: string | null;
  organizationIds?: string[] | null;
}

export interface UpdateProviderInput {
  displayName?: string | null;
  region?: string | null;
  accessUrl?: string | null;
  namespace?: string | null;
}

/** Columns written to the audit log: everything an admin changes, nothing the agent reports. */
const AUDITED_COLUMNS = [
  'name',
  'displayName',
  'region',
  'namespace',
  'accessUrl',
  'clusterAddress',
  'isDefault',
  'cordoned',
  'cordonReason',
] as const;

function auditView(provider: ProviderRow) {
  return Object.fromEntries(AUDITED_COLUMNS.map((column) => [column, provider[column]]));
}

/** Reads the provider and locks its row for the rest of the transaction. */
async function lockProvider(tx: Prisma.TransactionClient, providerId: string): Promise<ProviderRow> {
  const locked = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM workspace_providers WHERE id = ${providerId}::uuid FOR UPDATE`;
  if (locked.length === 0) throw notFound('Workspace provider', providerId);
  return tx.workspaceProvider.findUniqueOrThrow({ where: { id: providerId } });
}

/** Creates the provider in PENDING with its first registration token (returned once, stored hashed). */
export async function createProvider(
  prisma: PrismaClient,
  viewer: Viewer,
  input: CreateProviderInput,
  registrationTokenTtlHours: number,
) {
  const name = requireDnsLabel('name', input.name);
  const data = {
    name,
    displayName: requireText('displayName', input.displayName ?? name, { max: 100 }),
    region: requireText('region', input.region, { max: 100 }),
    clusterAddress: requireUrl('clusterAddress', input.clusterAddress, ['https:', 'http:']),
    namespace: requireDnsLabel('namespace', input.namespace),
    accessUrl: input.accessUrl ? requireUrl('accessUrl', input.accessUrl) : null,
  };
  if (name === BUILT_IN_PROVIDER_NAME) {
    throw conflict(
      `The name "${BUILT_IN_PROVIDER_NAME}" is reserved for the provider of Outpost's own cluster.`,
      {
        field: 'name',
      },
    );
  }
  const organizationIds = [...new Set(input.organizationIds ?? [])];
  return prisma.$transaction(async (tx) => {
    await lockName(tx, 'provider', name);
    if (await tx.workspaceProvider.findUnique({ where: { name }, select: { id: true } })) {
      throw conflict(`A workspace provider named "${name}" already exists: choose another name.`, {
        field: 'name',
      });
    }
    const organizations = await tx.organization.findMany({ where: { id: { in: organizationIds } } });
    const missing = organizationIds.filter((id) => !organizations.some((org) => org.id === id));
    if (missing.length > 0) throw notFound('Organization', missing[0]!);
    const { id } = await tx.workspaceProvider.create({
      data: {
        ...data,
        allowlistEntries: { create: organizationIds.map((organizationId) => ({ organizationId })) },
      },
      select: { id: true },
    });
    const provider = await recordProviderCreated(tx, id, {
      message: 'Registered; waiting for the provider agent to connect.',
      eventMessage: 'Registered.',
    });
    await recordChange(
      tx,
      {
        actorId: viewer.id,
        action: 'workspaceProvider.create',
        targetType: 'WorkspaceProvider',
        targetId: provider.id,
        after: { ...auditView(provider), organizationIds },
      },
      { topic: 'provider', type: 'CREATED', providerId: provider.id },
    );
    const registrationToken = await issueRegistrationToken(tx, provider.id, registrationTokenTtlHours);
    return { provider, registrationToken };
  });
}

export async function updateProvider(
  prisma: PrismaClient,
  viewer: Viewer,
  id: string,
  input: UpdateProviderInput,
) {
  const changes: Prisma.WorkspaceProviderUpdateInput = {};
  if (input.displayName != null)
    changes.displayName = requireText('displayName', input.displayName, { max: 100 });
  if (input.region != null) changes.region = requireText('region', input.region, { max: 100 });
  if (input.namespace != null) changes.namespace = requireDnsLabel('namespace', input.namespace);
  if (input.accessUrl !== undefined) {
    changes.accessUrl =
      input.accessUrl === null || input.accessUrl === '' ? null : requireUrl('accessUrl', input.accessUrl);
  }
  return prisma.$transaction(async (tx) => {
    const before = await lockProvider(tx, id);
    const after = await tx.workspaceProvider.update({ where: { id }, data: changes });
    await recordChange(
      tx,
      {
        actorId: viewer.id,
        action: 'workspaceProvider.update',
        targetType: 'WorkspaceProvider',
        targetId: id,
        before: auditView(before),
        after: auditView(after),
      },
      { topic: 'provider', type: 'UPDATED', providerId: id },
    );
    return after;
  });
}

export async function renameProvider(prisma: PrismaClient, viewer: Viewer, id: string, newName: string) {
  const name = requireDnsLabel('name', newName);
  return prisma.$transaction(async (tx) => {
    const before = await lockProvider(tx, id);
    await lockName(tx, 'provider', name);
    if (before.kind === 'BUILT_IN') {
      throw preconditionFailed(
        `The "${BUILT_IN_PROVIDER_NAME}" provider keeps its name: it is how Outpost finds its own cluster.`,
        {
          rule: 'RULE_1_BUILT_IN_PROVIDER',
        },
      );
    }
    if (
      name === BUILT_IN_PROVIDER_NAME ||
      (name !== before.name && (await tx.workspaceProvider.findUnique({ where: { name } })))
    ) {
      throw conflict(`A workspace provider named "${name}" already exists: choose another name.`, {
        field: 'name',
      });
    }
    const after = await tx.workspaceProvider.update({ where: { id }, data: { name } });
    await recordChange(
      tx,
      {
        actorId: viewer.id,
        action: 'workspaceProvider.rename',
        targetType: 'WorkspaceProvider',
        targetId: id,
        before: { name: before.name },
        after: { name },
      },
      { topic: 'provider', type: 'RENAMED', providerId: id },
    );
    return after;
  });
}

export async function deleteProvider(prisma: PrismaClient, viewer: Viewer, id: string): Promise<ProviderRow> {
  return prisma.$transaction(async (tx) => {
    const provider = await lockProvider(tx, id);
    if (provider.kind === 'BUILT_IN') {
      throw preconditionFailed(
        `The "${provider.name}" provider cannot be deleted: it is the cluster Outpost runs in.`,
        {
          rule: 'RULE_1_BUILT_IN_PROVIDER',
        },
      );
    }
    if (provider.isDefault) {
      throw preconditionFailed(
        `"${provider.name}" is the default provider and cannot be deleted: make another provider the default first (setDefaultWorkspaceProvider).`,
        { rule: 'RULE_2_DEFAULT_PROVIDER' },
      );
    }
    const remaining = await tx.workspace.findMany({
      where: { providerId: id, desiredState: { not: 'DELETED' } },
      select: { id: true, name: true, organization: { select: { slug: true } } },
      orderBy: { name: 'asc' },
    });
    if (remaining.length > 0) {
      const list = remaining.map((ws) => `${ws.organization.slug}/${ws.name}`);
      throw preconditionFailed(
        `"${provider.name}" still holds ${remaining.length} workspace(s): ${list.join(', ')}. Delete them before deleting the provider.`,
        {
          rule: 'RULE_6_PROVIDER_HAS_WORKSPACES',
          workspaces: remaining.map((ws) => ({ id: ws.id, name: ws.name })),
        },
      );
    }
    const organizationIds = (
      await tx.providerAllowlistEntry.findMany({
        where: { providerId: id },
        select: { organizationId: true },
      })
    ).map((entry) => entry.organizationId);
    // Workspaces already marked deleted are only history once their provider is gone.
    await tx.workspace.deleteMany({ where: { providerId: id, desiredState: 'DELETED' } });
    await tx.workspaceProvider.delete({ where: { id } });
    await recordChange(
      tx,
      {
        actorId: viewer.id,
        action: 'workspaceProvider.delete',
        targetType: 'WorkspaceProvider',
        targetId: id,
        before: auditView(provider),
      },
      { topic: 'provider', type: 'DELETED', providerId: id, organizationIds },
    );
    return provider;
  });
}

/** Rule 2: one statement flips the flag on every affected row, so exactly one default exists at every commit. */
export async function setDefaultProvider(prisma: PrismaClient, viewer: Viewer, id: string) {
  return prisma.$transaction(async (tx) => {
    // Concurrent calls must take turns: each UPDATE below only sees the default committed before it
    // started, so two overlapping calls would each keep their own target (two defaults) or deadlock.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('outpost.default-provider'))`;
    const target = await lockProvider(tx, id);
    const previous = await tx.workspaceProvider.findMany({ where: { isDefault: true, id: { not: id } } });
    await tx.$executeRaw`
      UPDATE workspace_providers SET is_default = (id = ${id}::uuid), updated_at = now()
      WHERE is_default OR id = ${id}::uuid`;
    await recordChange(
      tx,
      {
        actorId: viewer.id,
        action: 'workspaceProvider.setDefault',
        targetType: 'WorkspaceProvider',
        targetId: id,
        before: { defaultProvider: previous.map((p) => p.name) },
        after: { defaultProvider: target.name },
      },
      // Every provider whose isDefault flipped: the new default, then each one it replaced.
      { topic: 'provider', type: 'DEFAULT_CHANGED', providerId: target.id },
      ...previous.map(
        (replaced) => ({ topic: 'provider', type: 'DEFAULT_CHANGED', providerId: replaced.id }) as const,
      ),
    );
    return tx.workspaceProvider.findUniqueOrThrow({ where: { id } });
  });
}

export async function setCordon(prisma: PrismaClient, viewer: Viewer, id: string, reason: string | null) {
  const cordonReason = reason === null ? null : requireText('reason', reason, { max: 500 });
  return prisma.$transaction(async (tx) => {
    const before = await lockProvider(tx, id);
    const after = await tx.workspaceProvider.update({
      where: { id },
      data: { cordoned: cordonReason !== null, cordonReason },
    });
    await recordChange(
      tx,
      {
        actorId: viewer.id,
        action: cordonReason === null ? 'workspaceProvider.uncordon' : 'workspaceProvider.cordon',
        targetType: 'WorkspaceProvider',
        targetId: id,
        before: { cordoned: before.cordoned, cordonReason: before.cordonReason },
        after: { cordoned: after.cordoned, cordonReason: after.cordonReason },
      },
      { topic: 'provider', type: 'CORDON_CHANGED', providerId: id },
    );
    return after;
  });
}
