import DataLoader from 'dataloader';
import type {
  OrganizationRole,
  Organization as OrganizationRow,
  PrismaClient,
  ProviderStatusEvent,
  WorkspaceProvider as ProviderRow,
} from '@outpost/prisma';
import { sqlReader } from '../database/sql.js';
import { providerSelectList } from '../providers/provider.service.js';

/**
 * Per-request batch loaders: the providers list with nested allowlists, counts and history, and the
 * organizations list with members and allowed providers, run a fixed number of SQL statements however
 * many rows are on the page (tested in providers-list.test.ts and organizations-list.test.ts).
 */
export interface Loaders {
  organization: DataLoader<string, OrganizationRow | null>;
  allowlistByProvider: DataLoader<string, OrganizationRow[]>;
  workspaceCountsByProvider: DataLoader<string, Map<string, number>>;
  /** Key: `${providerId}:${first}`. */
  statusHistory: DataLoader<string, ProviderStatusEvent[]>;
  /** An organization's members, by email. */
  membersByOrganization: DataLoader<string, OrganizationMemberRow[]>;
  /** The providers whose allowlist has the organization: the default first, then by name. */
  allowedProvidersByOrganization: DataLoader<string, ProviderRow[]>;
}

export interface OrganizationMemberRow {
  /** The organization's members (and site staff) may read the row (authorization/decisions.ts). */
  organizationId: string;
  userId: string;
  email: string;
  name: string;
  role: OrganizationRole;
}

export function createLoaders(prisma: PrismaClient): Loaders {
  // Batch loaders use hand-written SQL with `= ANY($1::uuid[])`, sent through the pool without Prisma: its
  // query compiler runs on every call, raw ones included, and was a large part of the providers list's CPU
  // (bench/providers-list.mjs).
  const rowsOf = sqlReader(prisma);
  return {
    organization: new DataLoader(async (ids) => {
      const rows = await rowsOf<OrganizationRow>(
        `SELECT id, name, slug, created_at AS "createdAt", updated_at AS "updatedAt"
         FROM organizations WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),

    allowlistByProvider: new DataLoader(async (providerIds) => {
      const rows = await rowsOf<OrganizationRow & { providerId: string }>(
        `SELECT e.provider_id AS "providerId", o.id, o.name, o.slug, o.created_at AS "createdAt", o.updated_at AS "updatedAt"
         FROM provider_allowlist_entries e JOIN organizations o ON o.id = e.organization_id
         WHERE e.provider_id = ANY($1::uuid[])
         ORDER BY o.name`,
        [providerIds],
      );
      const byProvider = groupBy(rows, (row) => row.providerId);
      return providerIds.map((id) => byProvider.get(id) ?? []);
    }),

    workspaceCountsByProvider: new DataLoader(async (providerIds) => {
      const rows = await rowsOf<{ providerId: string; organizationId: string; count: number }>(
        `SELECT provider_id AS "providerId", organization_id AS "organizationId", count(*)::int AS count
         FROM workspaces
         WHERE provider_id = ANY($1::uuid[]) AND desired_state <> 'DELETED'
         GROUP BY provider_id, organization_id`,
        [providerIds],
      );
      const byProvider = groupBy(rows, (row) => row.providerId);
      return providerIds.map(
        (id) => new Map((byProvider.get(id) ?? []).map((row) => [row.organizationId, row.count])),
      );
    }),

    membersByOrganization: new DataLoader(async (organizationIds) => {
      const rows = await rowsOf<OrganizationMemberRow & { organizationId: string }>(
        `SELECT m.organization_id AS "organizationId", u.id AS "userId", u.email, u.name, m.role::text AS role
         FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.organization_id = ANY($1::uuid[])
         ORDER BY u.email`,
        [organizationIds],
      );
      const byOrganization = groupBy(rows, (row) => row.organizationId);
      return organizationIds.map((id) =>
        (byOrganization.get(id) ?? []).map(({ organizationId, userId, email, name, role }) => ({
          organizationId,
          userId,
          email,
          name,
          role,
        })),
      );
    }),

    allowedProvidersByOrganization: new DataLoader(async (organizationIds) => {
      const rows = await rowsOf<ProviderRow & { organizationId: string }>(
        `SELECT e.organization_id AS "organizationId", ${providerSelectList('p')}
         FROM provider_allowlist_entries e JOIN workspace_providers p ON p.id = e.provider_id
         WHERE e.organization_id = ANY($1::uuid[])
         ORDER BY p.is_default DESC, p.name`,
        [organizationIds],
      );
      const byOrganization = groupBy(rows, (row) => row.organizationId);
      return organizationIds.map((id) =>
        (byOrganization.get(id) ?? []).map(({ organizationId: _, ...provider }) => provider),
      );
    }),

    statusHistory: new DataLoader(async (keys) => {
      // Keys sharing one `first` are fetched together: one statement per page size. Each provider's newest
      // `first` come straight from the (provider_id, at DESC) index through a LATERAL LIMIT; a window
      // function over all of the page's events read and sorted every event of those providers.
      const byLimit = new Map<number, string[]>();
      for (const key of keys) {
        const [providerId, first] = key.split(':') as [string, string];
        const group = byLimit.get(Number(first));
        if (group) group.push(providerId);
        else byLimit.set(Number(first), [providerId]);
      }
      const results = new Map<string, ProviderStatusEvent[]>();
      for (const [first, providerIds] of byLimit) {
        const rows = await rowsOf<ProviderStatusEvent>(
          `SELECT e.id, e.provider_id AS "providerId", e.from_status::text AS "fromStatus",
                  e.to_status::text AS "toStatus", e.message, e.at
           FROM unnest($1::uuid[]) AS p(id) CROSS JOIN LATERAL (
             SELECT id, provider_id, from_status, to_status, message, at FROM provider_status_events
             WHERE provider_id = p.id ORDER BY at DESC, id DESC LIMIT $2::int
           ) e
           ORDER BY e.at DESC, e.id DESC`,
          [providerIds, first],
        );
        const byProvider = groupBy(rows, (row) => row.providerId);
        for (const providerId of providerIds) {
          results.set(`${providerId}:${first}`, byProvider.get(providerId) ?? []);
        }
      }
      return keys.map((key) => results.get(key) ?? []);
    }),
  };
}

/** Rows by key, in their order: one pass instead of a filter per key. */
function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}
