import { Arg, Ctx, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { OutpostContext } from '../graphql/context.js';
import { Allow } from '../authorization/schema.js';
import {
  AGENT,
  AGENT_OF_OBSERVED_WORKSPACES,
  AGENT_REGISTRATION,
  PUBLIC,
  SITE_STAFF,
} from '../authorization/decisions.js';
import { authorizedAgent, authorizedViewer } from '../authorization/principals.js';
import { badInput, notFound } from '../graphql/errors.js';
import { AGENT_PROTOCOL_VERSION, SERVER_VERSION } from '../version.js';
import { applyAgentReport, recordHeartbeat } from '../providers/provider-status.js';
import { WorkspaceProvider } from '../providers/provider.type.js';
import { notify } from '../events/notifications.js';
import { recordAudit } from '../audit/audit-log.js';
import * as credentials from './agent-credentials.js';
import { parseAgentReport, parseObservations } from './agent-input.js';
import { helmInstallCommand } from './install-command.js';
import { eventStream } from '../events/event-stream.js';
import {
  AgentAck,
  AgentLeaseRole,
  AgentLeaseState,
  AgentRegistration,
  AgentStatusInput,
  AgentWorkspace,
  AgentWorkspaceEvent,
  RegistrationToken,
  ServerInfo,
  WorkspaceObservationInput,
} from './agent.types.js';

/** The agent protocol (apps/agent/PROTOCOL.md) and the admin fields that manage agent secrets. */
@Resolver()
export class AgentResolver {
  @Allow(PUBLIC)
  @Query(() => ServerInfo, {
    description: 'Public: lets agents and clients check compatibility before signing in.',
  })
  serverInfo(): ServerInfo {
    return { version: SERVER_VERSION, agentProtocolVersion: AGENT_PROTOCOL_VERSION };
  }

  // --- Called by agents ---

  @Allow(AGENT_REGISTRATION)
  @Mutation(() => AgentRegistration, {
    description: 'Exchanges the one-time registration token for a credential.',
  })
  registerAgent(@Ctx() ctx: OutpostContext) {
    return credentials.registerAgent(ctx.prisma, authorizedAgent(ctx));
  }

  @Allow(AGENT)
  @Mutation(() => AgentRegistration, {
    description: 'A new credential; the current one expires after the overlap window.',
  })
  rotateAgentCredential(@Ctx() ctx: OutpostContext) {
    return credentials.rotateAgentCredential(
      ctx.prisma,
      authorizedAgent(ctx),
      ctx.config.agents.credentialOverlapMinutes,
    );
  }

  @Allow(AGENT)
  @Mutation(() => AgentAck, {
    description: 'The agent’s full report: versions, nodes and check results. Counts as a heartbeat.',
  })
  async reportAgentStatus(
    @Arg('input') input: AgentStatusInput,
    @Ctx() ctx: OutpostContext,
  ): Promise<AgentAck> {
    const agent = authorizedAgent(ctx);
    const report = parseAgentReport(input);
    await ctx.agentConnections.requireLease(ctx);
    return this.ack(
      ctx,
      await applyAgentReport(ctx.prisma, ctx.db, agent.providerId, report, agent.credentialId),
      ctx.agentConnection && AgentLeaseRole.HOLDER,
    );
  }

  @Allow(AGENT)
  @Mutation(() => AgentAck, {
    description:
      'I am alive. Over graphql-ws it also takes or renews the agent lease; a standby’s heartbeat changes nothing else.',
  })
  async agentHeartbeat(@Ctx() ctx: OutpostContext): Promise<AgentAck> {
    const agent = authorizedAgent(ctx);
    if (ctx.agentConnection) {
      const claim = await ctx.agentConnections.claim(agent.providerId, ctx.agentConnection);
      // Only the holder's heartbeats keep the provider READY: a standby's say nothing about the agent at work.
      if (claim.role === 'STANDBY')
        return this.ack(ctx, claim.providerStatus ?? 'PENDING', AgentLeaseRole.STANDBY);
    }
    return this.ack(
      ctx,
      await recordHeartbeat(ctx.prisma, ctx.db, agent.providerId, agent.credentialId),
      ctx.agentConnection && AgentLeaseRole.HOLDER,
    );
  }

  @Allow(AGENT)
  @Query(() => [AgentWorkspace], {
    description: 'Every workspace of the agent’s provider that still needs the cluster’s attention.',
  })
  async agentWorkspaces(@Ctx() ctx: OutpostContext): Promise<AgentWorkspace[]> {
    // A standby must not reconcile: without the desired list it changes nothing in its cluster.
    await ctx.agentConnections.requireLease(ctx);
    const rows = await ctx.prisma.workspace.findMany({
      where: {
        providerId: authorizedAgent(ctx).providerId,
        // Not `NOT: { desiredState: 'DELETED', observedPhase: 'Deleted' }`: in SQL that is NULL, so false,
        // for a DELETED workspace the agent never observed, which would then never be removed.
        OR: [
          { desiredState: { not: 'DELETED' } },
          { observedPhase: null },
          { observedPhase: { not: 'Deleted' } },
        ],
      },
      include: { organization: { select: { slug: true } } },
      orderBy: { id: 'asc' },
    });
    return rows.map((row) => ({
      id: row.id,
      providerId: row.providerId,
      name: row.name,
      organizationSlug: row.organization.slug,
      desiredState: row.desiredState,
    }));
  }

  @Allow(AGENT_OF_OBSERVED_WORKSPACES)
  @Mutation(() => Int, {
    description: 'What the agent observed per workspace. Returns how many rows changed.',
  })
  async reportWorkspaceStatus(
    @Arg('observations', () => [WorkspaceObservationInput]) observations: WorkspaceObservationInput[],
    @Ctx() ctx: OutpostContext,
  ): Promise<number> {
    const agent = authorizedAgent(ctx);
    const parsed = parseObservations(observations);
    await ctx.agentConnections.requireLease(ctx);
    return ctx.prisma.$transaction(async (tx) => {
      // Scoped to the agent's provider as well: its writes stay in its own provider whatever was decided.
      const workspaces = await tx.workspace.findMany({
        where: { id: { in: parsed.map((o) => o.workspaceId) }, providerId: agent.providerId },
      });
      // Only workspaces of the agent's own provider (AGENT_OF_OBSERVED_WORKSPACES decided that), and only
      // workspaces that exist: workspace rows outlive their deletion (DELETED) for as long as their
      // provider, so an unknown id is not a race with a deletion but input to refuse.
      const unknown = parsed.find((o) => !workspaces.some((ws) => ws.id === o.workspaceId));
      if (unknown) {
        throw badInput(
          'observations.workspaceId',
          `No workspace of this provider has the id ${unknown.workspaceId}.`,
        );
      }
      let changed = 0;
      for (const { workspaceId, phase, message } of parsed) {
        const workspace = workspaces.find((ws) => ws.id === workspaceId)!;
        // Observations repeat every resync; only a change is written and published.
        if (workspace.observedPhase === phase && workspace.observedMessage === message) continue;
        await tx.workspace.update({
          where: { id: workspace.id },
          data: { observedPhase: phase, observedMessage: message, observedAt: new Date() },
        });
        changed++;
        await notify(tx, {
          topic: 'workspace',
          type: 'UPDATED',
          workspaceId: workspace.id,
          organizationId: workspace.organizationId,
          providerId: workspace.providerId,
        });
      }
      return changed;
    });
  }

  @Allow(AGENT)
  @Subscription(() => AgentWorkspaceEvent, {
    description: 'Nudges the agent to reconcile when a workspace of its provider changes.',
    subscribe: ({ context }) => agentWorkspaceEvents(context as OutpostContext),
  })
  agentWorkspaceEvents(@Root() event: AgentWorkspaceEvent): AgentWorkspaceEvent {
    return event;
  }

  @Allow(AGENT)
  @Subscription(() => AgentLeaseState, {
    description:
      'Over the agent’s graphql-ws connection: HOLDER or STANDBY now, then each change — HOLDER the moment ' +
      'the holder’s connection closed and this one took the lease (apps/agent/PROTOCOL.md "Lease").',
    subscribe: ({ context }) =>
      (context as OutpostContext).agentConnections.leaseEvents(context as OutpostContext),
  })
  agentLease(@Root() state: AgentLeaseState): AgentLeaseState {
    return state;
  }

  // --- Called by admins ---

  @Allow(SITE_STAFF)
  @Mutation(() => RegistrationToken, {
    description: 'A new one-time registration token for the provider; any unused earlier one stops working.',
  })
  async issueProviderRegistrationToken(
    @Arg('providerId', () => ID) providerId: string,
    @Ctx() ctx: OutpostContext,
  ): Promise<RegistrationToken> {
    const viewer = authorizedViewer(ctx);
    return ctx.prisma.$transaction(async (tx) => {
      const provider = await tx.workspaceProvider.findUnique({ where: { id: providerId } });
      if (!provider) throw notFound('Workspace provider', providerId);
      const issued = await credentials.issueRegistrationToken(
        tx,
        providerId,
        ctx.config.agents.registrationTokenTtlHours,
      );
      await recordAudit(tx, {
        actorId: viewer.id,
        action: 'workspaceProvider.issueRegistrationToken',
        targetType: 'WorkspaceProvider',
        targetId: providerId,
        after: { expiresAt: issued.expiresAt },
      });
      return { ...issued, installCommand: helmInstallCommand(provider, ctx.publicUrl) };
    });
  }

  @Allow(SITE_STAFF)
  @Mutation(() => WorkspaceProvider, {
    description:
      'Revokes every credential and registration token of the provider’s agent; the provider turns ERROR.',
  })
  revokeAgentCredentials(@Arg('providerId', () => ID) providerId: string, @Ctx() ctx: OutpostContext) {
    return credentials.revokeAgentCredentials(ctx.prisma, authorizedViewer(ctx), providerId);
  }

  private ack(ctx: OutpostContext, status: AgentAck['status'], lease?: AgentLeaseRole): AgentAck {
    return {
      serverVersion: SERVER_VERSION,
      agentProtocolVersion: AGENT_PROTOCOL_VERSION,
      heartbeatIntervalSeconds: ctx.config.agents.heartbeatIntervalSeconds,
      status,
      lease: lease ?? null,
    };
  }
}

function agentWorkspaceEvents(context: OutpostContext): AsyncIterableIterator<AgentWorkspaceEvent> {
  const agent = authorizedAgent(context);
  return eventStream(context.notifications.pubSub.subscribe('workspace'), async (notification) => {
    if (notification.providerId !== agent.providerId) return 'skip';
    if (!(await credentials.isAgentPrincipalValid(context.db, agent))) return 'end';
    return {
      deliver: {
        workspaceId: notification.workspaceId,
        type: notification.type,
        providerId: notification.providerId,
      },
    };
  });
}
