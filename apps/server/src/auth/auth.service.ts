import { sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Db, Membership, PrismaClient, SiteRole, User } from '@outpost/prisma';
import type { Viewer } from '../graphql/context.js';
import { conflict, notFound, preconditionFailed, unauthenticated } from '../graphql/errors.js';
import { requireEmail, requirePassword, requireText, requireWholeNumber } from '../graphql/validation.js';
import { recordAudit } from '../audit/audit-log.js';
import { lockName } from '../database/locks.js';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './passwords.js';
import { generateToken, hashToken, TokenPrefix } from './tokens.js';
import { credentialIsValid, lastUseIsStale } from './credential-validity.js';
import { queryBuilder } from '../database/sql.js';

export const SESSION_COOKIE = 'outpost_session';
export const SESSION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/** A viewer from a user row read with its memberships, signed in with `credential`. */
export function viewerOf(
  user: Pick<User, 'id' | 'email' | 'name' | 'siteRole'> & {
    memberships: Array<Pick<Membership, 'organizationId' | 'role'>>;
  },
  credential: Viewer['credential'],
): Viewer {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    siteRole: user.siteRole,
    organizationRoles: new Map(user.memberships.map((m) => [m.organizationId, m.role])),
    credential,
  };
}

/**
 * The memberships of the user aliased `u`, as viewerOf takes them: one column of a statement that reads
 * users, so a viewer costs one statement (here and in the batched re-check, events/delivery-batch.ts).
 */
export function userMemberships() {
  return jsonArrayFrom(
    queryBuilder
      .selectFrom('memberships as m')
      .select(['m.organization_id as organizationId', 'm.role'])
      .where('m.user_id', '=', sql.ref<string>('u.id')),
  ).as('memberships');
}

/**
 * Every request starts here: the credential, whether it is still valid (credential-validity.ts, on the
 * database's clock), its user and the user's memberships, in one statement. `table` is one of two
 * constants, never input; `by` finds the credential by its secret's hash (signing in) or by its id
 * and user (re-checking a viewer).
 */
async function readCredential(
  db: Db,
  table: 'api_tokens' | 'sessions',
  by: { tokenHash: string } | { id: string; userId: string },
) {
  // Both tables have the columns read here; sessions have no last_used_at, so they never need a touch.
  let query = db
    .selectFrom(`${table} as c` as 'api_tokens as c')
    .leftJoin('users as u', 'u.id', 'c.user_id')
    .select([
      'c.id',
      'c.user_id as userId',
      'u.email',
      'u.name',
      'u.site_role as siteRole',
      credentialIsValid('c').as('valid'),
      (table === 'api_tokens' ? lastUseIsStale('c') : sql<boolean>`false`).as('touch'),
      userMemberships(),
    ]);
  query =
    'tokenHash' in by
      ? query.where('c.token_hash', '=', by.tokenHash)
      : query.where('c.id', '=', by.id).where('c.user_id', '=', by.userId);
  return query.executeTakeFirst();
}

type CredentialRow = NonNullable<Awaited<ReturnType<typeof readCredential>>>;

function viewerOfCredential(row: CredentialRow | undefined, credential: Viewer['credential']): Viewer | null {
  if (!row?.valid || row.email === null || row.name === null || row.siteRole === null) return null;
  return viewerOf(
    {
      id: row.userId,
      email: row.email,
      name: row.name,
      siteRole: row.siteRole,
      memberships: row.memberships,
    },
    credential,
  );
}

const CREDENTIAL_TABLES = { apiToken: 'api_tokens', session: 'sessions' } as const;

/** Resolves a bearer token or session cookie value to a viewer; null when missing, unknown, expired or revoked. */
export async function viewerFromSecret(db: Db, secret: string | undefined): Promise<Viewer | null> {
  if (!secret) return null;
  const kind = secret.startsWith(TokenPrefix.apiToken)
    ? 'apiToken'
    : secret.startsWith(TokenPrefix.session)
      ? 'session'
      : null;
  if (!kind) return null;
  const row = await readCredential(db, CREDENTIAL_TABLES[kind], { tokenHash: hashToken(secret) });
  const viewer = viewerOfCredential(row, { kind, id: row?.id ?? '' });
  if (viewer && row?.touch) {
    await db
      .updateTable('api_tokens')
      .set({ last_used_at: sql`now()` })
      .where('id', '=', row.id)
      .execute();
  }
  return viewer;
}

/**
 * Re-reads a viewer from its credential, by the same rule: before every WebSocket operation, so
 * revocations, expiries and role changes apply at once. (Subscription events re-check in batches:
 * events/delivery-batch.ts.)
 */
export async function reloadViewer(db: Db, viewer: Viewer): Promise<Viewer | null> {
  const row = await readCredential(db, CREDENTIAL_TABLES[viewer.credential.kind], {
    id: viewer.credential.id,
    userId: viewer.id,
  });
  return viewerOfCredential(row, viewer.credential);
}

export async function login(prisma: PrismaClient, emailInput: string, password: string) {
  const email = emailInput.trim().toLowerCase();
  const user = await prisma.user.findUnique({ where: { email } });
  // Verify against a dummy hash for unknown emails so both paths take the same time.
  const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !valid) throw unauthenticated('Email or password is wrong.');
  const token = generateToken('session');
  await prisma.$transaction(async (tx) => {
    // Expiries are written on the database's clock, the one credential-validity.ts judges them by.
    await tx.$executeRaw`
      INSERT INTO sessions (id, user_id, token_hash, expires_at)
      VALUES (gen_random_uuid(), ${user.id}::uuid, ${hashToken(token)},
              now() + make_interval(secs => ${SESSION_LIFETIME_MS / 1000}))`;
    await recordAudit(tx, { actorId: user.id, action: 'auth.login', targetType: 'User', targetId: user.id });
  });
  return { user, sessionToken: token };
}

export async function logout(prisma: PrismaClient, viewer: Viewer) {
  await prisma.$transaction(async (tx) => {
    if (viewer.credential.kind === 'session') {
      await tx.session.update({ where: { id: viewer.credential.id }, data: { revokedAt: new Date() } });
    }
    await recordAudit(tx, {
      actorId: viewer.id,
      action: 'auth.logout',
      targetType: 'User',
      targetId: viewer.id,
    });
  });
}

export interface NewUserInput {
  email: string;
  name: string;
  password: string;
  siteRole: SiteRole;
}

async function validateNewUser(input: NewUserInput) {
  return {
    email: requireEmail('email', input.email),
    name: requireText('name', input.name, { max: 100 }),
    passwordHash: await hashPassword(requirePassword('password', input.password)),
    siteRole: input.siteRole,
  };
}

/**
 * The first admin can be created once, by anyone who reaches the API before any user exists (the start
 * command prints how), or from OUTPOST_ADMIN_EMAIL/OUTPOST_ADMIN_PASSWORD at start. A table lock makes
 * two racing set-ups produce one admin.
 */
export async function setupFirstAdmin(
  prisma: PrismaClient,
  input: Omit<NewUserInput, 'siteRole'>,
  actor: 'api' | 'environment' = 'api',
) {
  const data = await validateNewUser({ ...input, siteRole: 'ADMIN' });
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`;
    if ((await tx.user.count()) > 0) {
      throw preconditionFailed(
        'Outpost already has users: sign in instead, or ask an admin for an account.',
        {
          rule: 'FIRST_ADMIN_ONCE',
        },
      );
    }
    const user = await tx.user.create({ data });
    await recordAudit(tx, {
      actorId: user.id,
      action: 'auth.setupFirstAdmin',
      targetType: 'User',
      targetId: user.id,
      after: { email: user.email, via: actor },
    });
    return user;
  });
}

export async function createUser(prisma: PrismaClient, viewer: Viewer, input: NewUserInput) {
  const data = await validateNewUser(input);
  return prisma.$transaction(async (tx) => {
    await lockName(tx, 'user', data.email);
    if (await tx.user.findUnique({ where: { email: data.email } })) {
      throw conflict(`A user with email ${data.email} already exists.`, { field: 'email' });
    }
    const user = await tx.user.create({ data });
    await recordAudit(tx, {
      actorId: viewer.id,
      action: 'user.create',
      targetType: 'User',
      targetId: user.id,
      after: { email: user.email, name: user.name, siteRole: user.siteRole },
    });
    return user;
  });
}

export async function createApiToken(
  prisma: PrismaClient,
  viewer: Viewer,
  name: string,
  expiresInDays?: number | null,
) {
  const tokenName = requireText('name', name, { max: 100 });
  // Omitted = never expires; otherwise a whole number of days up to ten years (0 or a negative number
  // would silently mean "never" or "already expired", and a huge one overflows the date).
  if (expiresInDays != null) requireWholeNumber('expiresInDays', expiresInDays, { min: 1, max: 3650 });
  const token = generateToken('apiToken');
  const apiToken = await prisma.$transaction(async (tx) => {
    const { id } = await tx.apiToken.create({
      data: { userId: viewer.id, name: tokenName, tokenHash: hashToken(token) },
      select: { id: true },
    });
    // On the database's clock, the one credential-validity.ts judges it by.
    if (expiresInDays != null) {
      await tx.$executeRaw`
        UPDATE api_tokens SET expires_at = now() + make_interval(days => ${expiresInDays}) WHERE id = ${id}::uuid`;
    }
    const created = await tx.apiToken.findUniqueOrThrow({ where: { id } });
    await recordAudit(tx, {
      actorId: viewer.id,
      action: 'apiToken.create',
      targetType: 'ApiToken',
      targetId: created.id,
      after: { name: tokenName, expiresAt: created.expiresAt },
    });
    return created;
  });
  return { apiToken, token };
}

export async function revokeApiToken(prisma: PrismaClient, viewer: Viewer, id: string) {
  return prisma.$transaction(async (tx) => {
    const token = await tx.apiToken.findUnique({ where: { id } });
    // Whose tokens the viewer may revoke is apiTokenOwner's decision (authorization/decisions.ts).
    if (!token) throw notFound('API token', id);
    const revoked = await tx.apiToken.update({
      where: { id },
      data: { revokedAt: token.revokedAt ?? new Date() },
    });
    await recordAudit(tx, {
      actorId: viewer.id,
      action: 'apiToken.revoke',
      targetType: 'ApiToken',
      targetId: id,
    });
    return revoked;
  });
}
