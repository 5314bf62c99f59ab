import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Allow } from '../authorization/schema.js';
import {
  AGENT,
  AGENT_OF_WORKSPACE_PROVIDER,
  PUBLIC,
  REGISTERED_AGENT,
  SITE_STAFF,
} from '../authorization/decisions.js';
import { ProviderStatus, WorkspaceDesiredState } from '@outpost/prisma';
import { WorkspaceProvider } from '../providers/provider.type.js';
import type { WorkspaceNotification } from '../events/notifications.js';
import { WorkspaceEventType } from '../events/events.type.js';

// Types of the agent protocol (apps/agent/PROTOCOL.md) and of the admin fields that manage agent secrets.

export enum AgentLeaseRole {
  HOLDER = 'HOLDER',
  STANDBY = 'STANDBY',
}
registerEnumType(AgentLeaseRole, {
  name: 'AgentLeaseRole',
  description:
    'HOLDER: this agent connection acts for the provider (reconciles, reports). STANDBY: another one does; ' +
    'this one only heartbeats until it is given the lease.',
});

@ObjectType({ description: 'What agents and clients need to know to talk to this server.' })
export class ServerInfo {
  @Allow(PUBLIC)
  @Field()
  version!: string;
  @Allow(PUBLIC)
  @Field(() => Int)
  agentProtocolVersion!: number;
}

@ObjectType()
export class AgentRegistration {
  @Allow(REGISTERED_AGENT)
  @Field(() => ID)
  providerId!: string;
  @Allow(REGISTERED_AGENT)
  @Field()
  providerName!: string;
  @Allow(REGISTERED_AGENT)
  @Field()
  namespace!: string;
  @Allow(REGISTERED_AGENT)
  @Field({ description: 'The agent credential (`opag_…`), shown this once.' })
  credential!: string;
}

// Agent input is untrusted: apps/server/src/agents/agent-input.ts checks all of it against the limits of
// apps/agent/PROTOCOL.md "Input limits" before anything is stored.

@InputType()
export class NodeSummaryInput {
  @Field(() => Int, { description: 'Nodes in the cluster, 0–100000.' }) nodeCount!: number;
  @Field(() => Int, { nullable: true, description: 'Sum of allocatable CPU in millicores, 0 or more.' })
  cpuMillicores?: number | null;
  @Field(() => String, {
    nullable: true,
    description: 'Sum of allocatable memory in bytes, as decimal digits (no sign, below 10^24).',
  })
  memoryBytes?: string | null;
}

@InputType()
export class CheckResultInput {
  @Field({ description: 'One of the protocol’s checks (apps/agent/PROTOCOL.md "Checks").' }) name!: string;
  @Field() passed!: boolean;
  @Field({ description: 'At most 2000 characters; what to do when the check failed.' }) message!: string;
}

@InputType()
export class AgentStatusInput {
  @Field() agentVersion!: string;
  @Field(() => Int) protocolVersion!: number;
  @Field(() => String, { nullable: true, description: 'gitVersion of the cluster, e.g. v1.31.2.' })
  kubernetesVersion?: string | null;
  @Field(() => NodeSummaryInput, { nullable: true }) nodeSummary?: NodeSummaryInput | null;
  @Field(() => [CheckResultInput], { description: 'Every check of the protocol, each exactly once.' })
  checks!: CheckResultInput[];
  @Field(() => String, {
    nullable: true,
    description: 'Version of the outpost-provider chart values in use.',
  })
  chartVersion?: string | null;
}

@ObjectType()
export class AgentAck {
  @Allow(AGENT)
  @Field()
  serverVersion!: string;
  @Allow(AGENT)
  @Field(() => Int)
  agentProtocolVersion!: number;
  @Allow(AGENT)
  @Field(() => Int)
  heartbeatIntervalSeconds!: number;
  @Allow(AGENT)
  @Field(() => ProviderStatus, { description: "The provider's status after this call." })
  status!: ProviderStatus;
  @Allow(AGENT)
  @Field(() => AgentLeaseRole, {
    nullable: true,
    description: 'Over graphql-ws: whether this connection holds the agent lease. Null over HTTP.',
  })
  lease!: AgentLeaseRole | null;
}

@ObjectType({ description: 'The agent lease as one agent connection sees it.' })
export class AgentLeaseState {
  @Allow(AGENT)
  @Field(() => AgentLeaseRole)
  role!: AgentLeaseRole;
}

@ObjectType({
  description: 'A connected agent of a provider (one process; it may have reconnected).',
  simpleResolvers: true,
})
export class AgentConnectionInfo {
  @Allow(SITE_STAFF)
  @Field({ description: 'The agent process, as it names itself (connectionParams.agentInstanceId).' })
  instanceId!: string;
  @Allow(SITE_STAFF)
  @Field()
  connectedAt!: Date;
  @Allow(SITE_STAFF)
  @Field({ description: 'Its last heartbeat or lease claim.' })
  lastSeenAt!: Date;
  @Allow(SITE_STAFF)
  @Field({ description: 'True for the connection that acts for the provider; the others stand by.' })
  holdsLease!: boolean;
}

@ObjectType({
  description: "The provider's agent connections: the lease holder and the standbys.",
  simpleResolvers: true,
})
export class ProviderAgents {
  @Allow(SITE_STAFF)
  @Field(() => AgentConnectionInfo, {
    nullable: true,
    description: 'Null when no agent acts for the provider.',
  })
  leaseHolder!: AgentConnectionInfo | null;
  @Allow(SITE_STAFF)
  @Field(() => [AgentConnectionInfo])
  standbys!: AgentConnectionInfo[];
  @Allow(SITE_STAFF)
  @Field(() => Int)
  standbyCount!: number;
}

@ObjectType({ description: 'A workspace as its provider agent needs it.' })
export class AgentWorkspace {
  @Allow(AGENT_OF_WORKSPACE_PROVIDER)
  @Field(() => ID)
  id!: string;
  @Allow(AGENT_OF_WORKSPACE_PROVIDER)
  @Field()
  name!: string;
  @Allow(AGENT_OF_WORKSPACE_PROVIDER)
  @Field()
  organizationSlug!: string;
  @Allow(AGENT_OF_WORKSPACE_PROVIDER)
  @Field(() => WorkspaceDesiredState)
  desiredState!: WorkspaceDesiredState;
  /** Not a field: whose agent may read it. */
  providerId!: string;
}

@ObjectType({ description: 'Something changed about a workspace of the agent’s provider: reconcile.' })
export class AgentWorkspaceEvent {
  @Allow(AGENT_OF_WORKSPACE_PROVIDER) @Field(() => ID) workspaceId!: string;
  @Allow(AGENT_OF_WORKSPACE_PROVIDER) @Field(() => WorkspaceEventType) type!: WorkspaceNotification['type'];
  /** Not a field: whose agent may read the event. */
  providerId!: string;
}

@InputType()
export class WorkspaceObservationInput {
  @Field(() => ID) workspaceId!: string;
  @Field({
    description:
      'One of Pending, Running, Succeeded, Failed, Unknown, Stopping, Stopped, Deleting, Deleted, Error.',
  })
  phase!: string;
  @Field(() => String, { nullable: true }) message?: string | null;
}

@ObjectType()
export class RegistrationToken {
  @Allow(SITE_STAFF)
  @Field({ description: 'The one-time registration token (`oprg_…`), shown this once.' })
  token!: string;
  @Allow(SITE_STAFF)
  @Field()
  expiresAt!: Date;
  @Allow(SITE_STAFF)
  @Field({ description: 'The helm command that deploys the agent with this token (read from a 0600 file).' })
  installCommand!: string;
}

@ObjectType()
export class CreateWorkspaceProviderPayload {
  @Allow(SITE_STAFF)
  @Field(() => WorkspaceProvider)
  provider!: WorkspaceProvider;
  @Allow(SITE_STAFF)
  @Field(() => RegistrationToken)
  registrationToken!: RegistrationToken;
}

@ObjectType({ description: 'An agent secret of a provider, without the secret.' })
export class AgentCredentialInfo {
  @Allow(SITE_STAFF)
  @Field(() => ID)
  id!: string;
  @Allow(SITE_STAFF)
  @Field({ description: 'True for a registration token, false for an agent credential.' })
  isRegistration!: boolean;
  @Allow(SITE_STAFF)
  @Field()
  createdAt!: Date;
  @Allow(SITE_STAFF)
  @Field(() => Date, { nullable: true })
  lastUsedAt!: Date | null;
  @Allow(SITE_STAFF)
  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;
  @Allow(SITE_STAFF)
  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;
}
