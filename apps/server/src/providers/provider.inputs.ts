import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { ProviderStatus } from '@outpost/prisma';

@InputType()
export class CreateWorkspaceProviderInput {
  @Field({ description: 'DNS label, unique.' }) name!: string;
  @Field(() => String, { nullable: true, description: 'Defaults to the name.' }) displayName?: string | null;
  @Field() region!: string;
  @Field({ description: "URL of the cluster's Kubernetes API." }) clusterAddress!: string;
  @Field({ description: 'Namespace the agent deploys workspaces into.' }) namespace!: string;
  @Field(() => String, { nullable: true }) accessUrl?: string | null;
  @Field(() => [ID], { nullable: true, description: 'Organizations allowed to use it from the start.' })
  organizationIds?: string[] | null;
}

@InputType()
export class UpdateWorkspaceProviderInput {
  @Field(() => String, { nullable: true }) displayName?: string | null;
  @Field(() => String, { nullable: true }) region?: string | null;
  @Field(() => String, { nullable: true, description: 'Empty string clears it.' }) accessUrl?: string | null;
  @Field(() => String, { nullable: true }) namespace?: string | null;
}

@ArgsType()
export class WorkspaceProvidersArgs {
  @Field(() => Int, { defaultValue: 50, description: '1–100.' }) first!: number;
  @Field(() => String, { nullable: true }) after?: string | null;
  @Field(() => ProviderStatus, { nullable: true }) status?: ProviderStatus | null;
}

@ArgsType()
export class ProviderLookupArgs {
  @Field(() => ID, { nullable: true }) id?: string | null;
  @Field(() => String, { nullable: true }) name?: string | null;
}
