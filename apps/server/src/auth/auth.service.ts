import type { Membership, OrganizationRole, PrismaClient, SiteRole, User } from '@outpost/prisma';
import type { Viewer } from '../graphql/context.js';
import { conflict, notFound, preconditionFailed, unauthenticated } from '../graphql/errors.js';
import { requireEmail, requirePassword, requireText, requireWholeNumber } from '../graphql/validation.js';
import { recordAudit } from '../audit/audit-log.js';
import { lockName } from '../database/locks.js';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './passwords.js';
import { generateToken, hashToken, TokenPrefix } from './tokens.js';
import { sqlReader } from '../database/sql.js';

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

async function loadViewer(
  prisma: PrismaClient,
  userId: string,
  credential: Viewer['credential'],
): Promise<Viewer | null> {
  const user = await prisma.user.findUnique({ where: { id: userId }, include: { memberships: true } });
  return user ? viewerOf(user, credential) : null;
}

/** A session or API token row with its user and the user's memberships (null user fields: no user). */
interface CredentialWithUser {
  id: string;
  userId: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  /** Always null for sessions. */
  lastUsedAt: Date | null;
  email: string | null;
  name: string | null;
  siteRole: SiteRole | null;
  memberships: Array<{ organizationId: string; role: OrganizationRole }>;
}

/**
 * Every request starts here: the credential, its user and the user's memberships in one statement through
 * the pool, where Prisma took three query-builder calls (each through its query compiler; about 2 ms of
 * CPU per request, bench/providers-list.mjs). `table` is one of two constants, never input.
 */
async function readCredential(
  prisma: PrismaClient,
  table: 'api_tokens' | 'sessions',
  tokenHash: string,
): Promise<CredentialWithUser | undefined> {
  const lastUsedAt = table === 'api_tokens' ? 'c.last_used_at' : 'NULL::timestamptz';
  const [row] = await sqlReader(prisma)<CredentialWithUser>(
    `SELECT c.id, c.user_id AS "userId", c.expires_at AS "expiresAt", c.revoked_at AS "revokedAt",
            ${lastUsedAt} AS "lastUsedAt", u.email, u.name, u.site_role::text AS "siteRole",
            COALESCE((SELECT json_agg(json_build_object('organizationId', m.organization_id, 'role', m.role))
                      FROM memberships m WHERE m.user_id = u.id), '[]'::json) AS memberships
     FROM ${table} c LEFT JOIN users u ON u.id = c.user_id
     WHERE c.token_hash = $1`,
    [tokenHash],
  );
  return row;
}

function viewerOfCredential(row: CredentialWithUser, credential: Viewer['credential']): Viewer | null {
  if (row.email === null || row.name === null || row.siteRole === null) return null;
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

/** Resolves a bearer token or session cookie value to a viewer; null when missing, unknown, expired or revoked. */
export async function viewerFromSecret(
  prisma: PrismaClient,
  secret: string | undefined,
): Promise<Viewer | null> {
  if (!secret) return null;
  const tokenHash = hashToken(secret);
  const now = new Date();
  if (secret.startsWith(TokenPrefix.apiToken)) {
    const token = await readCredential(prisma, 'api_tokens', tokenHash);
    if (!token || token.revokedAt || (token.expiresAt && token.expiresAt <= now)) return null;
    // lastUsedAt is advisory: update it at most once a minute to keep reads cheap.
    if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > 60_000) {
      await prisma.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: now } });
    }
    return viewerOfCredential(token, { kind: 'apiToken', id: token.id });
  }
  if (secret.startsWith(TokenPrefix.session)) {
    const session = await readCredential(prisma, 'sessions', tokenHash);
    if (!session || session.revokedAt || (session.expiresAt && session.expiresAt <= now)) return null;
    return viewerOfCredential(session, { kind: 'session', id: session.id });
  }
  return null;
}

/** Re-reads a viewer from its credential: used before every subscription event, so revocations and role changes apply at once. */
export async function reloadViewer(prisma: PrismaClient, viewer: Viewer): Promise<Viewer | null> {
  const now = new Date();
  const credential =
    viewer.credential.kind === 'apiToken'
      ? await prisma.apiToken.findUnique({ where: { id: viewer.credential.id } })
      : await prisma.session.findUnique({ where: { id: viewer.credential.id } });
  if (!credential || credential.revokedAt || (credential.expiresAt && credential.expiresAt <= now))
    return null;
  return loadViewer(prisma, viewer.id, viewer.credential);
}

export async function login(prisma: PrismaClient, emailInput: string, password: string) {
  const email = emailInput.trim().toLowerCase();
  const user = await prisma.user.findUnique({ where: { email } });
  // Verify against a dummy hash for unknown emails so both paths take the same time.
  const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !valid) throw unauthenticated('Email or password is wrong.');
  const token = generateToken('session');
  await prisma.$transaction(async (tx) => {
    await tx.session.create({
      data: {
        userId: user.id,
        tokenHash: hashToken(token),
        expiresAt: new Date(Date.now() + SESSION_LIFETIME_MS),
      },
    });
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
    const created = await tx.apiToken.create({
      data: {
        userId: viewer.id,
        name: tokenName,
        tokenHash: hashToken(token),
        expiresAt: expiresInDays != null ? new Date(Date.now() + expiresInDays * 86_400_000) : null,
      },
    });
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
