import DataLoader from 'dataloader';
import type { PrismaClient, ProviderStatusEvent, WorkspaceProvider } from '@outpost/prisma';
import type { Viewer } from '../graphql/context.js';
import { viewerOf } from '../auth/auth.service.js';
import { createLoaders, type Loaders } from '../graphql/loaders.js';
import type { OutpostNotification } from './notifications.js';

/**
 * One notification fans out to every subscriber of this process at once, and every subscriber
 * re-authorizes and re-reads the rows at delivery. Done one subscriber at a time that is a handful of
 * statements per subscriber per event — 15,000 statements for 5,000 open consoles, far beyond what a
 * 20-connection pool answers in the ~150 ms an event may take.
 *
 * A DeliveryBatch is what the subscribers of ONE notification share: the rows are still read at
 * delivery (after the commit that sent the notification) and credentials are still checked at every
 * event, but each is read once per notification with batched statements, so the statements per event
 * do not grow with the number of subscribers. Visibility is then decided in memory per viewer
 * (see canSeeProvider). Nothing is cached across notifications: the next event reads everything again,
 * so a revoked credential or removed membership still takes effect at the next event.
 *
 * Batches are keyed by the notification object, which the in-process PubSub hands unchanged to every
 * subscriber, and held in a WeakMap, so a batch lives exactly as long as some subscriber is still
 * delivering its notification.
 */
export class DeliveryBatch {
  /**
   * Field resolvers' batch loaders, shared by every subscriber's execution of this event. They are
   * viewer-independent (keyed by row ids; per-viewer filtering happens in the resolvers), so sharing
   * them only removes duplicate reads.
   */
  readonly loaders: Loaders;
  private readonly viewerLoader: DataLoader<Viewer, Viewer | null, string>;
  private providerRead?: Promise<ProviderWithAllowlist | null>;
  private statusEventRead?: Promise<ProviderStatusEvent | null>;
  private readonly values = new Map<string, unknown>();

  constructor(private readonly prisma: PrismaClient) {
    this.loaders = createLoaders(prisma);
    this.viewerLoader = new DataLoader((viewers) => reloadViewers(prisma, viewers), {
      cacheKeyFn: (viewer) => `${viewer.credential.kind}:${viewer.credential.id}`,
      // Keeps each `IN (…)` list well below PostgreSQL's 65,535 bind parameters per statement.
      maxBatchSize: 10_000,
    });
  }

  /** The viewer re-read from its credential, or null when the credential was revoked or expired (or the user is gone). */
  reloadViewer(viewer: Viewer): Promise<Viewer | null> {
    return this.viewerLoader.load(viewer);
  }

  /** The provider row and its allowlist, read once for all subscribers; null when deleted. */
  provider(providerId: string): Promise<ProviderWithAllowlist | null> {
    this.providerRead ??= this.prisma.workspaceProvider
      .findUnique({
        where: { id: providerId },
        include: { allowlistEntries: { select: { organizationId: true } } },
      })
      .then((found) => {
        if (!found) return null;
        const { allowlistEntries, ...row } = found;
        return { row, allowlist: allowlistEntries.map((entry) => entry.organizationId) };
      });
    return this.providerRead;
  }

  /**
   * One value per key for all subscribers of the notification: the event payloads, so that subscribers
   * in the same situation receive the very same object (which shared-execution.ts keys its results on).
   */
  shared<T>(key: string, make: () => T): T {
    if (!this.values.has(key)) this.values.set(key, make());
    return this.values.get(key) as T;
  }

  statusEvent(id: string): Promise<ProviderStatusEvent | null> {
    this.statusEventRead ??= this.prisma.providerStatusEvent.findUnique({ where: { id } });
    return this.statusEventRead;
  }
}

export interface ProviderWithAllowlist {
  row: WorkspaceProvider;
  /** Ids of the organizations allowed to use the provider. */
  allowlist: string[];
}

const batches = new WeakMap<OutpostNotification, DeliveryBatch>();

/** The batch every subscriber of `notification` in this process shares (created by the first to ask). */
export function deliveryBatch(prisma: PrismaClient, notification: OutpostNotification): DeliveryBatch {
  let batch = batches.get(notification);
  if (!batch) {
    batch = new DeliveryBatch(prisma);
    batches.set(notification, batch);
  }
  return batch;
}

/**
 * reloadViewer (auth.service.ts) for many viewers at once: three statements (API tokens, sessions,
 * users with their memberships) however many subscribers there are, with the same rules — a missing,
 * revoked or expired credential, or a deleted user, yields null.
 */
async function reloadViewers(
  prisma: PrismaClient,
  viewers: readonly Viewer[],
): Promise<Array<Viewer | null>> {
  const now = new Date();
  const idsOf = (kind: Viewer['credential']['kind']) => [
    ...new Set(viewers.filter((v) => v.credential.kind === kind).map((v) => v.credential.id)),
  ];
  const tokenIds = idsOf('apiToken');
  const sessionIds = idsOf('session');
  const [tokens, sessions] = await Promise.all([
    tokenIds.length ? prisma.apiToken.findMany({ where: { id: { in: tokenIds } } }) : [],
    sessionIds.length ? prisma.session.findMany({ where: { id: { in: sessionIds } } }) : [],
  ]);
  const valid = (credential: { revokedAt: Date | null; expiresAt: Date | null }) =>
    !credential.revokedAt && !(credential.expiresAt && credential.expiresAt <= now);
  const credentialUser = new Map<string, string>();
  for (const token of tokens) if (valid(token)) credentialUser.set(`apiToken:${token.id}`, token.userId);
  for (const session of sessions)
    if (valid(session)) credentialUser.set(`session:${session.id}`, session.userId);

  const userIds = [...new Set(credentialUser.values())];
  const users = userIds.length
    ? await prisma.user.findMany({ where: { id: { in: userIds } }, include: { memberships: true } })
    : [];
  const usersById = new Map(users.map((user) => [user.id, user]));

  return viewers.map((viewer) => {
    const userId = credentialUser.get(`${viewer.credential.kind}:${viewer.credential.id}`);
    // The credential must still belong to the viewer it authenticated (it always does: credentials never move).
    const user = userId === viewer.id ? usersById.get(userId) : undefined;
    return user ? viewerOf(user, viewer.credential) : null;
  });
}
