import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { WorkspaceProvider as ProviderRow } from '@outpost/prisma';
import type { OutpostContext } from '../graphql/context.js';
import { Allow } from '../authorization/schema.js';
import { PROVIDER_USER, SIGNED_IN, SITE_STAFF } from '../authorization/decisions.js';
import { authorizedViewer } from '../authorization/principals.js';
import { workspaceVisibility } from '../visibility/workspace.js';
import { decodeCursor, encodeCursor } from '../graphql/connection.js';
import { badInput } from '../graphql/errors.js';
import { requirePageSize } from '../graphql/validation.js';
import { Organization } from '../organizations/organization.type.js';
import {
  OrganizationWorkspaceCount,
  ProviderCheckResult,
  ProviderNodeSummary,
  ProviderStatusEvent,
  WorkspaceProvider,
  WorkspaceProviderConnection,
} from './provider.type.js';
import {
  CreateWorkspaceProviderInput,
  ProviderLookupArgs,
  UpdateWorkspaceProviderInput,
  WorkspaceProvidersArgs,
} from './provider.inputs.js';
import * as providerReads from './provider-reads.js';
import * as providerRules from './provider-rules.js';
import {
  AgentCredentialInfo,
  CreateWorkspaceProviderPayload,
  ProviderAgents,
} from '../agents/agent.types.js';
import { agentConnectionsOf } from '../agents/agent-lease.js';
import { helmInstallCommand } from '../agents/install-command.js';
import { SERVER_VERSION } from '../version.js';

// The field resolvers below take the provider as its row type, a type-only import: type-graphql then
// hands them the row as it is. Typed as the WorkspaceProvider class, it copied the row into a new instance
// for every field of every provider (its convertToType), 500 copies for a page of 100 providers.

@Resolver(() => WorkspaceProvider)
export class WorkspaceProviderResolver {
  @Allow(SIGNED_IN)
  @Query(() => WorkspaceProviderConnection, {
    description:
      'Providers the viewer may see, ordered by name. Members see those their organizations may use.',
  })
  async workspaceProviders(
    @Args() { first, after, status }: WorkspaceProvidersArgs,
    @Ctx() ctx: OutpostContext,
  ): Promise<WorkspaceProviderConnection> {
    const viewer = authorizedViewer(ctx);
    requirePageSize('first', first);
    const afterName = after ? decodeCursor('after', after) : undefined;
    const { rows, totalCount } = await providerReads.listVisibleProviders(ctx.db, viewer, {
      take: first + 1,
      afterName,
      status,
    });
    const page = rows.slice(0, first);
    return {
      edges: page.map((node) => ({ cursor: encodeCursor(node.name), node })),
      pageInfo: {
        hasNextPage: rows.length > first,
        endCursor: page.length > 0 ? encodeCursor(page[page.length - 1]!.name) : null,
      },
      totalCount,
    };
  }

  @Allow(SIGNED_IN)
  @Query(() => WorkspaceProvider, { description: 'One provider, by id or by name.' })
  async workspaceProvider(@Args() { id, name }: ProviderLookupArgs, @Ctx() ctx: OutpostContext) {
    if (!id === !name) throw badInput('id', 'Pass exactly one of id or name.');
    return providerReads.findVisibleProvider(ctx.db, authorizedViewer(ctx), { id, name });
  }

  // --- Fields only site staff see: cluster details and what the agent reports. ---

  @Allow(SITE_STAFF)
  @FieldResolver(() => String, {
    nullable: true,
    description: 'Why the provider is in its status (errors in full).',
  })
  statusMessage(@Root() provider: ProviderRow) {
    return provider.statusMessage;
  }

  @Allow(SITE_STAFF)
  @FieldResolver(() => String, { nullable: true })
  clusterAddress(@Root() provider: ProviderRow) {
    return provider.clusterAddress;
  }

  @Allow(SITE_STAFF)
  @FieldResolver(() => String, { nullable: true })
  namespace(@Root() provider: ProviderRow) {
    return provider.namespace;
  }

  @Allow(SITE_STAFF)
  @FieldResolver(() => String, { nullable: true })
  agentVersion(@Root() provider: ProviderRow) {
    return provider.agentVersion;
  }

  @Allow(SITE_STAFF)
  @FieldResolver(() => String, { nullable: true })
  kubernetesVersion(@Root() provider: ProviderRow) {
    return provider.kubernetesVersion;
  }

  @Allow(SITE_STAFF)
  @FieldResolver(() => ProviderNodeSummary, { nullable: true })
  nodeSummary(@Root() provider: ProviderRow) {
    return (provider.nodeSummary as ProviderNodeSummary | null) ?? null;
  }

  @Allow(SITE_STAFF)
  @FieldResolver(() => [ProviderCheckResult], { nullable: true })
  checkResults(@Root() provider: ProviderRow) {
    return (provider.checkResults as ProviderCheckResult[] | null) ?? null;
  }

  @Allow(SITE_STAFF)
  @FieldResolver(() => [Organization], { nullable: true, description: 'The allowlist.' })
  allowedOrganizations(@Root() provider: ProviderRow, @Ctx() ctx: OutpostContext) {
    return ctx.loaders.allowlistByProvider.load(provider.id);
  }

  @Allow(SITE_STAFF)
  @FieldResolver(() => [OrganizationWorkspaceCount], {
    nullable: true,
    description: 'Workspaces (not deleted) per organization.',
  })
  async workspaceCountsByOrganization(
    @Root() provider: ProviderRow,
    @Ctx() ctx: OutpostContext,
  ): Promise<OrganizationWorkspaceCount[]> {
    const counts = await ctx.loaders.workspaceCountsByProvider.load(provider.id);
    const organizations = await ctx.loaders.organization.loadMany([...counts.keys()]);
    return organizations.flatMap((organization) =>
      organization && !(organization instanceof Error)
        ? [{ organization, count: counts.get(organization.id) ?? 0 }]
        : [],
    );
  }

  @Allow(PROVIDER_USER)
  @FieldResolver(() => Int, {
    description: 'Workspaces (not deleted) in this provider that the viewer may see.',
  })
  async workspaceCount(@Root() provider: ProviderRow, @Ctx() ctx: OutpostContext) {
    const viewer = authorizedViewer(ctx);
    const counts = await ctx.loaders.workspaceCountsByProvider.load(provider.id);
    let total = 0;
    for (const [organizationId, count] of counts) {
      if (workspaceVisibility.allows(viewer, { organizationId })) total += count;
    }
    return total;
  }

  @Allow(SITE_STAFF)
  @FieldResolver(() => [ProviderStatusEvent], { nullable: true, description: 'Newest first.' })
  statusHistory(
    @Root() provider: ProviderRow,
    @Arg('first', () => Int, { defaultValue: 10, description: '1–100.' }) first: number,
    @Ctx() ctx: OutpostContext,
  ) {
    requirePageSize('first', first);
    return ctx.loaders.statusHistory.load(`${provider.id}:${first}`);
  }

  // --- Mutations: site staff only (rule 7). ---

  @Allow(SITE_STAFF)
  @Mutation(() => CreateWorkspaceProviderPayload, {
    description:
      'Registers a provider in PENDING until its agent connects, and returns the one-time registration token ' +
      'with the helm command that deploys the agent.',
  })
  async createWorkspaceProvider(
    @Arg('input') input: CreateWorkspaceProviderInput,
    @Ctx() ctx: OutpostContext,
  ): Promise<CreateWorkspaceProviderPayload> {
    const { provider, registrationToken } = await providerRules.createProvider(
      ctx.prisma,
      authorizedViewer(ctx),
      input,
      ctx.config.agents.registrationTokenTtlHours,
    );
    return {
      provider,
      registrationToken: {
        ...registrationToken,
        installCommand: helmInstallCommand(provider, ctx.publicUrl),
      },
    };
  }

  @Allow(SITE_STAFF)
  @FieldResolver(() => String, {
    nullable: true,
    description: 'Set when the agent runs another release than the server (a warning, not an error).',
  })
  versionWarning(@Root() provider: ProviderRow): string | null {
    if (!provider.agentVersion || provider.agentVersion === SERVER_VERSION) return null;
    return `Agent ${provider.agentVersion} runs against server ${SERVER_VERSION}: upgrade the outpost-provider chart to match.`;
  }

  @Allow(SITE_STAFF)
  @FieldResolver(() => String, {
    nullable: true,
    description: 'Version of the outpost-provider chart values deployed.',
  })
  chartVersion(@Root() provider: ProviderRow) {
    return provider.chartVersion;
  }

  @Allow(SITE_STAFF)
  @FieldResolver(() => [AgentCredentialInfo], {
    nullable: true,
    description: 'Registration tokens and agent credentials, newest first, without their secrets.',
  })
  agentCredentials(@Root() provider: ProviderRow, @Ctx() ctx: OutpostContext) {
    return ctx.prisma.agentCredential.findMany({
      where: { providerId: provider.id },
      orderBy: { createdAt: 'desc' },
    });
  }

  @Allow(SITE_STAFF)
  @FieldResolver(() => ProviderAgents, {
    nullable: true,
    description:
      'The connected agents: the one holding the agent lease (it acts for the provider) and the standbys.',
  })
  async agents(@Root() provider: ProviderRow, @Ctx() ctx: OutpostContext): Promise<ProviderAgents> {
    const connections = await agentConnectionsOf(
      ctx.db,
      provider.id,
      ctx.config.agents.heartbeatGraceSeconds,
    );
    const standbys = connections.filter((connection) => !connection.holdsLease);
    return {
      leaseHolder: connections.find((connection) => connection.holdsLease) ?? null,
      standbys,
      standbyCount: standbys.length,
    };
  }

  @Allow(SITE_STAFF)
  @Mutation(() => WorkspaceProvider)
  updateWorkspaceProvider(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdateWorkspaceProviderInput,
    @Ctx() ctx: OutpostContext,
  ) {
    return providerRules.updateProvider(ctx.prisma, authorizedViewer(ctx), id, input);
  }

  @Allow(SITE_STAFF)
  @Mutation(() => WorkspaceProvider)
  renameWorkspaceProvider(
    @Arg('id', () => ID) id: string,
    @Arg('name') name: string,
    @Ctx() ctx: OutpostContext,
  ) {
    return providerRules.renameProvider(ctx.prisma, authorizedViewer(ctx), id, name);
  }

  @Allow(SITE_STAFF)
  @Mutation(() => WorkspaceProvider, {
    description:
      'Refused for built-in, for the default, and while it holds workspaces. Returns the deleted provider.',
  })
  deleteWorkspaceProvider(@Arg('id', () => ID) id: string, @Ctx() ctx: OutpostContext) {
    return providerRules.deleteProvider(ctx.prisma, authorizedViewer(ctx), id);
  }

  @Allow(SITE_STAFF)
  @Mutation(() => WorkspaceProvider, {
    description: 'Makes this the default provider and clears the old default.',
  })
  setDefaultWorkspaceProvider(@Arg('id', () => ID) id: string, @Ctx() ctx: OutpostContext) {
    return providerRules.setDefaultProvider(ctx.prisma, authorizedViewer(ctx), id);
  }

  @Allow(SITE_STAFF)
  @Mutation(() => WorkspaceProvider, {
    description: 'Stops new workspaces from being created in the provider.',
  })
  cordonWorkspaceProvider(
    @Arg('id', () => ID) id: string,
    @Arg('reason') reason: string,
    @Ctx() ctx: OutpostContext,
  ) {
    return providerRules.setCordon(ctx.prisma, authorizedViewer(ctx), id, reason);
  }

  @Allow(SITE_STAFF)
  @Mutation(() => WorkspaceProvider)
  uncordonWorkspaceProvider(@Arg('id', () => ID) id: string, @Ctx() ctx: OutpostContext) {
    return providerRules.setCordon(ctx.prisma, authorizedViewer(ctx), id, null);
  }
}
