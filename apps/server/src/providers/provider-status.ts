import {
  Prisma,
  type Db,
  type PrismaClient,
  type ProviderStatus,
  type WorkspaceProvider,
} from '@outpost/prisma';
import { credentialValidSql } from '../auth/credential-validity.js';
import { notify } from '../events/notifications.js';
import { unauthenticated } from '../graphql/errors.js';
import { DatabaseHealth, isDatabaseUnavailable } from '../database/availability.js';
import { SUPPORTED_AGENT_PROTOCOL_VERSIONS } from '../version.js';
import { rawRows } from '../database/sql.js';
import { AGENT_MAX_RECONNECT_BACKOFF_SECONDS, leaseStillReleasedBy } from '../agents/agent-lease.js';

/**
 * The status machine of a provider (docs/architecture.md "Status of a provider", apps/agent/PROTOCOL.md
 * "Status").
 * Every status change goes through changeProviderStatus; the agent-facing entry points below decide
 * what the status should be from what the agent reported.
 */

export interface CheckResult {
  name: string;
  passed: boolean;
  message: string;
}

export interface AgentReport {
  agentVersion: string;
  protocolVersion: number;
  kubernetesVersion?: string | null;
  nodeSummary?: { nodeCount: number; cpuMillicores?: number | null; memoryBytes?: string | null } | null;
  checks: CheckResult[];
  chartVersion?: string | null;
}

/** One change of a provider's status (see changeProviderStatus). */
export interface ProviderStatusChange {
  status: ProviderStatus;
  /** The statusMessage: what an admin reads on the provider page, so it says what to do. */
  message: string;
  /**
   * Change only while the current status is one of these: the guard for a transition that must not
   * override a newer one (a sweep of silent READY providers, a message that belongs to PENDING). When the
   * current status is not listed nothing is written, not even `heard`.
   */
  onlyFrom?: readonly ProviderStatus[];
  /**
   * The change comes from hearing from the agent: also stamp `lastHeartbeatAt` ('heartbeat'), or
   * `lastHeartbeatAt` and `lastReportAt` ('report'), with the database's now(), the clock the silence
   * sweep compares them with.
   */
  heard?: 'heartbeat' | 'report';
}

export interface ProviderStatusOutcome {
  /** Status or message changed (a notification was published). */
  changed: boolean;
  /** The status changed (a ProviderStatusEvent was written and published as STATUS_CHANGED). */
  transitioned: boolean;
  /** The status before the change; null when the provider does not exist or `onlyFrom` refused it. */
  from: ProviderStatus | null;
}

/**
 * THE way a provider's status, statusMessage and heartbeat times change (apart from the heartbeat's
 * one-statement fast path in recordHeartbeat, which stamps the time alone): in the caller's transaction,
 * on the database clock. One conditional UPDATE under the row lock decides, so when two replicas race to
 * make the same transition only one changes it, writes one ProviderStatusEvent and publishes it (event
 * journal + NOTIFY). Setting what is already there changes nothing and publishes nothing; a new message
 * without a new status is published as UPDATED without a status event. Admin actions that cause a
 * change audit the action themselves (revokeAgentCredentials).
 *
 * test/provider-status-writes.test.ts fails when any other module writes these columns.
 */
export async function changeProviderStatus(
  tx: Prisma.TransactionClient,
  providerId: string,
  change: ProviderStatusChange,
): Promise<ProviderStatusOutcome> {
  const { status: to, message } = change;
  const heard = change.heard !== undefined;
  const reported = change.heard === 'report';
  const onlyFrom = change.onlyFrom ? [...change.onlyFrom] : null;
  const rows = await tx.$queryRaw<Array<{ from: ProviderStatus; changed: boolean }>>`
    UPDATE workspace_providers p
    SET status = ${to}::"ProviderStatus", status_message = ${message},
        status_changed_at = CASE WHEN previous.status <> ${to}::"ProviderStatus" THEN now() ELSE p.status_changed_at END,
        last_heartbeat_at = CASE WHEN ${heard} THEN now() ELSE p.last_heartbeat_at END,
        last_report_at = CASE WHEN ${reported} THEN now() ELSE p.last_report_at END,
        updated_at = now()
    FROM (SELECT id, status, status_message FROM workspace_providers WHERE id = ${providerId}::uuid FOR UPDATE) previous
    WHERE p.id = previous.id
      AND (previous.status <> ${to}::"ProviderStatus" OR previous.status_message <> ${message} OR ${heard})
      AND (${onlyFrom}::text[] IS NULL OR previous.status::text = ANY(${onlyFrom}::text[]))
    RETURNING previous.status::text AS "from",
      (previous.status <> ${to}::"ProviderStatus" OR previous.status_message <> ${message}) AS changed`;
  const row = rows[0];
  if (!row) return { changed: false, transitioned: false, from: null };
  if (!row.changed) return { changed: false, transitioned: false, from: row.from };
  if (row.from === to) {
    await notify(tx, { topic: 'provider', type: 'UPDATED', providerId });
    return { changed: true, transitioned: false, from: row.from };
  }
  const event = await tx.providerStatusEvent.create({
    data: { providerId, fromStatus: row.from, toStatus: to, message },
  });
  await notify(tx, { topic: 'provider', type: 'STATUS_CHANGED', providerId, statusEventId: event.id });
  return { changed: true, transitioned: true, from: row.from };
}

/**
 * A new provider's first status, PENDING, with its first status event: called in the transaction that
 * inserted the row (createProvider, ensureBuiltInProvider), which publishes CREATED itself.
 */
export async function recordProviderCreated(
  tx: Prisma.TransactionClient,
  providerId: string,
  { message, eventMessage }: { message: string; eventMessage: string },
): Promise<WorkspaceProvider> {
  await tx.$executeRaw`
    UPDATE workspace_providers
    SET status = 'PENDING', status_message = ${message}, status_changed_at = now(), updated_at = now()
    WHERE id = ${providerId}::uuid`;
  await tx.providerStatusEvent.create({
    data: { providerId, toStatus: 'PENDING', message: eventMessage },
  });
  return tx.workspaceProvider.findUniqueOrThrow({ where: { id: providerId } });
}

/** What a report means for the provider: READY only when the protocol is spoken and every check passes. */
export function statusFromReport(report: Pick<AgentReport, 'protocolVersion' | 'checks'>): {
  status: ProviderStatus;
  message: string;
} {
  if (!SUPPORTED_AGENT_PROTOCOL_VERSIONS.includes(report.protocolVersion)) {
    return {
      status: 'ERROR',
      message:
        `The agent speaks protocol version ${report.protocolVersion}; this server supports ` +
        `${SUPPORTED_AGENT_PROTOCOL_VERSIONS.join(', ')}. Upgrade the outpost-provider chart (or the server) so they match.`,
    };
  }
  const failed = report.checks.filter((check) => !check.passed);
  if (failed.length > 0) {
    return { status: 'ERROR', message: failed.map((check) => `${check.name}: ${check.message}`).join('\n') };
  }
  return { status: 'READY', message: 'Agent connected; all checks pass.' };
}

/** A full report from the agent: stores what it says about itself and its cluster, then sets the status. */
export async function applyAgentReport(
  prisma: PrismaClient,
  db: Db,
  providerId: string,
  report: AgentReport,
  credentialId?: string,
): Promise<ProviderStatus> {
  const { status, message } = statusFromReport(report);
  if (status === 'READY' && (await restatedReport(db, providerId, report, message, credentialId)))
    return 'READY';
  return prisma.$transaction(async (tx) => {
    await lockForAgent(tx, providerId, credentialId);
    const before = await tx.workspaceProvider.findUniqueOrThrow({ where: { id: providerId } });
    await tx.workspaceProvider.update({
      where: { id: providerId },
      data: {
        agentVersion: report.agentVersion,
        agentProtocolVersion: report.protocolVersion,
        kubernetesVersion: report.kubernetesVersion ?? null,
        nodeSummary: report.nodeSummary ?? undefined,
        checkResults: report.checks as unknown as Prisma.InputJsonValue,
        chartVersion: report.chartVersion ?? null,
      },
    });
    const { changed } = await changeProviderStatus(tx, providerId, { status, message, heard: 'report' });
    // Facts such as versions or checks changed without a status change: tell watchers once.
    const factsChanged =
      before.agentVersion !== report.agentVersion ||
      before.kubernetesVersion !== (report.kubernetesVersion ?? null) ||
      before.chartVersion !== (report.chartVersion ?? null) ||
      JSON.stringify(before.checkResults) !== JSON.stringify(report.checks);
    if (!changed && factsChanged) await notify(tx, { topic: 'provider', type: 'UPDATED', providerId });
    return status;
  });
}

/**
 * The report of a READY provider's agent that says again what is stored — every agent's first report
 * after a reconnect: when a server replica goes away, a thousand of them arrive at the survivor at once.
 * Then the report changes nothing but the times it was heard, and is one autocommitted statement through
 * the pool instead of the transaction of six (the heartbeat's fast path, below, is the same idea). The
 * credential is checked in the same statement; a revocation sets ERROR under the row lock in its own
 * transaction, so a restated report either commits before it (and is overridden by its ERROR) or finds
 * the provider no longer READY and goes the full way, which refuses it. False: take the full way.
 */
async function restatedReport(
  db: Db,
  providerId: string,
  report: AgentReport,
  readyMessage: string,
  credentialId: string | undefined,
): Promise<boolean> {
  const rows = await rawRows<{ id: string }>(
    db,
    `UPDATE workspace_providers SET last_heartbeat_at = now(), last_report_at = now()
     WHERE id = $1::uuid AND status = 'READY' AND status_message = $2
       AND agent_version = $3 AND agent_protocol_version = $4
       AND kubernetes_version IS NOT DISTINCT FROM $5 AND chart_version IS NOT DISTINCT FROM $6
       AND ($7::jsonb IS NULL OR node_summary = $7::jsonb) AND check_results = $8::jsonb
       AND ($9::uuid IS NULL OR EXISTS (
         SELECT 1 FROM agent_credentials WHERE id = $9::uuid AND ${credentialValidSql('agent_credentials')}))
     RETURNING id`,
    [
      providerId,
      readyMessage,
      report.agentVersion,
      report.protocolVersion,
      report.kubernetesVersion ?? null,
      report.chartVersion ?? null,
      report.nodeSummary ? JSON.stringify(report.nodeSummary) : null,
      JSON.stringify(report.checks),
      credentialId ?? null,
    ],
  );
  return rows.length > 0;
}

/**
 * A heartbeat is one UPDATE in the common case. Only when the provider is not READY although the last
 * report was healthy (it had gone silent) does it take the transaction that brings it back.
 */
export async function recordHeartbeat(
  prisma: PrismaClient,
  db: Db,
  providerId: string,
  credentialId?: string,
): Promise<ProviderStatus> {
  // One autocommitted statement through the pool: at thousands of agents this is the server's most
  // frequent write, and Prisma's query compiler cost more CPU than the UPDATE itself (docs/decisions/0125).
  const [row] = await rawRows<{
    status: ProviderStatus;
    checkResults: CheckResult[] | null;
    protocolVersion: number | null;
  }>(
    db,
    `UPDATE workspace_providers SET last_heartbeat_at = now() WHERE id = $1::uuid
     RETURNING status::text AS status, check_results AS "checkResults", agent_protocol_version AS "protocolVersion"`,
    [providerId],
  );
  if (!row) return 'PENDING';
  if (row.status === 'READY' || row.checkResults === null || row.protocolVersion === null) return row.status;
  const derived = statusFromReport({ protocolVersion: row.protocolVersion, checks: row.checkResults });
  if (derived.status !== 'READY') return row.status;
  // ERROR from silence (or a revoked credential since replaced): heartbeats resumed with passing checks.
  await prisma.$transaction(async (tx) => {
    await lockForAgent(tx, providerId, credentialId);
    await changeProviderStatus(tx, providerId, { status: 'READY', message: derived.message });
  });
  return 'READY';
}

/**
 * Takes the provider's row lock, then checks that the agent's credential is still good. An agent's
 * request is authorized when it arrives; if an admin revokes the credential while it is in flight,
 * without this the request could still commit READY after the revocation's ERROR. Revocation takes the
 * same row lock (changeProviderStatus), so one of the two goes first: a report that goes first is then
 * overridden by the revocation's ERROR, one that goes second finds the credential revoked and is refused.
 */
async function lockForAgent(tx: Prisma.TransactionClient, providerId: string, credentialId?: string) {
  await tx.$queryRaw`SELECT id FROM workspace_providers WHERE id = ${providerId}::uuid FOR UPDATE`;
  if (!credentialId) return;
  const [valid] = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM agent_credentials
    WHERE id = ${credentialId}::uuid AND ${Prisma.raw(credentialValidSql('agent_credentials'))}`;
  if (!valid)
    throw unauthenticated('This agent credential was revoked or has expired: register the agent again.');
}

/**
 * Marks READY providers whose agent has been silent for longer than the grace period (on the database
 * clock, like every heartbeat time) as ERROR — except those whose agent is re-homing because its server
 * replica shut down under it (agents/agent-lease.ts handOverLeases), until the allowance for that ends.
 * However many replicas run this at once, each silent provider gets one transition, one event and one
 * notification.
 */
export async function markSilentProviders(prisma: PrismaClient, graceSeconds: number): Promise<string[]> {
  return prisma.$transaction(async (tx) => {
    // FOR UPDATE in id order: a replica sweeping at the same time waits here, then PostgreSQL re-checks
    // the condition on the committed row and skips the providers the first sweep already marked (and
    // any that heartbeated meanwhile), so each silent provider gets one transition, event and notification.
    const silent = await tx.$queryRaw<Array<{ id: string; silentSince: string }>>`
      SELECT id, to_char(last_heartbeat_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS "silentSince"
      FROM workspace_providers p
      WHERE status = 'READY' AND last_heartbeat_at < now() - make_interval(secs => ${graceSeconds})
        AND NOT EXISTS (
          SELECT 1 FROM agent_leases l WHERE l.provider_id = p.id AND l.handover_until > now())
      ORDER BY id
      FOR UPDATE OF p`;
    const marked: string[] = [];
    for (const { id, silentSince } of silent) {
      // Each provider's message names its own last heartbeat, so an admin reading it later (or in the
      // status history) knows how long the control plane has been without news from that agent.
      const message =
        `No heartbeat from the agent for more than ${graceSeconds} s: the control plane lost contact with it. ` +
        `It has not heard from the agent since ${silentSince} UTC. Check that the agent pod is running and can reach the Outpost server.`;
      const { transitioned } = await changeProviderStatus(tx, id, {
        status: 'ERROR',
        message,
        onlyFrom: ['READY'],
      });
      if (transitioned) marked.push(id);
    }
    return marked;
  });
}

/**
 * The lease holder's connection `connectionId` closed `graceSeconds` ago (agents/agent-connections.ts):
 * a READY provider turns ERROR unless some agent connection took its lease since — the same agent
 * reconnected, or a standby took over, through any replica. Deciding under the provider's row lock,
 * from the lease row, lets whichever replica saw the close decide, and a reconnect anywhere wins.
 */
export async function markAgentDisconnected(
  prisma: PrismaClient,
  providerId: string,
  connectionId: string,
  closedAt: Date,
  graceSeconds: number,
): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const [provider] = await tx.$queryRaw<Array<{ status: ProviderStatus }>>`
      SELECT status::text AS status FROM workspace_providers WHERE id = ${providerId}::uuid FOR UPDATE`;
    if (provider?.status !== 'READY' || !(await leaseStillReleasedBy(tx, providerId, connectionId)))
      return false;
    const closed = closedAt.toISOString().slice(0, 19).replace('T', ' ');
    const { transitioned } = await changeProviderStatus(tx, providerId, {
      status: 'ERROR',
      message:
        `The agent's connection to the control plane closed at ${closed} UTC and no agent has reconnected ` +
        `within ${graceSeconds} s: the agent process stopped or crashed. Check that the agent pod is running ` +
        'and can reach the Outpost server.',
      onlyFrom: ['READY'],
    });
    return transitioned;
  });
}

/**
 * Runs markSilentProviders every few seconds in this replica until stopped — but only once the database
 * has been reachable for a whole grace period plus the agents' longest reconnect back-off: while
 * PostgreSQL is down, heartbeats cannot be recorded through no fault of the agents, and blaming them
 * would turn every provider ERROR after each control-plane outage. (Agents that kept their connection
 * heartbeat again within one interval; those that lost it need up to their back-off.)
 */
export function startStatusMonitor(
  prisma: PrismaClient,
  graceSeconds: number,
  onError: (error: unknown) => void = () => undefined,
  databaseHealth: DatabaseHealth = new DatabaseHealth(),
): { stop(): void } {
  const intervalMs = Math.max(250, Math.min(2_000, (graceSeconds * 1000) / 5));
  let running = false;
  const timer = setInterval(() => {
    if (running || !databaseHealth.quietFor((graceSeconds + AGENT_MAX_RECONNECT_BACKOFF_SECONDS) * 1000))
      return;
    running = true;
    markSilentProviders(prisma, graceSeconds)
      .catch((error: unknown) => {
        if (isDatabaseUnavailable(error)) databaseHealth.noteFailure();
        else onError(error);
      })
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
