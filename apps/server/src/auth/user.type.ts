import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { OrganizationRole, SiteRole } from '@outpost/prisma';
import { Organization } from '../organizations/organization.type.js';

registerEnumType(SiteRole, {
  name: 'SiteRole',
  description: 'ADMIN and MANAGER manage providers and organizations; MEMBER uses workspaces.',
});

@ObjectType()
export class OrganizationMembership {
  @Field(() => Organization) organization!: Organization;
  @Field(() => OrganizationRole) role!: OrganizationRole;
}

@ObjectType()
export class User {
  @Field(() => ID) id!: string;
  @Field() email!: string;
  @Field() name!: string;
  @Field(() => SiteRole) siteRole!: SiteRole;
  @Field() createdAt!: Date;
}

@ObjectType({ description: 'An API token without its secret (the secret is shown once, at creation).' })
export class ApiToken {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) lastUsedAt!: Date | null;
  @Field(() => Date, { nullable: true }) expiresAt!: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
}

@ObjectType()
export class CreatedApiToken {
  @Field(() => ApiToken) apiToken!: ApiToken;
  @Field({ description: 'The secret, shown this once. Send it as `Authorization: Bearer <token>`.' })
  token!: string;
}

@ObjectType()
export class LoginResult {
  @Field(() => User) user!: User;
}
