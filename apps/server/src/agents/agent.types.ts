import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { ProviderStatus, WorkspaceDesiredState } from '@outpost/prisma';
import { WorkspaceProvider } from '../providers/provider.type.js';

// Types of the agent protocol (apps/agent/PROTOCOL.md) and of the admin fields that manage agent secrets.

@ObjectType({ description: 'What agents and clients need to know to talk to this server.' })
export class ServerInfo {
  @Field() version!: string;
  @Field(() => Int) agentProtocolVersion!: number;
}

@ObjectType()
export class AgentRegistration {
  @Field(() => ID) providerId!: string;
  @Field() providerName!: string;
  @Field() namespace!: string;
  @Field({ description: 'The agent credential (`opag_…`), shown this once.' }) credential!: string;
}

@InputType()
export class NodeSummaryInput {
  @Field(() => Int) nodeCount!: number;
  @Field(() => Int, { nullable: true }) cpuMillicores?: number | null;
  @Field(() => String, { nullable: true }) memoryBytes?: string | null;
}

@InputType()
export class CheckResultInput {
  @Field() name!: string;
  @Field() passed!: boolean;
  @Field() message!: string;
}

@InputType()
export class AgentStatusInput {
  @Field() agentVersion!: string;
  @Field(() => Int) protocolVersion!: number;
  @Field(() => String, { nullable: true }) kubernetesVersion?: string | null;
  @Field(() => NodeSummaryInput, { nullable: true }) nodeSummary?: NodeSummaryInput | null;
  @Field(() => [CheckResultInput]) checks!: CheckResultInput[];
  @Field(() => String, {
    nullable: true,
    description: 'Version of the outpost-provider chart values in use.',
  })
  chartVersion?: string | null;
}

@ObjectType()
export class AgentAck {
  @Field() serverVersion!: string;
  @Field(() => Int) agentProtocolVersion!: number;
  @Field(() => Int) heartbeatIntervalSeconds!: number;
  @Field(() => ProviderStatus, { description: "The provider's status after this call." })
  status!: ProviderStatus;
}

@ObjectType({ description: 'A workspace as its provider agent needs it.' })
export class AgentWorkspace {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() organizationSlug!: string;
  @Field(() => WorkspaceDesiredState) desiredState!: WorkspaceDesiredState;
}

@InputType()
export class WorkspaceObservationInput {
  @Field(() => ID) workspaceId!: string;
  @Field({ description: 'e.g. Pending, Running, Stopped, Deleted, Failed.' }) phase!: string;
  @Field(() => String, { nullable: true }) message?: string | null;
}

@ObjectType()
export class RegistrationToken {
  @Field({ description: 'The one-time registration token (`oprg_…`), shown this once.' }) token!: string;
  @Field() expiresAt!: Date;
  @Field({ description: 'The helm command that deploys the agent with this token (read from a 0600 file).' })
  installCommand!: string;
}

@ObjectType()
export class CreateWorkspaceProviderPayload {
  @Field(() => WorkspaceProvider) provider!: WorkspaceProvider;
  @Field(() => RegistrationToken) registrationToken!: RegistrationToken;
}

@ObjectType({ description: 'An agent secret of a provider, without the secret.' })
export class AgentCredentialInfo {
  @Field(() => ID) id!: string;
  @Field({ description: 'True for a registration token, false for an agent credential.' })
  isRegistration!: boolean;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) lastUsedAt!: Date | null;
  @Field(() => Date, { nullable: true }) expiresAt!: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
}
