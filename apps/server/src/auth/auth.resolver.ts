import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { SiteRole } from '@outpost/prisma';
import type { OutpostContext } from '../graphql/context.js';
import { Allow } from '../authorization/schema.js';
import {
  admitAsUser,
  apiTokenOwner,
  OWN_ACCOUNT,
  PUBLIC,
  SIGNED_IN,
  SITE_ADMIN,
} from '../authorization/decisions.js';
import { authorizedViewer } from '../authorization/principals.js';
import { ApiToken, CreatedApiToken, LoginResult, OrganizationMembership, User } from './user.type.js';
import * as auth from './auth.service.js';

@Resolver(() => User)
export class AuthResolver {
  @Allow(PUBLIC)
  @Query(() => User, { nullable: true, description: 'The signed-in user, or null when anonymous.' })
  me(@Ctx() ctx: OutpostContext) {
    return ctx.viewer ? ctx.prisma.user.findUnique({ where: { id: ctx.viewer.id } }) : null;
  }

  @Allow(PUBLIC)
  @Query(() => Boolean, { description: 'True until the first admin has been created (setupFirstAdmin).' })
  async setupRequired(@Ctx() ctx: OutpostContext): Promise<boolean> {
    return (await ctx.prisma.user.count()) === 0;
  }

  @Allow(OWN_ACCOUNT)
  @FieldResolver(() => [OrganizationMembership], { description: "The user's organizations and roles." })
  async memberships(@Root() user: User, @Ctx() ctx: OutpostContext): Promise<OrganizationMembership[]> {
    const memberships = await ctx.prisma.membership.findMany({
      where: { userId: user.id },
      include: { organization: true },
      orderBy: { organization: { name: 'asc' } },
    });
    return memberships.map((m) => ({ organization: m.organization, role: m.role, userId: user.id }));
  }

  @Allow(PUBLIC)
  @Mutation(() => LoginResult, { description: 'Signs in and sets the HttpOnly session cookie.' })
  async login(@Arg('email') email: string, @Arg('password') password: string, @Ctx() ctx: OutpostContext) {
    const { user, sessionToken } = await auth.login(ctx.prisma, email, password);
    admitAsUser(ctx, user.id);
    ctx.http?.res.cookie(auth.SESSION_COOKIE, sessionToken, {
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.http.req.secure,
      path: '/',
      maxAge: auth.SESSION_LIFETIME_MS,
    });
    return { user };
  }

  @Allow(SIGNED_IN)
  @Mutation(() => Boolean, {
    description: 'Ends the current session (API tokens are revoked with revokeApiToken).',
  })
  async logout(@Ctx() ctx: OutpostContext): Promise<boolean> {
    await auth.logout(ctx.prisma, authorizedViewer(ctx));
    ctx.http?.res.clearCookie(auth.SESSION_COOKIE, { path: '/' });
    return true;
  }

  @Allow(PUBLIC)
  @Mutation(() => User, { description: 'Creates the first site admin. Works once, while no user exists.' })
  async setupFirstAdmin(
    @Arg('email') email: string,
    @Arg('name') name: string,
    @Arg('password') password: string,
    @Ctx() ctx: OutpostContext,
  ) {
    const user = await auth.setupFirstAdmin(ctx.prisma, { email, name, password });
    admitAsUser(ctx, user.id);
    return user;
  }

  @Allow(SITE_ADMIN)
  @Mutation(() => User, { description: 'Site admins create user accounts.' })
  createUser(
    @Arg('email') email: string,
    @Arg('name') name: string,
    @Arg('password') password: string,
    @Arg('siteRole', () => SiteRole, { defaultValue: SiteRole.MEMBER }) siteRole: SiteRole,
    @Ctx() ctx: OutpostContext,
  ) {
    return auth.createUser(ctx.prisma, authorizedViewer(ctx), { email, name, password, siteRole });
  }

  @Allow(SIGNED_IN)
  @Query(() => [ApiToken], { description: 'Your API tokens (without secrets).' })
  apiTokens(@Ctx() ctx: OutpostContext) {
    return ctx.prisma.apiToken.findMany({
      where: { userId: authorizedViewer(ctx).id },
      orderBy: { createdAt: 'desc' },
    });
  }

  @Allow(SIGNED_IN)
  @Mutation(() => CreatedApiToken, {
    description: 'The token is in the response only; Outpost stores its hash.',
  })
  createApiToken(
    @Arg('name') name: string,
    @Ctx() ctx: OutpostContext,
    @Arg('expiresInDays', () => Int, { nullable: true }) expiresInDays?: number,
  ) {
    return auth.createApiToken(ctx.prisma, authorizedViewer(ctx), name, expiresInDays);
  }

  @Allow(apiTokenOwner('id'))
  @Mutation(() => ApiToken)
  revokeApiToken(@Arg('id', () => ID) id: string, @Ctx() ctx: OutpostContext) {
    return auth.revokeApiToken(ctx.prisma, authorizedViewer(ctx), id);
  }
}
