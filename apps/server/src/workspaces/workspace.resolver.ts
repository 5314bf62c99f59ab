import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { OutpostContext } from '../graphql/context.js';
import { requireViewer } from '../auth/policy.js';
import { requirePageSize } from '../graphql/validation.js';
import { Workspace } from './workspace.type.js';
import * as workspaces from './workspace.service.js';

@Resolver(() => Workspace)
export class WorkspaceResolver {
  @Authorized()
  @Query(() => [Workspace], {
    description: "Workspaces in the viewer's organizations (all of them for site staff).",
  })
  workspaces(
    @Ctx() ctx: OutpostContext,
    @Arg('organizationId', () => ID, { nullable: true }) organizationId?: string,
    @Arg('providerId', () => ID, { nullable: true }) providerId?: string,
    @Arg('ownerId', () => ID, { nullable: true }) ownerId?: string,
    @Arg('includeDeleted', { defaultValue: false }) includeDeleted?: boolean,
    @Arg('first', () => Int, { defaultValue: 100, description: '1–100.' }) first = 100,
  ) {
    requirePageSize('first', first);
    return workspaces.listVisibleWorkspaces(
      ctx.db,
      requireViewer(ctx),
      { organizationId, providerId, ownerId, includeDeleted },
      first,
    );
  }

  @Authorized()
  @Mutation(() => Workspace, {
    description:
      'Creates a workspace owned by you. providerId omitted: the default provider. Refusals name the rule and an alternative provider.',
  })
  createWorkspace(
    @Arg('organizationId', () => ID) organizationId: string,
    @Arg('name') name: string,
    @Ctx() ctx: OutpostContext,
    @Arg('providerId', () => ID, { nullable: true }) providerId?: string,
  ) {
    return workspaces.createWorkspace(ctx.prisma, requireViewer(ctx), { organizationId, providerId, name });
  }

  @Authorized()
  @Mutation(() => Workspace, { description: "Marks the workspace DELETED; the provider's agent removes it." })
  deleteWorkspace(@Arg('id', () => ID) id: string, @Ctx() ctx: OutpostContext) {
    return workspaces.deleteWorkspace(ctx.prisma, requireViewer(ctx), id);
  }
}
