import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { OrganizationRole } from '@outpost/prisma';

registerEnumType(OrganizationRole, { name: 'OrganizationRole' });

@ObjectType({ simpleResolvers: true })
export class Organization {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field({ description: 'Unique DNS label.' }) slug!: string;
  @Field() createdAt!: Date;
}

@ObjectType()
export class OrganizationMember {
  @Field(() => ID) userId!: string;
  @Field() email!: string;
  @Field() name!: string;
  @Field(() => OrganizationRole) role!: OrganizationRole;
}
