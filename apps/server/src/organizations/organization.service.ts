import { sql, type SqlBool } from 'kysely';
import type { OrganizationRole, Prisma, PrismaClient } from '@outpost/prisma';
import { ORGANIZATION_COLUMNS, selectRow, type OrganizationRow } from '../database/rows.js';
import { queryBuilder } from '../database/sql.js';
import type { Viewer } from '../graphql/context.js';
import { conflict, notFound, preconditionFailed } from '../graphql/errors.js';
import { requireDnsLabel, requireEmail, requireText } from '../graphql/validation.js';
import { organizationVisibility } from '../visibility/organization.js';
import { recordAudit, recordChange } from '../audit/audit-log.js';
import { lockName } from '../database/locks.js';
import { BUILT_IN_PROVIDER_NAME } from '../providers/provider-rules.js';

/**
 * One organization the viewer may see (visibility/organization.ts), by id or slug; NOT_FOUND, the same
 * for hidden and missing, otherwise. Runs in the caller's Prisma transaction when given one.
 */
export async function findVisibleOrganization(
  prisma: PrismaClient | Prisma.TransactionClient,
  viewer: Viewer,
  by: { id?: string | null; slug?: string | null },
): Promise<OrganizationRow> {
  const compiled = queryBuilder
    .selectFrom('organizations')
    .select(selectRow('organizations', ORGANIZATION_COLUMNS))
    .where(by.id ? sql<SqlBool>`id = ${by.id}::uuid` : sql<SqlBool>`slug = ${by.slug ?? ''}`)
    .where(organizationVisibility.where(viewer))
    .compile();
  const [organization] = await prisma.$queryRawUnsafe<OrganizationRow[]>(
    compiled.sql,
    ...compiled.parameters,
  );
  if (!organization) throw notFound('Organization', by.id ?? by.slug ?? '');
  return organization;
}

/** Rule 3: a new organization may use the built-in provider from the start. */
export async function createOrganization(
  prisma: PrismaClient,
  viewer: Viewer,
  input: { name: string; slug: string },
) {
  const name = requireText('name', input.name, { max: 100 });
  const slug = requireDnsLabel('slug', input.slug);
  return prisma.$transaction(async (tx) => {
    await lockName(tx, 'organization', slug);
    if (await tx.organization.findUnique({ where: { slug } })) {
      throw conflict(`An organization with slug "${slug}" already exists: choose another slug.`, {
        field: 'slug',
      });
    }
    const builtIn = await tx.workspaceProvider.findUniqueOrThrow({ where: { name: BUILT_IN_PROVIDER_NAME } });
    const organization = await tx.organization.create({
      data: { name, slug, allowlistEntries: { create: { providerId: builtIn.id } } },
    });
    await recordChange(
      tx,
      {
        actorId: viewer.id,
        action: 'organization.create',
        targetType: 'Organization',
        targetId: organization.id,
        after: { name, slug, allowlistedOn: [BUILT_IN_PROVIDER_NAME] },
      },
      {
        topic: 'provider',
        type: 'ALLOWLIST_CHANGED',
        providerId: builtIn.id,
        organizationIds: [organization.id],
      },
    );
    return organization;
  });
}

export async function addMember(
  prisma: PrismaClient,
  viewer: Viewer,
  input: { organizationId: string; email: string; role: OrganizationRole },
) {
  const email = requireEmail('email', input.email);
  return prisma.$transaction(async (tx) => {
    // Only its admins and site staff get here (organizationAdmin, authorization/decisions.ts).
    const organization = await findVisibleOrganization(tx, viewer, { id: input.organizationId });
    const user = await tx.user.findUnique({ where: { email } });
    if (!user) throw notFound('User with email', email);
    const existing = await tx.membership.findUnique({
      where: { userId_organizationId: { userId: user.id, organizationId: organization.id } },
    });
    const membership = await tx.membership.upsert({
      where: { userId_organizationId: { userId: user.id, organizationId: organization.id } },
      create: { userId: user.id, organizationId: organization.id, role: input.role },
      update: { role: input.role },
    });
    await recordAudit(tx, {
      actorId: viewer.id,
      action: 'organization.addMember',
      targetType: 'Organization',
      targetId: organization.id,
      before: existing ? { email, role: existing.role } : undefined,
      after: { email, role: membership.role },
    });
    return {
      organizationId: organization.id,
      userId: user.id,
      email: user.email,
      name: user.name,
      role: membership.role,
    };
  });
}

export async function removeMember(
  prisma: PrismaClient,
  viewer: Viewer,
  input: { organizationId: string; userId: string },
) {
  return prisma.$transaction(async (tx) => {
    const organization = await findVisibleOrganization(tx, viewer, { id: input.organizationId });
    const membership = await tx.membership.findUnique({
      where: { userId_organizationId: { userId: input.userId, organizationId: organization.id } },
      include: { user: true },
    });
    if (!membership)
      throw notFound(`Member of organization "${organization.slug}" with user id`, input.userId);
    const ownedWorkspaces = await tx.workspace.count({
      where: { ownerId: input.userId, organizationId: organization.id, desiredState: { not: 'DELETED' } },
    });
    if (ownedWorkspaces > 0) {
      throw preconditionFailed(
        `${membership.user.email} still owns ${ownedWorkspaces} workspace(s) in "${organization.slug}": delete them first.`,
        { rule: 'MEMBER_OWNS_WORKSPACES' },
      );
    }
    await tx.membership.delete({
      where: { userId_organizationId: { userId: input.userId, organizationId: organization.id } },
    });
    await recordAudit(tx, {
      actorId: viewer.id,
      action: 'organization.removeMember',
      targetType: 'Organization',
      targetId: organization.id,
      before: { email: membership.user.email, role: membership.role },
    });
    return organization;
  });
}
