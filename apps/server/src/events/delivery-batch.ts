import DataLoader from 'dataloader';
import {
  Prisma,
  type PrismaClient,
  type ProviderStatusEvent,
  type Workspace,
  type WorkspaceProvider,
} from '@outpost/prisma';
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
  private workspaceRead?: Promise<Workspace | null>;
  private readonly values = new Map<string, unknown>();

  constructor(private readonly prisma: PrismaClient) {
    this.loaders = createLoaders(prisma);
    this.viewerLoader = new DataLoader((viewers) => reloadViewers(prisma, viewers), {
      cacheKeyFn: (viewer) => `${viewer.credential.kind}:${viewer.credential.id}`,
      // Bounds the id list each statement sends.
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
   * The workspace row, deleted ones included, read once for all subscribers; null when it is gone.
   * Who may see it is decided per viewer in memory (canSeeWorkspace).
   */
  workspace(workspaceId: string): Promise<Workspace | null> {
    this.workspaceRead ??= this.prisma.workspace.findUnique({ where: { id: workspaceId } });
    return this.workspaceRead;
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
 * revoked or expired credential, a credential of another user, or a deleted user, yields null.
 *
 * Raw SQL rather than Prisma's query builder: the builder compiles every call anew, and with one id per
 * subscriber that took ~14 µs per subscriber per event (35 ms of CPU for 2,500 subscribers), a quarter
 * of what a delivery cost. The credential statements return only the credentials that fail, so a
 * healthy fan-out reads no rows back; ids go as one comma-separated text parameter, half the cost of an
 * array parameter at these sizes.
 */
async function reloadViewers(
  prisma: PrismaClient,
  viewers: readonly Viewer[],
): Promise<Array<Viewer | null>> {
  const now = new Date();
  // The viewers holding one kind of credential whose credential failed: missing, revoked, expired, or no
  // longer the user's (it always is: credentials never move). `table` is one of two constants, never input.
  const failedCredentials = async (kind: Viewer['credential']['kind'], table: 'api_tokens' | 'sessions') => {
    const of = viewers.filter((v) => v.credential.kind === kind);
    if (of.length === 0) return [];
    const ids = of.map((v) => v.credential.id).join(',');
    const users = of.map((v) => v.id).join(',');
    return prisma.$queryRaw<Array<{ id: string }>>`
      SELECT c.id::text AS id
      FROM unnest(string_to_array(${ids}, ',')::uuid[], string_to_array(${users}, ',')::uuid[])
        AS c(id, user_id)
      LEFT JOIN ${Prisma.raw(table)} t ON t.id = c.id AND t.user_id = c.user_id AND t.revoked_at IS NULL
        AND (t.expires_at IS NULL OR t.expires_at > ${now})
      WHERE t.id IS NULL`;
  };
  const [failedTokens, failedSessions] = await Promise.all([
    failedCredentials('apiToken', 'api_tokens'),
    failedCredentials('session', 'sessions'),
  ]);
  const failed = new Set([
    ...failedTokens.map((row) => `apiToken:${row.id}`),
    ...failedSessions.map((row) => `session:${row.id}`),
  ]);
  const valid = viewers.map(
    (v) => failed.size === 0 || !failed.has(`${v.credential.kind}:${v.credential.id}`),
  );

  const userIds = [...new Set(viewers.filter((_, i) => valid[i]).map((v) => v.id))];
  const users = userIds.length
    ? await prisma.$queryRaw<ViewerUserRow[]>`
        SELECT u.id::text AS id, u.email, u.name, u.site_role::text AS "siteRole",
          COALESCE(json_agg(json_build_object('organizationId', m.organization_id, 'role', m.role))
            FILTER (WHERE m.user_id IS NOT NULL), '[]'::json) AS memberships
        FROM users u LEFT JOIN memberships m ON m.user_id = u.id
        WHERE u.id = ANY(string_to_array(${userIds.join(',')}, ',')::uuid[])
        GROUP BY u.id`
    : [];
  const usersById = new Map(users.map((user) => [user.id, user]));

  // A user's viewers (a console per tab, or the benchmark's thousands) are copies of the first one with
  // their own credential: they share its organizationRoles map instead of each building one.
  const firstViewerOf = new Map<string, Viewer>();
  return viewers.map((viewer, i) => {
    const user = valid[i] ? usersById.get(viewer.id) : undefined;
    if (!user) return null;
    const first = firstViewerOf.get(user.id);
    if (first) return { ...first, credential: viewer.credential };
    const built = viewerOf(user, viewer.credential);
    firstViewerOf.set(user.id, built);
    return built;
  });
}

/** What viewerOf needs of a user, as reloadViewers reads it. */
type ViewerUserRow = Parameters<typeof viewerOf>[0];
