import { sql, type AliasedRawBuilder, type Selectable } from 'kysely';
import type { Tables } from '@outpost/prisma';

/** `display_name` → `displayName`, as Prisma names a column's field. */
type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/** A table's row with Prisma's field names, typed from the generated Kysely types (schema.prisma). */
export type RowOf<T> = { [K in keyof Selectable<T> & string as CamelCase<K>]: Selectable<T>[K] };

/**
 * Field → column, for every column of the table: the key set is checked against the generated types
 * both ways, so a new column fails to compile until it is added (and then arrives in every read).
 */
export type ColumnsOf<T> = { [K in keyof Selectable<T> & string as CamelCase<K>]: K };

/**
 * A select list giving a whole row under its field names, for `table` (qualified, as statements
 * that join read it). The builder cannot type a list computed from an object, so its rows are typed
 * by `RowOf` here, from the same generated types the column map is checked against.
 */
export function selectRow<T>(
  table: string,
  columns: ColumnsOf<T>,
): Array<AliasedRawBuilder<unknown, string>> {
  return Object.entries(columns as Record<string, string>).map(([field, column]) =>
    sql.ref(`${table}.${column}`).as(field),
  );
}

export type ProviderRow = RowOf<Tables.WorkspaceProvider>;
export type OrganizationRow = RowOf<Tables.Organization>;
export type ProviderStatusEventRow = RowOf<Tables.ProviderStatusEvent>;
export type WorkspaceRow = RowOf<Tables.Workspace>;

export const PROVIDER_COLUMNS: ColumnsOf<Tables.WorkspaceProvider> = {
  id: 'id',
  name: 'name',
  displayName: 'display_name',
  region: 'region',
  kind: 'kind',
  status: 'status',
  statusMessage: 'status_message',
  statusChangedAt: 'status_changed_at',
  lastHeartbeatAt: 'last_heartbeat_at',
  isDefault: 'is_default',
  cordoned: 'cordoned',
  cordonReason: 'cordon_reason',
  clusterAddress: 'cluster_address',
  namespace: 'namespace',
  accessUrl: 'access_url',
  agentVersion: 'agent_version',
  kubernetesVersion: 'kubernetes_version',
  nodeSummary: 'node_summary',
  checkResults: 'check_results',
  agentProtocolVersion: 'agent_protocol_version',
  chartVersion: 'chart_version',
  lastReportAt: 'last_report_at',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

export const ORGANIZATION_COLUMNS: ColumnsOf<Tables.Organization> = {
  id: 'id',
  name: 'name',
  slug: 'slug',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

export const STATUS_EVENT_COLUMNS: ColumnsOf<Tables.ProviderStatusEvent> = {
  id: 'id',
  providerId: 'provider_id',
  fromStatus: 'from_status',
  toStatus: 'to_status',
  message: 'message',
  at: 'at',
};

export const WORKSPACE_COLUMNS: ColumnsOf<Tables.Workspace> = {
  id: 'id',
  name: 'name',
  ownerId: 'owner_id',
  organizationId: 'organization_id',
  providerId: 'provider_id',
  desiredState: 'desired_state',
  observedPhase: 'observed_phase',
  observedMessage: 'observed_message',
  observedAt: 'observed_at',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};
