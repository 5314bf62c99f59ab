import { randomUUID } from 'node:crypto';
import type { Db, PrismaClient } from '@outpost/prisma';
import type { OutpostConfig } from '../config.js';
import type { OutpostContext } from '../graphql/context.js';
import { ErrorCode, OutpostError } from '../graphql/errors.js';
import { notify, type NotificationPubSub } from '../events/notifications.js';
import { eventStream } from '../events/event-stream.js';
import { isDatabaseUnavailable, type DatabaseHealth } from '../database/availability.js';
import { markAgentDisconnected } from '../providers/provider-status.js';
import { authorizedAgent } from '../authorization/principals.js';
import { isAgentPrincipalValid } from './agent-credentials.js';
import {
  claimLease,
  handOverLeases,
  purgeStaleConnections,
  releaseConnection,
  type AgentConnectionRef,
  type AgentLeaseRole,
  type LeaseClaim,
} from './agent-lease.js';

/** What an agent may send as connectionParams.agentInstanceId: short and printable. */
const INSTANCE_ID = /^[A-Za-z0-9._:-]{1,100}$/;
/** Connection rows of a replica that died are deleted once unseen this long (they stop counting far sooner). */
const STALE_CONNECTION_SECONDS = 600;

/**
 * This replica's side of the agent lease (agents/agent-lease.ts): it names the agent connections it
 * serves, takes and renews the lease for them, hears when another connection released or took it, and
 * — when a holder's socket closes — releases the lease at once so a standby takes over, then turns the
 * provider ERROR after the reconnect grace unless an agent holds the lease again by then.
 *
 * A replica that is shutting down does none of that: its agents reconnect to another replica and take
 * their lease back there (it is tied to the agent process, not to the socket).
 */
export class AgentConnections {
  readonly replicaId = randomUUID();
  private shuttingDown = false;
  private readonly pendingChecks = new Set<NodeJS.Timeout>();
  private readonly purgeTimer: NodeJS.Timeout;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly db: Db,
    private readonly config: OutpostConfig['agents'],
    private readonly pubSub: NotificationPubSub,
    private readonly databaseHealth: DatabaseHealth,
    private readonly log: (line: string) => void,
  ) {
    this.purgeTimer = setInterval(() => {
      purgeStaleConnections(db, STALE_CONNECTION_SECONDS).catch((error: unknown) => this.failed(error));
    }, 60_000);
    this.purgeTimer.unref();
  }

  /**
   * A socket authenticated with an agent credential was accepted. `agentInstanceId` identifies the
   * agent process across its reconnects; a malformed one is the agent's bug, refused before anything runs.
   */
  open(connectionParams: Record<string, unknown> | undefined): AgentConnectionRef {
    const connectionId = randomUUID();
    const instanceId = connectionParams?.agentInstanceId;
    if (instanceId !== undefined && (typeof instanceId !== 'string' || !INSTANCE_ID.test(instanceId))) {
      throw new OutpostError(
        ErrorCode.BAD_USER_INPUT,
        'connectionParams.agentInstanceId must be 1–100 letters, digits or ._:- (the agent process’s id).',
        { field: 'agentInstanceId' },
      );
    }
    return { connectionId, instanceId: instanceId ?? connectionId, replicaId: this.replicaId };
  }

  /** Takes or renews the lease for the connection; tells an earlier holder (any replica) when it was taken. */
  async claim(providerId: string, connection: AgentConnectionRef): Promise<LeaseClaim> {
    const claim = await claimLease(this.db, providerId, connection, this.config.heartbeatGraceSeconds);
    if (claim.acquired) {
      await notify(this.prisma, {
        topic: 'agentLease',
        type: 'ACQUIRED',
        providerId,
        connectionId: connection.connectionId,
      });
    }
    return claim;
  }

  /**
   * For the agent calls that act for the provider: over an agent's graphql-ws connection they need the
   * lease (taken here if it is free). HTTP calls carry no connection and are not part of the lease.
   */
  async requireLease(ctx: OutpostContext): Promise<void> {
    const connection = ctx.agentConnection;
    if (!connection) return;
    const { role } = await this.claim(authorizedAgent(ctx).providerId, connection);
    if (role === 'STANDBY') throw agentStandby();
  }

  /** The socket closed (whoever closed it). */
  async closed(connection: AgentConnectionRef): Promise<void> {
    const keepLease = this.shuttingDown;
    let released: Awaited<ReturnType<typeof releaseConnection>>;
    try {
      released = await releaseConnection(this.db, connection.connectionId, keepLease);
    } catch (error) {
      // The lease then expires after the heartbeat grace, and the silence monitor takes over.
      this.failed(error);
      return;
    }
    if (!released || this.shuttingDown) return;
    const { providerId, releasedAt } = released;
    try {
      await notify(this.prisma, {
        topic: 'agentLease',
        type: 'RELEASED',
        providerId,
        connectionId: connection.connectionId,
      });
    } catch (error) {
      this.failed(error); // standbys still claim it at their next heartbeat
    }
    const graceSeconds = this.config.reconnectGraceSeconds;
    const timer = setTimeout(() => {
      this.pendingChecks.delete(timer);
      if (this.shuttingDown) return;
      markAgentDisconnected(this.prisma, providerId, connection.connectionId, releasedAt, graceSeconds).catch(
        (error: unknown) => this.failed(error),
      );
    }, graceSeconds * 1000);
    timer.unref();
    this.pendingChecks.add(timer);
  }

  /**
   * This replica is stopping: agents' sockets closing from now on are not their agents' fault. Their
   * leases are marked handed over first, so no replica blames them while they re-home (handOverLeases).
   */
  async beginShutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const timer of this.pendingChecks) clearTimeout(timer);
    this.pendingChecks.clear();
    clearInterval(this.purgeTimer);
    try {
      await handOverLeases(this.db, this.replicaId);
    } catch (error) {
      // Without the mark the agents still re-home; one slower than the grace may then be marked ERROR.
      this.failed(error);
    }
  }

  /**
   * `subscription { agentLease { role } }`: the connection's role now, then every change — HOLDER as
   * soon as the holder released the lease and this connection won the claim, STANDBY when another
   * connection took it (this one had been silent past the grace period).
   */
  leaseEvents(context: OutpostContext): AsyncIterableIterator<{ role: AgentLeaseRole }> {
    const agent = authorizedAgent(context);
    const connection = context.agentConnection;
    if (!connection) {
      throw new OutpostError(
        ErrorCode.BAD_USER_INPUT,
        'The agent lease is held by a graphql-ws connection: subscribe over the WebSocket.',
      );
    }
    let role: AgentLeaseRole | null = null;
    let first = true;
    const changes = eventStream(this.pubSub.subscribe('agentLease'), async (notification) => {
      if (notification.providerId !== agent.providerId) return 'skip';
      if (!(await isAgentPrincipalValid(context.db, agent))) return 'end';
      let next: AgentLeaseRole | null = null;
      if (notification.connectionId === connection.connectionId) {
        // Acquired by this connection's own heartbeat or report.
        if (notification.type === 'ACQUIRED') next = 'HOLDER';
      } else if (notification.type === 'ACQUIRED') {
        next = 'STANDBY';
      } else if (role === 'STANDBY') {
        next = (await this.claim(agent.providerId, connection)).role;
      }
      if (next === null || next === role) return 'skip';
      role = next;
      return { deliver: { role } };
    });
    return {
      next: async () => {
        if (!first) return changes.next();
        first = false;
        role = (await this.claim(agent.providerId, connection)).role;
        return { done: false, value: { role } };
      },
      return: () => changes.return!(),
      throw: (error: unknown) => changes.throw!(error),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  private failed(error: unknown): void {
    if (isDatabaseUnavailable(error)) this.databaseHealth.noteFailure();
    else this.log(`agent lease: ${String(error)}`);
  }
}

export function agentStandby(): OutpostError {
  return new OutpostError(
    ErrorCode.AGENT_STANDBY,
    'Another agent connection of this provider holds the lease: this one stands by (no reconciling, no ' +
      'reports) until the agentLease subscription says it holds the lease.',
  );
}
