import type { Db, Prisma, ProviderStatus } from '@outpost/prisma';
import { rawRows } from '../database/sql.js';

/**
 * The agent lease (apps/agent/PROTOCOL.md "Lease"): at most one agent connection acts for a provider —
 * reconciles, reports the provider's and its workspaces' status. Every other connection of the provider
 * (a second pod in a rolling upgrade, an old pod that is stuck) stands by until the lease is free.
 *
 * The lease is a row per provider in PostgreSQL, so replicas agree on it whichever of them an agent is
 * connected to. Taking it is one INSERT … ON CONFLICT DO UPDATE … WHERE: PostgreSQL serializes
 * concurrent claims on the row, so when two agents ask at once through two replicas exactly one gets it.
 * The holder renews it with its heartbeats; it expires after the heartbeat grace (a silent holder — a
 * partition — is given up when the provider would be marked silent anyway), and the replica that sees
 * the holder's socket close releases it at once (a crashed process's socket is closed by its kernel).
 */

export type AgentLeaseRole = 'HOLDER' | 'STANDBY';

/**
 * Agents reconnect with back-off capped at this (apps/agent/PROTOCOL.md "Errors"): an agent whose
 * connection attempts failed — its replica went away, the database was down — may take this long to
 * come back.
 */
export const AGENT_MAX_RECONNECT_BACKOFF_SECONDS = 30;

/** One graphql-ws connection of an agent, as the replica serving it knows it. */
export interface AgentConnectionRef {
  /** Chosen by the server per socket. */
  connectionId: string;
  /** The agent process (connectionParams.agentInstanceId; the connection id when it sent none). */
  instanceId: string;
  replicaId: string;
}

export interface LeaseClaim {
  role: AgentLeaseRole;
  /** True when this call took the lease (it was free, expired, or held by an earlier connection of the same process). */
  acquired: boolean;
  /** The provider's status, so a heartbeat that stands by needs no second statement; null: provider gone. */
  providerStatus: ProviderStatus | null;
}

/**
 * Records that the connection is alive and takes or renews the lease for it: it gets the lease when
 * nobody holds it, when it expired, or when it is held by the same agent process on an earlier connection
 * (a process that reconnected, e.g. after its server replica went away, keeps its lease instead of
 * waiting for it to expire). Otherwise the connection is a standby.
 */
export async function claimLease(
  db: Db,
  providerId: string,
  connection: AgentConnectionRef,
  ttlSeconds: number,
): Promise<LeaseClaim> {
  const [row] = await rawRows<{
    status: ProviderStatus;
    holder: boolean;
    acquired: boolean;
  }>(
    db,
    `WITH previous AS (
       SELECT holder_connection_id FROM agent_leases WHERE provider_id = $1::uuid
     ), presence AS (
       INSERT INTO agent_connections (id, provider_id, instance_id, replica_id, connected_at, last_seen_at)
       SELECT $2::uuid, $1::uuid, $3, $4, now(), now() FROM workspace_providers WHERE id = $1::uuid
       ON CONFLICT (id) DO UPDATE SET last_seen_at = now()
     ), lease AS (
       INSERT INTO agent_leases AS l
         (provider_id, holder_connection_id, holder_instance_id, holder_replica_id, acquired_at, expires_at)
       SELECT $1::uuid, $2::uuid, $3, $4, now(), now() + make_interval(secs => $5)
       FROM workspace_providers WHERE id = $1::uuid
       ON CONFLICT (provider_id) DO UPDATE SET
         holder_connection_id = EXCLUDED.holder_connection_id,
         holder_instance_id = EXCLUDED.holder_instance_id,
         holder_replica_id = EXCLUDED.holder_replica_id,
         acquired_at = CASE WHEN l.holder_connection_id = EXCLUDED.holder_connection_id
                            THEN l.acquired_at ELSE now() END,
         expires_at = EXCLUDED.expires_at
       WHERE l.holder_connection_id = EXCLUDED.holder_connection_id
          OR l.holder_instance_id = EXCLUDED.holder_instance_id
          OR l.expires_at <= now()
       RETURNING provider_id
     )
     SELECT p.status::text AS status,
            EXISTS (SELECT 1 FROM lease) AS holder,
            EXISTS (SELECT 1 FROM lease) AND NOT EXISTS (
              SELECT 1 FROM previous WHERE holder_connection_id = $2::uuid
            ) AS acquired
     FROM workspace_providers p WHERE p.id = $1::uuid`,
    [providerId, connection.connectionId, connection.instanceId, connection.replicaId, ttlSeconds],
  );
  if (!row) return { role: 'STANDBY', acquired: false, providerStatus: null };
  return { role: row.holder ? 'HOLDER' : 'STANDBY', acquired: row.acquired, providerStatus: row.status };
}

/**
 * The connection closed: forget it, and release the lease if it held it — unless `keepLease` (this
 * replica is shutting down: the agent reconnects to another replica and takes its lease back there).
 * A released lease keeps its row, expired and still naming the closed connection, until someone takes
 * it: so "nobody took it since" is a fact in the database (leaseStillReleasedBy). Returns the released
 * lease's provider and the database's time of the release, or null.
 */
export async function releaseConnection(
  db: Db,
  connectionId: string,
  keepLease: boolean,
): Promise<{ providerId: string; releasedAt: Date } | null> {
  const [row] = await rawRows<{ providerId: string; releasedAt: Date }>(
    db,
    `WITH gone AS (
       DELETE FROM agent_connections WHERE id = $1::uuid
     ), released AS (
       UPDATE agent_leases SET expires_at = now()
       WHERE holder_connection_id = $1::uuid AND expires_at > now() AND NOT $2::boolean
       RETURNING provider_id
     )
     SELECT provider_id::text AS "providerId", now() AS "releasedAt" FROM released`,
    [connectionId, keepLease],
  );
  return row ?? null;
}

/**
 * This replica is shutting down: the agents it serves are about to lose their sockets and re-home on
 * another replica (they keep their leases, releaseConnection). Until they have — at most the agents'
 * longest reconnect back-off from now, however busy the survivor is with all of them at once — their
 * silence is the control plane's doing, not theirs: the silence monitor (markSilentProviders) passes
 * over leases marked so. The mark is not cleared when the agent claims its lease on its new replica: the
 * claim comes first, its report or heartbeat can wait seconds behind a thousand others, and the agent's
 * silence is still the handover's doing until one of them lands. An agent that re-homes and then dies is
 * blamed once the allowance is over, at most 30 s after its replica stopped.
 */
export async function handOverLeases(db: Db, replicaId: string): Promise<void> {
  await rawRows(
    db,
    `UPDATE agent_leases SET handover_until = now() + make_interval(secs => $2)
     WHERE holder_replica_id = $1 AND expires_at > now()`,
    [replicaId, AGENT_MAX_RECONNECT_BACKOFF_SECONDS],
  );
}

/**
 * Whether the provider's lease is still the one `connectionId` released: nobody — not the same agent
 * reconnected, not a standby, through no replica — has taken it since. Read in the caller's transaction
 * with the row locked: a claim racing with the caller waits for it, or — if first — makes this false.
 */
export async function leaseStillReleasedBy(
  tx: Prisma.TransactionClient,
  providerId: string,
  connectionId: string,
): Promise<boolean> {
  const rows = await tx.$queryRaw<Array<{ released: number }>>`
    SELECT 1 AS released FROM agent_leases
    WHERE provider_id = ${providerId}::uuid AND holder_connection_id = ${connectionId}::uuid
      AND expires_at <= now()
    FOR UPDATE`;
  return rows.length > 0;
}

export interface AgentConnectionView {
  instanceId: string;
  connectedAt: Date;
  lastSeenAt: Date;
  holdsLease: boolean;
}

/**
 * The provider's live agent connections, the lease holder first. A connection counts while it was seen
 * within `graceSeconds` (rows of a replica that died without closing them age out).
 */
export async function agentConnectionsOf(
  db: Db,
  providerId: string,
  graceSeconds: number,
): Promise<AgentConnectionView[]> {
  return rawRows<AgentConnectionView>(
    db,
    `SELECT c.instance_id AS "instanceId", c.connected_at AS "connectedAt", c.last_seen_at AS "lastSeenAt",
            (l.provider_id IS NOT NULL) AS "holdsLease"
     FROM agent_connections c
     LEFT JOIN agent_leases l ON l.holder_connection_id = c.id AND l.expires_at > now()
     WHERE c.provider_id = $1::uuid AND c.last_seen_at > now() - make_interval(secs => $2)
     ORDER BY (l.provider_id IS NOT NULL) DESC, c.connected_at, c.id`,
    [providerId, graceSeconds],
  );
}

/** Rows of connections nobody has seen for a long while (their replica died without closing them). */
export async function purgeStaleConnections(db: Db, olderThanSeconds: number): Promise<void> {
  await rawRows(db, `DELETE FROM agent_connections WHERE last_seen_at < now() - make_interval(secs => $1)`, [
    olderThanSeconds,
  ]);
}
