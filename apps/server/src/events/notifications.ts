import pg from 'pg';
import type { Prisma } from '@outpost/prisma';
import { isId } from '../graphql/ids.js';
import { PubSub } from './pubsub.js';

/**
 * Events cross server replicas through PostgreSQL LISTEN/NOTIFY. Payloads carry ids only: receivers
 * re-read the rows, so a subscriber never sees data it would not be allowed to query, and the 8 kB
 * NOTIFY limit never matters. NOTIFY inside a transaction is delivered on commit, so an event is never
 * published for a change that rolled back.
 */
export const NOTIFY_CHANNEL = 'outpost_events';

export const ProviderEventTypes = [
  'CREATED',
  'UPDATED',
  'RENAMED',
  'STATUS_CHANGED',
  'DEFAULT_CHANGED',
  'ALLOWLIST_CHANGED',
  'CORDON_CHANGED',
  'DELETED',
] as const;
export type ProviderEventType = (typeof ProviderEventTypes)[number];

export const WorkspaceEventTypes = ['CREATED', 'UPDATED', 'DELETED'] as const;
export type WorkspaceEventType = (typeof WorkspaceEventTypes)[number];

export interface ProviderNotification {
  topic: 'provider';
  type: ProviderEventType;
  providerId: string;
  statusEventId?: string;
  /**
   * For DELETED and ALLOWLIST_CHANGED: the organizations that could use the provider before the change,
   * so members who lose access still hear about it.
   */
  organizationIds?: string[];
}

export interface WorkspaceNotification {
  topic: 'workspace';
  type: WorkspaceEventType;
  workspaceId: string;
  organizationId: string;
  providerId: string;
}

/**
 * The agent lease of a provider changed hands (agents/agent-lease.ts): RELEASED tells its standby
 * connections to claim it now; ACQUIRED tells an earlier holder that it has lost it.
 */
const AgentLeaseEventTypes = ['RELEASED', 'ACQUIRED'] as const;

export interface AgentLeaseNotification {
  topic: 'agentLease';
  type: (typeof AgentLeaseEventTypes)[number];
  providerId: string;
  /** The connection that released or acquired it. */
  connectionId: string;
}

export type OutpostNotification = ProviderNotification | WorkspaceNotification | AgentLeaseNotification;
/** As delivered: with the id of its event journal entry. */
type JournaledNotification = OutpostNotification & { journalId?: string };

/**
 * Queue a notification in the caller's transaction; PostgreSQL delivers it to every replica on commit.
 * It is also written to the event journal in the same statement, under the id it is delivered with, so a
 * replica that was not listening when it was committed can replay it (NotificationListener).
 */
export async function notify(tx: Prisma.TransactionClient, notification: OutpostNotification): Promise<void> {
  await tx.$executeRaw`
    WITH entry AS (
      INSERT INTO event_journal (payload) VALUES (${JSON.stringify(notification)}::jsonb) RETURNING id, payload
    )
    SELECT pg_notify(${NOTIFY_CHANNEL}, jsonb_set(entry.payload, '{journalId}', to_jsonb(entry.id::text))::text)
    FROM entry`;
}

export type NotificationTopics = {
  provider: ProviderNotification;
  workspace: WorkspaceNotification;
  agentLease: AgentLeaseNotification;
};
export type NotificationPubSub = PubSub<NotificationTopics>;

/** The in-process fan-out that the LISTEN connection feeds and subscriptions read. */
export function createNotificationPubSub(): NotificationPubSub {
  return new PubSub<NotificationTopics>();
}

export const LISTENER_NAME = 'outpost-listener';
/** How often the LISTEN connection notes the database's clock, bounding what a reconnect must replay. */
const CHECKPOINT_MS = 5_000;
/**
 * Journal entries are stamped with their transaction's start, not its commit: replay from this much
 * before the checkpoint, so a transaction that started earlier but committed during the gap is included.
 */
const REPLAY_MARGIN_SECONDS = 10;
/** Journal entries older than this are deleted. */
const JOURNAL_RETENTION_MINUTES = 10;
/** Journal ids already published, so an entry both delivered live and replayed is published once. */
const REMEMBERED_ENTRIES = 20_000;

/**
 * One LISTEN connection per server process, fanned out to local subscribers through an in-memory PubSub.
 * If the connection drops it reconnects with back-off capped at one second, so subscribers hear again
 * within about a second of PostgreSQL coming back.
 *
 * NOTIFY is fire-and-forget: a notification committed while this replica was not listening would be
 * gone. Every notification is therefore also an event journal row (see `notify`), and after a reconnect
 * the entries committed since the last checkpoint that this replica has not published are published
 * then, in journal order — nothing is lost to a dropped connection or a database restart.
 *
 * `stop()` may come at any point of a reconnect: the client being connected is ended too, and every
 * step of `connect` looks at `stopped` again after each wait, so a stopped listener leaves no LISTEN
 * connection and no timer behind.
 */
export class NotificationListener {
  /** The connection that is listening (set once LISTEN succeeded). */
  private client: pg.Client | null = null;
  /** A connection being opened (connect → LISTEN), so `stop()` can end it before it is listening. */
  private connecting: pg.Client | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private checkpoints = 0;
  /** The database's clock when this replica last knew it was listening. */
  private listeningAt: Date | null = null;
  private readonly published = new Set<string>();
  private readonly log: (line: string) => void;

  constructor(
    private readonly connectionString: string,
    readonly pubSub: NotificationPubSub,
    options: { log?: (line: string) => void } = {},
  ) {
    this.log = options.log ?? (() => undefined);
  }

  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.stopCheckpoints();
    const clients = [this.client, this.connecting];
    this.client = null;
    this.connecting = null;
    await Promise.all(clients.map((client) => client?.end().catch(() => undefined)));
  }

  private async connect(): Promise<void> {
    // Named, so operators (and tests) can find it in pg_stat_activity.
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: LISTENER_NAME,
    });
    client.on('notification', (message) => this.dispatch(message.payload));
    client.on('error', () => this.scheduleReconnect(client));
    client.on('end', () => this.scheduleReconnect(client));
    this.connecting = client;
    try {
      await client.connect();
      if (!this.stopped) await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (error) {
      client.end().catch(() => undefined);
      throw error;
    } finally {
      if (this.connecting === client) this.connecting = null;
    }
    // stop() came while connecting: it could not know this client would still be needed.
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    const replayFrom = this.listeningAt;
    this.client = client;
    this.attempt = 0;
    // Replay before the first checkpoint: if the replay fails (the database flapping), closing this
    // connection schedules the next reconnect, which replays from the same point again. Entries
    // arriving live meanwhile are deduplicated.
    try {
      if (replayFrom) await this.replayJournal(client, replayFrom);
      await this.checkpoint(client);
    } catch {
      client.end().catch(() => undefined);
      return;
    }
    // Stopped, or lost and being replaced, during the replay: that connection's timer is not wanted.
    if (this.client !== client) return;
    this.stopCheckpoints();
    this.checkpointTimer = setInterval(
      () => void this.checkpoint(client).catch(() => undefined),
      CHECKPOINT_MS,
    );
    this.checkpointTimer.unref();
  }

  private stopCheckpoints(): void {
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    this.checkpointTimer = null;
  }

  private async checkpoint(client: pg.Client): Promise<void> {
    const { rows } = await client.query<{ now: Date }>('SELECT now() AS now');
    if (this.client !== client) return;
    this.listeningAt = rows[0]!.now;
    // Every replica prunes, about once a minute each; deleting what another just deleted is harmless.
    if (++this.checkpoints % 12 === 0) {
      await client.query(
        `DELETE FROM event_journal WHERE at < now() - make_interval(mins => ${JOURNAL_RETENTION_MINUTES})`,
      );
    }
  }

  /** Publishes the journal entries committed since `since` that this replica has not published. */
  private async replayJournal(client: pg.Client, since: Date): Promise<void> {
    const { rows } = await client.query<{ id: string; payload: unknown }>(
      `SELECT id::text, payload FROM event_journal
       WHERE at >= $1::timestamptz - make_interval(secs => $2) ORDER BY id`,
      [since, REPLAY_MARGIN_SECONDS],
    );
    for (const row of rows) {
      const notification = toNotification(row.payload);
      if (notification) this.publish({ ...notification, journalId: row.id });
      else this.log(`event journal entry ${row.id} is not an Outpost notification; skipped`);
    }
  }

  private scheduleReconnect(failed: pg.Client): void {
    if (this.stopped || this.client !== failed) return;
    this.client = null;
    this.stopCheckpoints();
    failed.end().catch(() => undefined);
    this.retryLater();
  }

  private retryLater(): void {
    const delay = Math.min(1_000, 100 * 2 ** this.attempt++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect().catch(() => {
        if (!this.stopped) this.retryLater();
      });
    }, delay);
  }

  /**
   * Runs inside pg's socket handler: anything thrown here would be an uncaught exception. Anyone who
   * may connect to the database can NOTIFY on the channel, so a payload that is not one of ours is
   * logged and skipped, and the ones after it are delivered as usual.
   */
  private dispatch(payload: string | undefined): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload ?? '');
    } catch {
      parsed = undefined;
    }
    const notification = toNotification(parsed);
    if (!notification) {
      this.log(`skipped a malformed notification on ${NOTIFY_CHANNEL}: ${preview(payload)}`);
      return;
    }
    // notify() stamps the journal entry's id (a bigint, as text) onto what it sends.
    const journalId = (parsed as { journalId?: unknown }).journalId;
    const journaled = typeof journalId === 'string' && /^[0-9]{1,19}$/.test(journalId);
    this.publish({ ...notification, ...(journaled ? { journalId } : {}) });
  }

  private publish(notification: JournaledNotification): void {
    const { journalId, ...event } = notification;
    if (journalId) {
      if (this.published.has(journalId)) return;
      this.published.add(journalId);
      // A Set iterates in insertion order: the first entry is the oldest.
      if (this.published.size > REMEMBERED_ENTRIES)
        this.published.delete(this.published.values().next().value!);
    }
    if (event.topic === 'provider') this.pubSub.publish('provider', event);
    else if (event.topic === 'agentLease') this.pubSub.publish('agentLease', event);
    else this.pubSub.publish('workspace', event);
  }
}

const isOneOf = <T extends string>(values: readonly T[], value: unknown): value is T =>
  (values as readonly unknown[]).includes(value);

/**
 * The notification a payload describes, with exactly the fields subscribers read, or null when it is
 * not one `notify` could have sent (receivers re-read rows by these ids, so the ids must be ids).
 */
export function toNotification(value: unknown): OutpostNotification | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.topic === 'provider') {
    if (!isOneOf(ProviderEventTypes, v.type) || !isId(v.providerId)) return null;
    if (v.statusEventId !== undefined && !isId(v.statusEventId)) return null;
    const organizationIds = v.organizationIds as unknown[] | undefined;
    if (organizationIds !== undefined && !(Array.isArray(organizationIds) && organizationIds.every(isId)))
      return null;
    return {
      topic: 'provider',
      type: v.type,
      providerId: v.providerId,
      ...(v.statusEventId !== undefined ? { statusEventId: v.statusEventId } : {}),
      ...(organizationIds !== undefined ? { organizationIds: organizationIds as string[] } : {}),
    };
  }
  if (v.topic === 'workspace') {
    if (!isOneOf(WorkspaceEventTypes, v.type)) return null;
    if (!isId(v.workspaceId) || !isId(v.organizationId) || !isId(v.providerId)) return null;
    return {
      topic: 'workspace',
      type: v.type,
      workspaceId: v.workspaceId,
      organizationId: v.organizationId,
      providerId: v.providerId,
    };
  }
  if (v.topic === 'agentLease') {
    if (!isOneOf(AgentLeaseEventTypes, v.type) || !isId(v.providerId) || !isId(v.connectionId)) return null;
    return { topic: 'agentLease', type: v.type, providerId: v.providerId, connectionId: v.connectionId };
  }
  return null;
}

function preview(payload: string | undefined): string {
  if (payload === undefined) return '(no payload)';
  return payload.length > 200 ? `${JSON.stringify(payload.slice(0, 200))}…` : JSON.stringify(payload);
}
