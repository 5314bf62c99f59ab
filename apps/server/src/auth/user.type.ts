import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Allow } from '../authorization/schema.js';
import {
  OWN_ACCOUNT,
  OWN_API_TOKEN,
  OWN_CREATED_API_TOKEN,
  OWN_MEMBERSHIP,
  PUBLIC,
} from '../authorization/decisions.js';
import { OrganizationRole, SiteRole } from '@outpost/prisma';
import { Organization } from '../organizations/organization.type.js';

registerEnumType(SiteRole, {
  name: 'SiteRole',
  description: 'ADMIN and MANAGER manage providers and organizations; MEMBER uses workspaces.',
});

@ObjectType()
export class OrganizationMembership {
  @Allow(OWN_MEMBERSHIP)
  @Field(() => Organization)
  organization!: Organization;
  @Allow(OWN_MEMBERSHIP)
  @Field(() => OrganizationRole)
  role!: OrganizationRole;
  /** Not a field: the user whose membership it is (who may read it). */
  userId!: string;
}

@ObjectType()
export class User {
  @Allow(OWN_ACCOUNT)
  @Field(() => ID)
  id!: string;
  @Allow(OWN_ACCOUNT)
  @Field()
  email!: string;
  @Allow(OWN_ACCOUNT)
  @Field()
  name!: string;
  @Allow(OWN_ACCOUNT)
  @Field(() => SiteRole)
  siteRole!: SiteRole;
  @Allow(OWN_ACCOUNT)
  @Field()
  createdAt!: Date;
}

@ObjectType({ description: 'An API token without its secret (the secret is shown once, at creation).' })
export class ApiToken {
  @Allow(OWN_API_TOKEN)
  @Field(() => ID)
  id!: string;
  @Allow(OWN_API_TOKEN)
  @Field()
  name!: string;
  @Allow(OWN_API_TOKEN)
  @Field()
  createdAt!: Date;
  @Allow(OWN_API_TOKEN)
  @Field(() => Date, { nullable: true })
  lastUsedAt!: Date | null;
  @Allow(OWN_API_TOKEN)
  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;
  @Allow(OWN_API_TOKEN)
  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;
}

@ObjectType()
export class CreatedApiToken {
  @Allow(OWN_CREATED_API_TOKEN)
  @Field(() => ApiToken)
  apiToken!: ApiToken;
  @Allow(OWN_CREATED_API_TOKEN)
  @Field({ description: 'The secret, shown this once. Send it as `Authorization: Bearer <token>`.' })
  token!: string;
}

@ObjectType()
export class LoginResult {
  @Allow(PUBLIC)
  @Field(() => User)
  user!: User;
}
