import DataLoader from 'dataloader';
import { sql } from 'kysely';
import type { Db, OrganizationRole } from '@outpost/prisma';
import {
  ORGANIZATION_COLUMNS,
  PROVIDER_COLUMNS,
  selectRow,
  type OrganizationRow,
  type ProviderRow,
  type ProviderStatusEventRow,
} from '../database/rows.js';

/**
 * Per-request batch loaders: the providers list with nested allowlists, counts and history, and the
 * organizations list with members and allowed providers, run a fixed number of SQL statements however
 * many rows are on the page (tested in providers-list.test.ts and organizations-list.test.ts).
 * Viewer-independent (keyed by row ids): the fields that use them decide visibility (visibility/).
 */
export interface Loaders {
  organization: DataLoader<string, OrganizationRow | null>;
  allowlistByProvider: DataLoader<string, OrganizationRow[]>;
  workspaceCountsByProvider: DataLoader<string, Map<string, number>>;
  /** Key: `${providerId}:${first}`. */
  statusHistory: DataLoader<string, ProviderStatusEventRow[]>;
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

export function createLoaders(db: Db): Loaders {
  return {
    organization: new DataLoader(async (ids) => {
      const rows = (await db
        .selectFrom('organizations')
        .select(selectRow('organizations', ORGANIZATION_COLUMNS))
        .where('id', '=', sql<string>`ANY(${ids}::uuid[])`)
        .execute()) as OrganizationRow[];
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),

    allowlistByProvider: new DataLoader(async (providerIds) => {
      const rows = (await db
        .selectFrom('provider_allowlist_entries as e')
        .innerJoin('organizations', 'organizations.id', 'e.organization_id')
        .select(['e.provider_id as providerId', ...selectRow('organizations', ORGANIZATION_COLUMNS)])
        .where('e.provider_id', '=', sql<string>`ANY(${providerIds}::uuid[])`)
        .orderBy('organizations.name')
        .execute()) as Array<OrganizationRow & { providerId: string }>;
      const byProvider = groupBy(rows, (row) => row.providerId);
      return providerIds.map((id) =>
        (byProvider.get(id) ?? []).map(({ providerId: _, ...organization }) => organization),
      );
    }),

    workspaceCountsByProvider: new DataLoader(async (providerIds) => {
      const rows = await db
        .selectFrom('workspaces')
        .select((eb) => [
          'provider_id as providerId',
          'organization_id as organizationId',
          eb.fn.countAll<number>().as('count'),
        ])
        .where('provider_id', '=', sql<string>`ANY(${providerIds}::uuid[])`)
        .where('desired_state', '<>', 'DELETED')
        .groupBy(['provider_id', 'organization_id'])
        .execute();
      const byProvider = groupBy(rows, (row) => row.providerId);
      return providerIds.map(
        (id) => new Map((byProvider.get(id) ?? []).map((row) => [row.organizationId, Number(row.count)])),
      );
    }),

    membersByOrganization: new DataLoader(async (organizationIds) => {
      const rows = await db
        .selectFrom('memberships as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(['m.organization_id as organizationId', 'u.id as userId', 'u.email', 'u.name', 'm.role'])
        .where('m.organization_id', '=', sql<string>`ANY(${organizationIds}::uuid[])`)
        .orderBy('u.email')
        .execute();
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
      const rows = (await db
        .selectFrom('provider_allowlist_entries as e')
        .innerJoin('workspace_providers', 'workspace_providers.id', 'e.provider_id')
        .select([
          'e.organization_id as organizationId',
          ...selectRow('workspace_providers', PROVIDER_COLUMNS),
        ])
        .where('e.organization_id', '=', sql<string>`ANY(${organizationIds}::uuid[])`)
        .orderBy('workspace_providers.is_default', 'desc')
        .orderBy('workspace_providers.name')
        .execute()) as Array<ProviderRow & { organizationId: string }>;
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
      const results = new Map<string, ProviderStatusEventRow[]>();
      for (const [first, providerIds] of byLimit) {
        const rows = await db
          // A function in FROM aliased `p` names its one column `p` too.
          .selectFrom(sql<{ p: string }>`unnest(${providerIds}::uuid[])`.as('p'))
          .innerJoinLateral(
            (eb) =>
              eb
                .selectFrom('provider_status_events')
                .select([
                  'id',
                  'provider_id as providerId',
                  'from_status as fromStatus',
                  'to_status as toStatus',
                  'message',
                  'at',
                ])
                .whereRef('provider_id', '=', sql.ref('p.p'))
                .orderBy('at', 'desc')
                .orderBy('id', 'desc')
                .limit(first)
                .as('e'),
            (join) => join.onTrue(),
          )
          .selectAll('e')
          .orderBy('e.at', 'desc')
          .orderBy('e.id', 'desc')
          .execute();
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
