import DataLoader from 'dataloader';
import { sql } from 'kysely';
import type { Db } from '@outpost/prisma';
import {
  PROVIDER_COLUMNS,
  selectRow,
  STATUS_EVENT_COLUMNS,
  WORKSPACE_COLUMNS,
  type ProviderRow,
  type ProviderStatusEventRow,
  type WorkspaceRow,
} from '../database/rows.js';
import { credentialIsValid } from '../auth/credential-validity.js';
import type { Viewer } from '../graphql/context.js';
import { userMemberships, viewerOf } from '../auth/auth.service.js';
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
 * (visibility/). Nothing is cached across notifications: the next event reads everything again,
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
  private statusEventRead?: Promise<ProviderStatusEventRow | null>;
  private workspaceRead?: Promise<WorkspaceRow | null>;
  private readonly values = new Map<string, unknown>();

  constructor(private readonly db: Db) {
    this.loaders = createLoaders(db);
    this.viewerLoader = new DataLoader((viewers) => reloadViewers(db, viewers), {
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
    // The allowlist comes along as an array: visibility/provider.ts decides from it per viewer.
    this.providerRead ??= this.db
      .selectFrom('workspace_providers')
      .select([
        ...selectRow('workspace_providers', PROVIDER_COLUMNS),
        sql<string[]>`ARRAY(SELECT e.organization_id::text FROM provider_allowlist_entries e
          WHERE e.provider_id = workspace_providers.id)`.as('__allowlist'),
      ])
      .where('id', '=', providerId)
      .executeTakeFirst()
      .then((found) => {
        if (!found) return null;
        const { __allowlist: allowlist, ...row } = found as ProviderRow & { __allowlist: string[] };
        return { row, allowlist };
      });
    return this.providerRead;
  }

  /**
   * The workspace row, deleted ones included, read once for all subscribers; null when it is gone.
   * Who may see it is decided per viewer in memory (visibility/workspace.ts).
   */
  workspace(workspaceId: string): Promise<WorkspaceRow | null> {
    this.workspaceRead ??= this.db
      .selectFrom('workspaces')
      .select(selectRow('workspaces', WORKSPACE_COLUMNS))
      .where('id', '=', workspaceId)
      .executeTakeFirst()
      .then((row) => (row as WorkspaceRow | undefined) ?? null);
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

  statusEvent(id: string): Promise<ProviderStatusEventRow | null> {
    this.statusEventRead ??= this.db
      .selectFrom('provider_status_events')
      .select(selectRow('provider_status_events', STATUS_EVENT_COLUMNS))
      .where('id', '=', id)
      .executeTakeFirst()
      .then((row) => (row as ProviderStatusEventRow | undefined) ?? null);
    return this.statusEventRead;
  }
}

export interface ProviderWithAllowlist {
  row: ProviderRow;
  /** Ids of the organizations allowed to use the provider. */
  allowlist: string[];
}

const batches = new WeakMap<OutpostNotification, DeliveryBatch>();

/** The batch every subscriber of `notification` in this process shares (created by the first to ask). */
export function deliveryBatch(db: Db, notification: OutpostNotification): DeliveryBatch {
  let batch = batches.get(notification);
  if (!batch) {
    batch = new DeliveryBatch(db);
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
async function reloadViewers(db: Db, viewers: readonly Viewer[]): Promise<Array<Viewer | null>> {
  // The viewers holding one kind of credential whose credential failed: missing, no longer valid
  // (credential-validity.ts, on the database's clock), or no longer the user's (it always is:
  // credentials never move). `table` is one of two constants, never input.
  const failedCredentials = async (kind: Viewer['credential']['kind'], table: 'api_tokens' | 'sessions') => {
    const of = viewers.filter((v) => v.credential.kind === kind);
    if (of.length === 0) return [];
    const ids = of.map((v) => v.credential.id).join(',');
    const users = of.map((v) => v.id).join(',');
    return db
      .selectFrom(
        sql<{
          id: string;
          user_id: string;
        }>`unnest(string_to_array(${ids}, ',')::uuid[], string_to_array(${users}, ',')::uuid[])`.as<'c'>(
          sql`c(id, user_id)`,
        ),
      )
      .leftJoin(`${table} as t` as 'api_tokens as t', (join) =>
        join
          .onRef('t.id', '=', sql.ref('c.id'))
          .onRef('t.user_id', '=', sql.ref('c.user_id'))
          .on(credentialIsValid('t')),
      )
      .select(sql<string>`c.id::text`.as('id'))
      .where('t.id', 'is', null)
      .execute();
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
  const users: ViewerUserRow[] = userIds.length
    ? await db
        .selectFrom('users as u')
        .select(['u.id', 'u.email', 'u.name', 'u.site_role as siteRole', userMemberships()])
        .where('u.id', '=', sql<string>`ANY(string_to_array(${userIds.join(',')}, ',')::uuid[])`)
        .execute()
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
