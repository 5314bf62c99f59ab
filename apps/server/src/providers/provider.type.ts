import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ProviderKind, ProviderStatus } from '@outpost/prisma';
import { PageInfo } from '../graphql/connection.js';

registerEnumType(ProviderStatus, {
  name: 'ProviderStatus',
  description:
    'PENDING: registered, agent never connected. READY: agent connected, checks pass. ERROR: see statusMessage.',
});
registerEnumType(ProviderKind, { name: 'ProviderKind' });

@ObjectType({ description: 'One check the agent ran against its cluster.' })
export class ProviderCheckResult {
  @Field() name!: string;
  @Field() passed!: boolean;
  @Field({ description: 'What an admin can do about it when it failed.' }) message!: string;
}

@ObjectType({ description: "Summary of the provider cluster's nodes, as the agent last reported it." })
export class ProviderNodeSummary {
  @Field(() => Int) nodeCount!: number;
  @Field(() => Int, { nullable: true }) cpuMillicores?: number | null;
  @Field(() => String, { nullable: true, description: 'Allocatable memory in bytes, as a decimal string.' })
  memoryBytes?: string | null;
}

@ObjectType({ description: 'A status transition of a workspace provider.', simpleResolvers: true })
export class ProviderStatusEvent {
  @Field(() => ID) id!: string;
  @Field(() => ID) providerId!: string;
  @Field(() => ProviderStatus, { nullable: true, description: 'Null for the first status.' })
  fromStatus!: ProviderStatus | null;
  @Field(() => ProviderStatus) toStatus!: ProviderStatus;
  @Field() message!: string;
  @Field() at!: Date;
}

/**
 * A Kubernetes cluster (or namespace of one) that workspaces are deployed into.
 * Fields that reveal the cluster itself are resolved in provider.resolver.ts and limited to site staff.
 */
@ObjectType({ simpleResolvers: true })
export class WorkspaceProvider {
  @Field(() => ID) id!: string;
  @Field({ description: 'Unique DNS label; `built-in` is the provider of the cluster Outpost runs in.' })
  name!: string;
  @Field() displayName!: string;
  @Field() region!: string;
  @Field(() => ProviderKind) kind!: ProviderKind;
  @Field(() => ProviderStatus) status!: ProviderStatus;
  @Field() statusChangedAt!: Date;
  @Field(() => Date, { nullable: true }) lastHeartbeatAt!: Date | null;
  @Field({ description: 'The provider initially selected when a user creates a workspace.' })
  isDefault!: boolean;
  @Field({ description: 'A cordoned provider keeps its workspaces but accepts no new ones.' })
  cordoned!: boolean;
  @Field(() => String, { nullable: true }) cordonReason!: string | null;
  @Field(() => String, { nullable: true, description: 'Where users reach workspaces in this provider.' })
  accessUrl!: string | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;

  // Site-staff-only and computed fields are declared with @FieldResolver in provider.resolver.ts.
  statusMessage!: string;
  clusterAddress!: string;
  namespace!: string;
  agentVersion!: string | null;
  kubernetesVersion!: string | null;
  nodeSummary!: unknown;
  checkResults!: unknown;
  chartVersion!: string | null;
}

@ObjectType({ simpleResolvers: true })
export class WorkspaceProviderEdge {
  @Field() cursor!: string;
  @Field(() => WorkspaceProvider) node!: WorkspaceProvider;
}

@ObjectType({ simpleResolvers: true })
export class WorkspaceProviderConnection {
  @Field(() => [WorkspaceProviderEdge]) edges!: WorkspaceProviderEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int, { description: 'Providers matching the filter, across all pages.' }) totalCount!: number;
}
