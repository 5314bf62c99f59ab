import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Allow } from '../authorization/schema.js';
import { PROVIDER_USER, SIGNED_IN, SITE_STAFF } from '../authorization/decisions.js';
import { ProviderKind, ProviderStatus } from '@outpost/prisma';
import { PageInfo } from '../graphql/connection.js';
import { Organization } from '../organizations/organization.type.js';

registerEnumType(ProviderStatus, {
  name: 'ProviderStatus',
  description:
    'PENDING: registered, agent never connected. READY: agent connected, checks pass. ERROR: see statusMessage.',
});
registerEnumType(ProviderKind, { name: 'ProviderKind' });

@ObjectType({ description: 'One check the agent ran against its cluster.' })
export class ProviderCheckResult {
  @Allow(SITE_STAFF)
  @Field()
  name!: string;
  @Allow(SITE_STAFF)
  @Field()
  passed!: boolean;
  @Allow(SITE_STAFF)
  @Field({ description: 'What an admin can do about it when it failed.' })
  message!: string;
}

@ObjectType({ description: "Summary of the provider cluster's nodes, as the agent last reported it." })
export class ProviderNodeSummary {
  @Allow(SITE_STAFF)
  @Field(() => Int)
  nodeCount!: number;
  @Allow(SITE_STAFF)
  @Field(() => Int, { nullable: true })
  cpuMillicores?: number | null;
  @Allow(SITE_STAFF)
  @Field(() => String, { nullable: true, description: 'Allocatable memory in bytes, as a decimal string.' })
  memoryBytes?: string | null;
}

@ObjectType({ description: 'A status transition of a workspace provider.', simpleResolvers: true })
export class ProviderStatusEvent {
  @Allow(SITE_STAFF)
  @Field(() => ID)
  id!: string;
  @Allow(SITE_STAFF)
  @Field(() => ID)
  providerId!: string;
  @Allow(SITE_STAFF)
  @Field(() => ProviderStatus, { nullable: true, description: 'Null for the first status.' })
  fromStatus!: ProviderStatus | null;
  @Allow(SITE_STAFF)
  @Field(() => ProviderStatus)
  toStatus!: ProviderStatus;
  @Allow(SITE_STAFF)
  @Field()
  message!: string;
  @Allow(SITE_STAFF)
  @Field()
  at!: Date;
}

/**
 * A Kubernetes cluster (or namespace of one) that workspaces are deployed into.
 * Fields that reveal the cluster itself are resolved in provider.resolver.ts and limited to site staff.
 */
@ObjectType({ simpleResolvers: true })
export class WorkspaceProvider {
  @Allow(PROVIDER_USER)
  @Field(() => ID)
  id!: string;
  @Allow(PROVIDER_USER)
  @Field({ description: 'Unique DNS label; `built-in` is the provider of the cluster Outpost runs in.' })
  name!: string;
  @Allow(PROVIDER_USER)
  @Field()
  displayName!: string;
  @Allow(PROVIDER_USER)
  @Field()
  region!: string;
  @Allow(PROVIDER_USER)
  @Field(() => ProviderKind)
  kind!: ProviderKind;
  @Allow(PROVIDER_USER)
  @Field(() => ProviderStatus)
  status!: ProviderStatus;
  @Allow(PROVIDER_USER)
  @Field()
  statusChangedAt!: Date;
  @Allow(PROVIDER_USER)
  @Field(() => Date, { nullable: true })
  lastHeartbeatAt!: Date | null;
  @Allow(PROVIDER_USER)
  @Field({ description: 'The provider initially selected when a user creates a workspace.' })
  isDefault!: boolean;
  @Allow(PROVIDER_USER)
  @Field({ description: 'A cordoned provider keeps its workspaces but accepts no new ones.' })
  cordoned!: boolean;
  @Allow(PROVIDER_USER)
  @Field(() => String, { nullable: true })
  cordonReason!: string | null;
  @Allow(PROVIDER_USER)
  @Field(() => String, { nullable: true, description: 'Where users reach workspaces in this provider.' })
  accessUrl!: string | null;
  @Allow(PROVIDER_USER)
  @Field()
  createdAt!: Date;
  @Allow(PROVIDER_USER)
  @Field()
  updatedAt!: Date;

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
  @Allow(SIGNED_IN)
  @Field()
  cursor!: string;
  @Allow(SIGNED_IN)
  @Field(() => WorkspaceProvider)
  node!: WorkspaceProvider;
}

@ObjectType({ simpleResolvers: true })
export class WorkspaceProviderConnection {
  @Allow(SIGNED_IN)
  @Field(() => [WorkspaceProviderEdge])
  edges!: WorkspaceProviderEdge[];
  @Allow(SIGNED_IN)
  @Field(() => PageInfo)
  pageInfo!: PageInfo;
  @Allow(SIGNED_IN)
  @Field(() => Int, { description: 'Providers matching the filter, across all pages.' })
  totalCount!: number;
}

/** One organization's share of a provider's workspaces (WorkspaceProvider.workspaceCountsByOrganization). */
@ObjectType({ simpleResolvers: true })
export class OrganizationWorkspaceCount {
  @Allow(SITE_STAFF) @Field(() => Organization) organization!: Organization;
  @Allow(SITE_STAFF) @Field(() => Int) count!: number;
}
