import { Field, ID, ObjectType } from 'type-graphql';
import { Allow } from '../authorization/schema.js';
import { SITE_ADMIN } from '../authorization/decisions.js';
import { GraphQLJSON } from 'graphql-scalars';

@ObjectType({ description: 'A record of one change made through the API.' })
export class AuditEvent {
  @Allow(SITE_ADMIN)
  @Field(() => ID)
  id!: string;
  @Allow(SITE_ADMIN)
  @Field(() => ID, { nullable: true, description: 'Null for changes made by Outpost itself.' })
  actorId!: string | null;
  @Allow(SITE_ADMIN)
  @Field({ description: 'e.g. workspaceProvider.create, organization.addMember.' })
  action!: string;
  @Allow(SITE_ADMIN)
  @Field()
  targetType!: string;
  @Allow(SITE_ADMIN)
  @Field(() => String, { nullable: true })
  targetId!: string | null;
  @Allow(SITE_ADMIN)
  @Field(() => GraphQLJSON, { nullable: true })
  before!: unknown;
  @Allow(SITE_ADMIN)
  @Field(() => GraphQLJSON, { nullable: true })
  after!: unknown;
  @Allow(SITE_ADMIN)
  @Field()
  at!: Date;
}
