import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Allow } from '../authorization/schema.js';
import { MEMBER_OF_THE_MEMBERSHIPS_ORGANIZATION, ORGANIZATION_MEMBER } from '../authorization/decisions.js';
import { OrganizationRole } from '@outpost/prisma';

registerEnumType(OrganizationRole, { name: 'OrganizationRole' });

@ObjectType({ simpleResolvers: true })
export class Organization {
  @Allow(ORGANIZATION_MEMBER)
  @Field(() => ID)
  id!: string;
  @Allow(ORGANIZATION_MEMBER)
  @Field()
  name!: string;
  @Allow(ORGANIZATION_MEMBER)
  @Field({ description: 'Unique DNS label.' })
  slug!: string;
  @Allow(ORGANIZATION_MEMBER)
  @Field()
  createdAt!: Date;
}

@ObjectType()
export class OrganizationMember {
  @Allow(MEMBER_OF_THE_MEMBERSHIPS_ORGANIZATION)
  @Field(() => ID)
  userId!: string;
  @Allow(MEMBER_OF_THE_MEMBERSHIPS_ORGANIZATION)
  @Field()
  email!: string;
  @Allow(MEMBER_OF_THE_MEMBERSHIPS_ORGANIZATION)
  @Field()
  name!: string;
  @Allow(MEMBER_OF_THE_MEMBERSHIPS_ORGANIZATION)
  @Field(() => OrganizationRole)
  role!: OrganizationRole;
  /** Not a field: the organization whose members may read the row. */
  organizationId!: string;
}
