import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { WorkspaceDesiredState } from '@outpost/prisma';

registerEnumType(WorkspaceDesiredState, { name: 'WorkspaceDesiredState' });

@ObjectType({
  description: "A developer workspace. The provider's agent makes its cluster match desiredState.",
})
export class Workspace {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => ID) ownerId!: string;
  @Field(() => ID) organizationId!: string;
  @Field(() => ID) providerId!: string;
  @Field(() => WorkspaceDesiredState) desiredState!: WorkspaceDesiredState;
  @Field(() => String, {
    nullable: true,
    description: 'What the agent last observed, e.g. Pending, Running.',
  })
  observedPhase!: string | null;
  @Field(() => String, { nullable: true }) observedMessage!: string | null;
  @Field(() => Date, { nullable: true }) observedAt!: Date | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}
