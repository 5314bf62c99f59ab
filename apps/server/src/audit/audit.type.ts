import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';

@ObjectType({ description: 'A record of one change made through the API.' })
export class AuditEvent {
  @Field(() => ID) id!: string;
  @Field(() => ID, { nullable: true, description: 'Null for changes made by Outpost itself.' })
  actorId!: string | null;
  @Field({ description: 'e.g. workspaceProvider.create, organization.addMember.' }) action!: string;
  @Field() targetType!: string;
  @Field(() => String, { nullable: true }) targetId!: string | null;
  @Field(() => GraphQLJSON, { nullable: true }) before!: unknown;
  @Field(() => GraphQLJSON, { nullable: true }) after!: unknown;
  @Field() at!: Date;
}
