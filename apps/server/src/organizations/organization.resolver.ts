import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { OrganizationRole } from '@outpost/prisma';
import type { OutpostContext } from '../graphql/context.js';
import { badInput } from '../graphql/errors.js';
import { Allow } from '../authorization/schema.js';
import { ORGANIZATION_MEMBER, organizationAdmin, SIGNED_IN, SITE_STAFF } from '../authorization/decisions.js';
import { authorizedViewer } from '../authorization/principals.js';
import { providerVisibility } from '../visibility/provider.js';
import { organizationVisibility } from '../visibility/organization.js';
import { ORGANIZATION_COLUMNS, selectRow } from '../database/rows.js';
import { WorkspaceProvider } from '../providers/provider.type.js';
import { Organization, OrganizationMember } from './organization.type.js';
import * as organizations from './organization.service.js';

@Resolver(() => Organization)
export class OrganizationResolver {
  @Allow(SIGNED_IN)
  @Query(() => [Organization], {
    description: 'All organizations for site staff; your own for everyone else.',
  })
  organizations(@Ctx() ctx: OutpostContext) {
    return ctx.db
      .selectFrom('organizations')
      .select(selectRow('organizations', ORGANIZATION_COLUMNS))
      .where(organizationVisibility.where(authorizedViewer(ctx)))
      .orderBy('name')
      .execute();
  }

  @Allow(SIGNED_IN)
  @Query(() => Organization)
  organization(
    @Ctx() ctx: OutpostContext,
    @Arg('id', () => ID, { nullable: true }) id?: string,
    @Arg('slug', () => String, { nullable: true }) slug?: string,
  ) {
    if (!id === !slug) throw badInput('id', 'Pass exactly one of id or slug.');
    return organizations.findVisibleOrganization(ctx.prisma, authorizedViewer(ctx), { id, slug });
  }

  // Both nested lists are batch loaders (graphql/loaders.ts): a page of organizations costs the same
  // statements for 2 organizations as for 200.
  @Allow(ORGANIZATION_MEMBER)
  @FieldResolver(() => [OrganizationMember])
  members(@Root() organization: Organization, @Ctx() ctx: OutpostContext): Promise<OrganizationMember[]> {
    return ctx.loaders.membersByOrganization.load(organization.id);
  }

  @Allow(ORGANIZATION_MEMBER)
  @FieldResolver(() => [WorkspaceProvider], {
    description:
      'Providers this organization may use (its allowlist entries), for choosing where to create workspaces.',
  })
  async allowedProviders(@Root() organization: Organization, @Ctx() ctx: OutpostContext) {
    const viewer = authorizedViewer(ctx);
    const providers = await ctx.loaders.allowedProvidersByOrganization.load(organization.id);
    // Every one of them has this organization on its allowlist, so the one visibility rule decides
    // for all of them at once (whoever may read this field — its members, site staff — may see each);
    // their own fields decide again (PROVIDER_USER). Status and cordon stay on each provider: the
    // console's dialog offers those usable for new workspaces (usableProvider).
    return providerVisibility.allows(viewer, { allowlist: [organization.id] }) ? providers : [];
  }

  @Allow(SITE_STAFF)
  @Mutation(() => Organization, {
    description: 'New organizations may use the built-in provider from the start.',
  })
  createOrganization(@Arg('name') name: string, @Arg('slug') slug: string, @Ctx() ctx: OutpostContext) {
    return organizations.createOrganization(ctx.prisma, authorizedViewer(ctx), { name, slug });
  }

  @Allow(organizationAdmin('organizationId'))
  @Mutation(() => OrganizationMember, {
    description: 'Organization admins and site staff. Adding an existing member changes their role.',
  })
  addOrganizationMember(
    @Arg('organizationId', () => ID) organizationId: string,
    @Arg('email') email: string,
    @Arg('role', () => OrganizationRole, { defaultValue: OrganizationRole.MEMBER }) role: OrganizationRole,
    @Ctx() ctx: OutpostContext,
  ) {
    return organizations.addMember(ctx.prisma, authorizedViewer(ctx), { organizationId, email, role });
  }

  @Allow(organizationAdmin('organizationId'))
  @Mutation(() => Organization)
  removeOrganizationMember(
    @Arg('organizationId', () => ID) organizationId: string,
    @Arg('userId', () => ID) userId: string,
    @Ctx() ctx: OutpostContext,
  ) {
    return organizations.removeMember(ctx.prisma, authorizedViewer(ctx), { organizationId, userId });
  }
}
