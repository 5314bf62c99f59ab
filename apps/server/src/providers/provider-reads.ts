import { sql, type SqlBool } from 'kysely';
import type { Db, DbOrTransaction, Prisma, ProviderStatus } from '@outpost/prisma';
import { PROVIDER_COLUMNS, selectRow, type ProviderRow } from '../database/rows.js';
import { queryBuilder } from '../database/sql.js';
import { providerVisibility, usableProvider } from '../visibility/provider.js';
import type { Viewer } from '../graphql/context.js';
import { notFound } from '../graphql/errors.js';

// Reading providers: every list and lookup goes through the visibility rules of visibility/provider.ts,
// so what a read returns is what the viewer may see. The changes and their rules are in provider-rules.ts.

const PROVIDER_SELECT = selectRow('workspace_providers', PROVIDER_COLUMNS);

/**
 * One page of the providers the viewer may see (visibility/provider.ts), ordered by name, and how many
 * match in all. `take` rows at most, after the provider named `afterName`.
 */
export async function listVisibleProviders(
  db: Db,
  viewer: Viewer,
  { take, afterName, status }: { take: number; afterName?: string; status?: ProviderStatus | null },
): Promise<{ rows: ProviderRow[]; totalCount: number }> {
  let matching = db.selectFrom('workspace_providers').where(providerVisibility.where(viewer));
  if (status) matching = matching.where('status', '=', status);
  const page = afterName === undefined ? matching : matching.where('name', '>', afterName);
  const [rows, count] = await Promise.all([
    page.select(PROVIDER_SELECT).orderBy('name').limit(take).execute() as Promise<ProviderRow[]>,
    matching.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst(),
  ]);
  return { rows, totalCount: Number(count?.n ?? 0) };
}

/** One provider the viewer may see, by id or by name; NOT_FOUND (the same for hidden and missing) otherwise. */
export async function findVisibleProvider(
  db: DbOrTransaction,
  viewer: Viewer,
  by: { id?: string | null; name?: string | null },
): Promise<ProviderRow> {
  const provider = (await db
    .selectFrom('workspace_providers')
    .select(PROVIDER_SELECT)
    .where(by.id ? sql<SqlBool>`id = ${by.id}::uuid` : sql<SqlBool>`name = ${by.name ?? ''}`)
    .where(providerVisibility.where(viewer))
    .executeTakeFirst()) as ProviderRow | undefined;
  if (!provider) throw notFound('Workspace provider', by.id ?? by.name ?? '');
  return provider;
}

/**
 * Providers an organization may create workspaces in right now (visibility/provider.ts usableProvider),
 * the default first (for refusals' suggestions). Read in the caller's transaction, through Kysely
 * compiled onto it.
 */
export async function usableProvidersFor(
  tx: Prisma.TransactionClient,
  organizationId: string,
  excludeProviderId?: string,
): Promise<Array<{ id: string; name: string }>> {
  let query = queryBuilder
    .selectFrom('workspace_providers')
    .select(['id', 'name'])
    .where(usableProvider.where(organizationId));
  if (excludeProviderId) query = query.where('id', '<>', excludeProviderId);
  const compiled = query.orderBy('is_default', 'desc').orderBy('name').compile();
  return tx.$queryRawUnsafe<Array<{ id: string; name: string }>>(compiled.sql, ...compiled.parameters);
}
