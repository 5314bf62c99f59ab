import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { OutpostContext } from '../graphql/context.js';
import { Allow } from '../authorization/schema.js';
import { SITE_STAFF } from '../authorization/decisions.js';
import { authorizedViewer } from '../authorization/principals.js';
import { WorkspaceProvider } from '../providers/provider.type.js';
import * as allowlist from './allowlist.service.js';

/**
 * Changing which organizations may use a provider: site staff only (rule 7). Rule 4 (no removal while the
 * organization has workspaces there) is kept by allowlist.service.ts.
 */
@Resolver()
export class AllowlistResolver {
  @Allow(SITE_STAFF)
  @Mutation(() => WorkspaceProvider)
  addOrganizationToProviderAllowlist(
    @Arg('providerId', () => ID) providerId: string,
    @Arg('organizationId', () => ID) organizationId: string,
    @Ctx() ctx: OutpostContext,
  ) {
    return allowlist.addToAllowlist(ctx.prisma, authorizedViewer(ctx), providerId, organizationId);
  }

  @Allow(SITE_STAFF)
  @Mutation(() => WorkspaceProvider, {
    description:
      'Refused (PRECONDITION_FAILED, extensions.workspaces) while the organization has workspaces there.',
  })
  removeOrganizationFromProviderAllowlist(
    @Arg('providerId', () => ID) providerId: string,
    @Arg('organizationId', () => ID) organizationId: string,
    @Ctx() ctx: OutpostContext,
  ) {
    return allowlist.removeFromAllowlist(ctx.prisma, authorizedViewer(ctx), providerId, organizationId);
  }
}
