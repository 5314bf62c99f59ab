import type { ColumnType } from 'kysely';
export type Generated<T> =
  T extends ColumnType<infer S, infer I, infer U>
    ? ColumnType<S, I | undefined, U>
    : ColumnType<T, T | undefined, T>;
export type Timestamp = ColumnType<Date, Date | string, Date | string>;

export const SiteRole = {
  ADMIN: 'ADMIN',
  MANAGER: 'MANAGER',
  MEMBER: 'MEMBER',
} as const;
export type SiteRole = (typeof SiteRole)[keyof typeof SiteRole];
export const OrganizationRole = {
  ADMIN: 'ADMIN',
  MEMBER: 'MEMBER',
} as const;
export type OrganizationRole = (typeof OrganizationRole)[keyof typeof OrganizationRole];
export const ProviderKind = {
  BUILT_IN: 'BUILT_IN',
  KUBERNETES: 'KUBERNETES',
} as const;
export type ProviderKind = (typeof ProviderKind)[keyof typeof ProviderKind];
export const ProviderStatus = {
  PENDING: 'PENDING',
  READY: 'READY',
  ERROR: 'ERROR',
} as const;
export type ProviderStatus = (typeof ProviderStatus)[keyof typeof ProviderStatus];
export const WorkspaceDesiredState = {
  RUNNING: 'RUNNING',
  STOPPED: 'STOPPED',
  DELETED: 'DELETED',
} as const;
export type WorkspaceDesiredState = (typeof WorkspaceDesiredState)[keyof typeof WorkspaceDesiredState];
export type AgentConnection = {
  /**
   * Chosen by the server when the socket connects.
   */
  id: string;
  provider_id: string;
  /**
   * The agent process (connectionParams.agentInstanceId): a process that reconnects keeps its lease.
   */
  instance_id: string;
  replica_id: string;
  connected_at: Generated<Timestamp>;
  last_seen_at: Generated<Timestamp>;
};
export type AgentCredential = {
  id: string;
  provider_id: string;
  token_hash: string;
  is_registration: Generated<boolean>;
  created_at: Generated<Timestamp>;
  last_used_at: Timestamp | null;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
};
export type AgentLease = {
  provider_id: string;
  holder_connection_id: string;
  holder_instance_id: string;
  holder_replica_id: string;
  acquired_at: Timestamp;
  expires_at: Timestamp;
  /**
   * Set when the holder's server replica shut down under it: until then the agent is re-homing to
   * another replica, and the silence monitor does not blame it (apps/server/src/agents/agent-lease.ts).
   */
  handover_until: Timestamp | null;
};
export type ApiToken = {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: Generated<Timestamp>;
  last_used_at: Timestamp | null;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
};
export type AuditEvent = {
  id: string;
  actor_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  before: unknown | null;
  after: unknown | null;
  at: Generated<Timestamp>;
};
export type EventJournalEntry = {
  id: Generated<string>;
  payload: unknown;
  at: Generated<Timestamp>;
};
export type Membership = {
  user_id: string;
  organization_id: string;
  role: Generated<OrganizationRole>;
  created_at: Generated<Timestamp>;
};
export type Organization = {
  id: string;
  name: string;
  slug: string;
  created_at: Generated<Timestamp>;
  updated_at: Timestamp;
};
export type ProviderAllowlistEntry = {
  provider_id: string;
  organization_id: string;
  created_at: Generated<Timestamp>;
};
export type ProviderStatusEvent = {
  id: string;
  provider_id: string;
  from_status: ProviderStatus | null;
  to_status: ProviderStatus;
  message: Generated<string>;
  at: Generated<Timestamp>;
};
export type RateLimitCounter = {
  /**
   * `<limit>:<client address, hashed email or user id>`, at most 255 characters.
   */
  key: string;
  points: Generated<number>;
  /**
   * End of the counting window, in Unix milliseconds of the replica that opened it.
   */
  expire: string | null;
};
export type Session = {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: Generated<Timestamp>;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
};
export type User = {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  site_role: Generated<SiteRole>;
  created_at: Generated<Timestamp>;
  updated_at: Timestamp;
};
export type Workspace = {
  id: string;
  name: string;
  owner_id: string;
  organization_id: string;
  provider_id: string;
  desired_state: Generated<WorkspaceDesiredState>;
  observed_phase: string | null;
  observed_message: string | null;
  observed_at: Timestamp | null;
  created_at: Generated<Timestamp>;
  updated_at: Timestamp;
};
export type WorkspaceProvider = {
  id: string;
  /**
   * DNS label, unique; `built-in` is reserved for the provider created at first start.
   */
  name: string;
  display_name: string;
  region: string;
  kind: Generated<ProviderKind>;
  status: Generated<ProviderStatus>;
  status_message: Generated<string>;
  status_changed_at: Generated<Timestamp>;
  last_heartbeat_at: Timestamp | null;
  is_default: Generated<boolean>;
  cordoned: Generated<boolean>;
  cordon_reason: string | null;
  cluster_address: Generated<string>;
  namespace: string;
  access_url: string | null;
  /**
   * What the agent last reported about itself and its cluster.
   */
  agent_version: string | null;
  kubernetes_version: string | null;
  node_summary: unknown | null;
  check_results: unknown | null;
  /**
   * Protocol version the agent last reported (apps/agent/PROTOCOL.md); null until it reports.
   */
  agent_protocol_version: number | null;
  /**
   * Version of the outpost-provider chart values the agent runs with, as deployed by Helm.
   */
  chart_version: string | null;
  /**
   * When the agent last sent its full report (checks); heartbeats only move lastHeartbeatAt.
   */
  last_report_at: Timestamp | null;
  created_at: Generated<Timestamp>;
  updated_at: Timestamp;
};
export type DB = {
  agent_connections: AgentConnection;
  agent_credentials: AgentCredential;
  agent_leases: AgentLease;
  api_tokens: ApiToken;
  audit_events: AuditEvent;
  event_journal: EventJournalEntry;
  memberships: Membership;
  organizations: Organization;
  provider_allowlist_entries: ProviderAllowlistEntry;
  provider_status_events: ProviderStatusEvent;
  rate_limit_counters: RateLimitCounter;
  sessions: Session;
  users: User;
  workspace_providers: WorkspaceProvider;
  workspaces: Workspace;
};
