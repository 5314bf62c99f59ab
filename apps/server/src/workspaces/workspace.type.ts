import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Allow } from '../authorization/schema.js';
import { WORKSPACE_ORGANIZATION_MEMBER } from '../authorization/decisions.js';
import { WorkspaceDesiredState } from '@outpost/prisma';

registerEnumType(WorkspaceDesiredState, { name: 'WorkspaceDesiredState' });

@ObjectType({
  description: "A developer workspace. The provider's agent makes its cluster match desiredState.",
})
export class Workspace {
  @Allow(WORKSPACE_ORGANIZATION_MEMBER)
  @Field(() => ID)
  id!: string;
  @Allow(WORKSPACE_ORGANIZATION_MEMBER)
  @Field()
  name!: string;
  @Allow(WORKSPACE_ORGANIZATION_MEMBER)
  @Field(() => ID)
  ownerId!: string;
  @Allow(WORKSPACE_ORGANIZATION_MEMBER)
  @Field(() => ID)
  organizationId!: string;
  @Allow(WORKSPACE_ORGANIZATION_MEMBER)
  @Field(() => ID)
  providerId!: string;
  @Allow(WORKSPACE_ORGANIZATION_MEMBER)
  @Field(() => WorkspaceDesiredState)
  desiredState!: WorkspaceDesiredState;
  @Allow(WORKSPACE_ORGANIZATION_MEMBER)
  @Field(() => String, {
    nullable: true,
    description: 'What the agent last observed, e.g. Pending, Running.',
  })
  observedPhase!: string | null;
  @Allow(WORKSPACE_ORGANIZATION_MEMBER)
  @Field(() => String, { nullable: true })
  observedMessage!: string | null;
  @Allow(WORKSPACE_ORGANIZATION_MEMBER)
  @Field(() => Date, { nullable: true })
  observedAt!: Date | null;
  @Allow(WORKSPACE_ORGANIZATION_MEMBER)
  @Field()
  createdAt!: Date;
  @Allow(WORKSPACE_ORGANIZATION_MEMBER)
  @Field()
  updatedAt!: Date;
}
