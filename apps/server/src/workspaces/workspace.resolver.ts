import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { OutpostContext } from '../graphql/context.js';
import { Allow } from '../authorization/schema.js';
import { organizationMember, SIGNED_IN, workspaceManager } from '../authorization/decisions.js';
import { authorizedViewer } from '../authorization/principals.js';
import { requirePageSize } from '../graphql/validation.js';
import { Workspace } from './workspace.type.js';
import * as workspaces from './workspace.service.js';

@Resolver(() => Workspace)
export class WorkspaceResolver {
  @Allow(SIGNED_IN)
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
      authorizedViewer(ctx),
      { organizationId, providerId, ownerId, includeDeleted },
      first,
    );
  }

  @Allow(organizationMember('organizationId'))
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
    return workspaces.createWorkspace(ctx.prisma, authorizedViewer(ctx), {
      organizationId,
      providerId,
      name,
    });
  }

  @Allow(workspaceManager('id'))
  @Mutation(() => Workspace, { description: "Marks the workspace DELETED; the provider's agent removes it." })
  deleteWorkspace(@Arg('id', () => ID) id: string, @Ctx() ctx: OutpostContext) {
    return workspaces.deleteWorkspace(ctx.prisma, authorizedViewer(ctx), id);
  }
}
