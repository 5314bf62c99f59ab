import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { OrganizationRole } from '@outpost/prisma';
import type { OutpostContext } from '../graphql/context.js';
import { badInput } from '../graphql/errors.js';
import { requireSiteStaff, requireViewer } from '../auth/policy.js';
import { providerVisibility } from '../visibility/provider.js';
import { organizationVisibility } from '../visibility/organization.js';
import { ORGANIZATION_COLUMNS, selectRow } from '../database/rows.js';
import { WorkspaceProvider } from '../providers/provider.type.js';
import { Organization, OrganizationMember } from './organization.type.js';
import * as organizations from './organization.service.js';

@Resolver(() => Organization)
export class OrganizationResolver {
  @Authorized()
  @Query(() => [Organization], {
    description: 'All organizations for site staff; your own for everyone else.',
  })
  organizations(@Ctx() ctx: OutpostContext) {
    return ctx.db
      .selectFrom('organizations')
      .select(selectRow('organizations', ORGANIZATION_COLUMNS))
      .where(organizationVisibility.where(requireViewer(ctx)))
      .orderBy('name')
      .execute();
  }

  @Authorized()
  @Query(() => Organization)
  organization(
    @Ctx() ctx: OutpostContext,
    @Arg('id', () => ID, { nullable: true }) id?: string,
    @Arg('slug', () => String, { nullable: true }) slug?: string,
  ) {
    if (!id === !slug) throw badInput('id', 'Pass exactly one of id or slug.');
    return organizations.findVisibleOrganization(ctx.prisma, requireViewer(ctx), { id, slug });
  }

  // Both nested lists are batch loaders (graphql/loaders.ts): a page of organizations costs the same
  // statements for 2 organizations as for 200.
  @Authorized()
  @FieldResolver(() => [OrganizationMember])
  members(@Root() organization: Organization, @Ctx() ctx: OutpostContext): Promise<OrganizationMember[]> {
    return ctx.loaders.membersByOrganization.load(organization.id);
  }

  @Authorized()
  @FieldResolver(() => [WorkspaceProvider], {
    description:
      'Providers this organization may use (its allowlist entries), for choosing where to create workspaces.',
  })
  async allowedProviders(@Root() organization: Organization, @Ctx() ctx: OutpostContext) {
    const viewer = requireViewer(ctx);
    const providers = await ctx.loaders.allowedProvidersByOrganization.load(organization.id);
    // Every one of them has this organization on its allowlist, so the one visibility rule decides
    // for all of them at once. (Whoever reached the organization may see it, so this holds today; it
    // keeps holding if an organization ever becomes reachable by others.) Status and cordon stay on
    // each provider: the console's dialog offers those usable for new workspaces (usableProvider).
    return providerVisibility.allows(viewer, { allowlist: [organization.id] }) ? providers : [];
  }

  @Authorized('ADMIN', 'MANAGER')
  @Mutation(() => Organization, {
    description: 'New organizations may use the built-in provider from the start.',
  })
  createOrganization(@Arg('name') name: string, @Arg('slug') slug: string, @Ctx() ctx: OutpostContext) {
    return organizations.createOrganization(ctx.prisma, requireSiteStaff(ctx), { name, slug });
  }

  @Authorized()
  @Mutation(() => OrganizationMember, {
    description: 'Organization admins and site staff. Adding an existing member changes their role.',
  })
  addOrganizationMember(
    @Arg('organizationId', () => ID) organizationId: string,
    @Arg('email') email: string,
    @Arg('role', () => OrganizationRole, { defaultValue: OrganizationRole.MEMBER }) role: OrganizationRole,
    @Ctx() ctx: OutpostContext,
  ) {
    return organizations.addMember(ctx.prisma, requireViewer(ctx), { organizationId, email, role });
  }

  @Authorized()
  @Mutation(() => Organization)
  removeOrganizationMember(
    @Arg('organizationId', () => ID) organizationId: string,
    @Arg('userId', () => ID) userId: string,
    @Ctx() ctx: OutpostContext,
  ) {
    return organizations.removeMember(ctx.prisma, requireViewer(ctx), { organizationId, userId });
  }
}
