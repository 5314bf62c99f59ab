import type { WorkspaceObservation } from '../kubernetes/reconciler.js';
import type { DesiredWorkspace } from '../kubernetes/workspace-objects.js';

/**
 * The GraphQL operations of the agent protocol (PROTOCOL.md), as typed constants: each carries the
 * shape of its result and variables, so `connection.request(OP, vars)` is checked end to end.
 */
export interface Operation<TData, TVariables extends Record<string, unknown> = Record<string, never>> {
  readonly name: string;
  readonly query: string;
  /** Type-level only. */
  readonly __types?: { data: TData; variables: TVariables };
}

function operation<TData, TVariables extends Record<string, unknown> = Record<string, never>>(
  name: string,
  query: string,
): Operation<TData, TVariables> {
  return { name, query: query.trim() };
}

export type ProviderStatus = 'PENDING' | 'READY' | 'ERROR';

export interface ServerInfo {
  version: string;
  agentProtocolVersion: number;
}

export interface AgentRegistration {
  providerId: string;
  providerName: string;
  namespace: string;
  credential: string;
}

/** HOLDER: this connection acts for the provider; STANDBY: another one does (PROTOCOL.md "Lease"). */
export type AgentLeaseRole = 'HOLDER' | 'STANDBY';

export interface AgentAck {
  serverVersion: string;
  agentProtocolVersion: number;
  heartbeatIntervalSeconds: number;
  status: ProviderStatus;
  /** Null over HTTP. */
  lease: AgentLeaseRole | null;
}

export interface NodeSummaryInput {
  nodeCount: number;
  cpuMillicores: number | null;
  memoryBytes: string | null;
}

export interface CheckResultInput {
  name: string;
  passed: boolean;
  message: string;
}

export interface AgentStatusInput {
  agentVersion: string;
  protocolVersion: number;
  kubernetesVersion: string | null;
  nodeSummary: NodeSummaryInput | null;
  checks: CheckResultInput[];
  chartVersion: string | null;
}

export type WorkspaceEventType = 'CREATED' | 'UPDATED' | 'DELETED';

export interface AgentWorkspaceEvent {
  workspaceId: string;
  type: WorkspaceEventType;
}

const ACK_FIELDS = 'serverVersion agentProtocolVersion heartbeatIntervalSeconds status lease';
const REGISTRATION_FIELDS = 'providerId providerName namespace credential';

export const SERVER_INFO = operation<{ serverInfo: ServerInfo }>(
  'ServerInfo',
  `query ServerInfo { serverInfo { version agentProtocolVersion } }`,
);

export const REGISTER_AGENT = operation<{ registerAgent: AgentRegistration }>(
  'RegisterAgent',
  `mutation RegisterAgent { registerAgent { ${REGISTRATION_FIELDS} } }`,
);

export const ROTATE_AGENT_CREDENTIAL = operation<{ rotateAgentCredential: AgentRegistration }>(
  'RotateAgentCredential',
  `mutation RotateAgentCredential { rotateAgentCredential { ${REGISTRATION_FIELDS} } }`,
);

export const REPORT_AGENT_STATUS = operation<{ reportAgentStatus: AgentAck }, { input: AgentStatusInput }>(
  'ReportAgentStatus',
  `mutation ReportAgentStatus($input: AgentStatusInput!) { reportAgentStatus(input: $input) { ${ACK_FIELDS} } }`,
);

export const AGENT_HEARTBEAT = operation<{ agentHeartbeat: AgentAck }>(
  'AgentHeartbeat',
  `mutation AgentHeartbeat { agentHeartbeat { ${ACK_FIELDS} } }`,
);

export const AGENT_WORKSPACES = operation<{ agentWorkspaces: DesiredWorkspace[] }>(
  'AgentWorkspaces',
  `query AgentWorkspaces { agentWorkspaces { id name organizationSlug desiredState } }`,
);

export const REPORT_WORKSPACE_STATUS = operation<
  { reportWorkspaceStatus: number },
  { observations: WorkspaceObservation[] }
>(
  'ReportWorkspaceStatus',
  `mutation ReportWorkspaceStatus($observations: [WorkspaceObservationInput!]!) { reportWorkspaceStatus(observations: $observations) }`,
);

export const AGENT_WORKSPACE_EVENTS = operation<{ agentWorkspaceEvents: AgentWorkspaceEvent }>(
  'AgentWorkspaceEvents',
  `subscription AgentWorkspaceEvents { agentWorkspaceEvents { workspaceId type } }`,
);

export const AGENT_LEASE = operation<{ agentLease: { role: AgentLeaseRole } }>(
  'AgentLease',
  `subscription AgentLease { agentLease { role } }`,
);
