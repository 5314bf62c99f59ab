import pg from 'pg';
import { createPubSub, type PubSub } from '@graphql-yoga/subscription';
import type { Prisma } from '@outpost/prisma';

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

export type OutpostNotification = ProviderNotification | WorkspaceNotification;

/** Queue a notification in the caller's transaction; PostgreSQL delivers it to every replica on commit. */
export async function notify(tx: Prisma.TransactionClient, notification: OutpostNotification): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${NOTIFY_CHANNEL}, ${JSON.stringify(notification)})`;
}

export type NotificationTopics = { provider: [ProviderNotification]; workspace: [WorkspaceNotification] };
export type NotificationPubSub = PubSub<NotificationTopics>;

/** The in-process fan-out that the LISTEN connection feeds and subscriptions read. */
export function createNotificationPubSub(): NotificationPubSub {
  return createPubSub<NotificationTopics>();
}

/**
 * One LISTEN connection per server process, fanned out to local subscribers through an in-memory PubSub.
 * If the connection drops it reconnects with capped back-off.
 */
export class NotificationListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempt = 0;

  constructor(
    private readonly connectionString: string,
    readonly pubSub: NotificationPubSub,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('notification', (message) => this.dispatch(message.payload));
    client.on('error', () => this.scheduleReconnect(client));
    client.on('end', () => this.scheduleReconnect(client));
    await client.connect();
    await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    this.client = client;
    this.attempt = 0;
  }

  private scheduleReconnect(failed: pg.Client): void {
    if (this.stopped || this.client !== failed) return;
    this.client = null;
    failed.end().catch(() => undefined);
    const delay = Math.min(5_000, 100 * 2 ** this.attempt++);
    this.retryTimer = setTimeout(() => {
      this.connect().catch(() => {
        this.client = failed; // so the next failure is recognised and retried
        this.scheduleReconnect(failed);
      });
    }, delay);
  }

  private dispatch(payload: string | undefined): void {
    if (!payload) return;
    const notification = JSON.parse(payload) as OutpostNotification;
    if (notification.topic === 'provider') this.pubSub.publish('provider', notification);
    else this.pubSub.publish('workspace', notification);
  }
}
