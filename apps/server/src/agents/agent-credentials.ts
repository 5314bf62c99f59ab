import { sql } from 'kysely';
import { Prisma, type Db, type PrismaClient } from '@outpost/prisma';
import { generateToken, hashToken, TokenPrefix } from '../auth/tokens.js';
import { notFound, unauthenticated } from '../graphql/errors.js';
import { recordAudit } from '../audit/audit-log.js';
import { changeProviderStatus } from '../providers/provider-status.js';
import type { Viewer } from '../graphql/context.js';
import { credentialIsValid, credentialValidSql, lastUseIsStale } from '../auth/credential-validity.js';

/**
 * Secrets that identify a provider's agent (apps/agent/PROTOCOL.md "Tokens"): one-time registration
 * tokens and the credentials they are exchanged for. Both are stored as SHA-256 hashes only.
 */

export interface AgentPrincipal {
  credentialId: string;
  providerId: string;
  /** A registration token may only call registerAgent; a credential may call the other agent fields. */
  kind: 'registration' | 'credential';
}

/** Resolves an `oprg_`/`opag_` secret; null when unknown, used, expired or revoked (credential-validity.ts). */
export async function agentFromSecret(db: Db, secret: string | undefined): Promise<AgentPrincipal | null> {
  if (
    !secret ||
    !(secret.startsWith(TokenPrefix.registration) || secret.startsWith(TokenPrefix.agentCredential))
  ) {
    return null;
  }
  // Every agent operation (a heartbeat every few seconds per agent) starts here: one statement.
  const credential = await db
    .selectFrom('agent_credentials')
    .select([
      'id',
      'provider_id as providerId',
      'is_registration as isRegistration',
      lastUseIsStale('agent_credentials').as('touch'),
    ])
    .where('token_hash', '=', hashToken(secret))
    .where(credentialIsValid('agent_credentials'))
    .executeTakeFirst();
  if (!credential) return null;
  if (credential.isRegistration !== secret.startsWith(TokenPrefix.registration)) return null;
  if (credential.touch) {
    await db
      .updateTable('agent_credentials')
      .set({ last_used_at: sql`now()` })
      .where('id', '=', credential.id)
      .execute();
  }
  return {
    credentialId: credential.id,
    providerId: credential.providerId,
    kind: credential.isRegistration ? 'registration' : 'credential',
  };
}

/** Re-checks a principal before each WebSocket operation and agent-lease event, by the same rule. */
export async function isAgentPrincipalValid(db: Db, principal: AgentPrincipal): Promise<boolean> {
  const valid = await db
    .selectFrom('agent_credentials')
    .select('id')
    .where('id', '=', principal.credentialId)
    .where(credentialIsValid('agent_credentials'))
    .executeTakeFirst();
  return valid !== undefined;
}

/**
 * Issues a registration token for the provider and retires any unused earlier one: only the newest
 * printed token can register an agent.
 */
export async function issueRegistrationToken(
  tx: Prisma.TransactionClient,
  providerId: string,
  ttlHours: number,
): Promise<{ token: string; expiresAt: Date }> {
  const token = generateToken('registration');
  await tx.agentCredential.updateMany({
    where: { providerId, isRegistration: true, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  // The expiry is written on the database's clock, the one credential-validity.ts judges it by.
  const [issued] = await tx.$queryRaw<Array<{ expiresAt: Date }>>`
    INSERT INTO agent_credentials (id, provider_id, token_hash, is_registration, expires_at)
    VALUES (gen_random_uuid(), ${providerId}::uuid, ${hashToken(token)}, true,
            now() + make_interval(secs => ${ttlHours * 3600}))
    RETURNING expires_at AS "expiresAt"`;
  return { token, expiresAt: issued!.expiresAt };
}

/**
 * Exchanges a registration token for a credential. Locking the token row and revoking it in the same
 * transaction makes the exchange happen once: a replayed or concurrent second use finds it revoked.
 */
export async function registerAgent(prisma: PrismaClient, principal: AgentPrincipal) {
  return prisma.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id FROM agent_credentials
      WHERE id = ${principal.credentialId}::uuid AND is_registration
        AND ${Prisma.raw(credentialValidSql('agent_credentials'))}
      FOR UPDATE`;
    if (locked.length === 0) {
      throw unauthenticated('This registration token was already used or has expired: issue a new one.');
    }
    await tx.agentCredential.update({
      where: { id: principal.credentialId },
      data: { revokedAt: new Date() },
    });
    return issueCredential(tx, principal.providerId, 'agent.register', {});
  });
}

/** Creates a credential for the provider's agent and audits it; what registerAgent and rotation return. */
async function issueCredential(
  tx: Prisma.TransactionClient,
  providerId: string,
  action: 'agent.register' | 'agent.rotateCredential',
  details: Record<string, unknown>,
) {
  const credential = generateToken('agentCredential');
  await tx.agentCredential.create({ data: { providerId, tokenHash: hashToken(credential) } });
  const provider = await tx.workspaceProvider.findUniqueOrThrow({ where: { id: providerId } });
  await recordAudit(tx, {
    actorId: null,
    action,
    targetType: 'WorkspaceProvider',
    targetId: provider.id,
    after: { provider: provider.name, ...details },
  });
  return { providerId: provider.id, providerName: provider.name, namespace: provider.namespace, credential };
}

/** A new credential for the calling agent; the old one keeps working for the overlap window. */
export async function rotateAgentCredential(
  prisma: PrismaClient,
  principal: AgentPrincipal,
  overlapMinutes: number,
) {
  return prisma.$transaction(async (tx) => {
    // The overlap ends by the database's clock, the one credentialIsValid judges it by.
    const [rotated] = await tx.$queryRaw<Array<{ overlapEnds: Date }>>`
      UPDATE agent_credentials
      SET expires_at = now() + make_interval(secs => ${overlapMinutes * 60})
      WHERE id = ${principal.credentialId}::uuid
      RETURNING expires_at AS "overlapEnds"`;
    const overlapEnds = rotated!.overlapEnds;
    return issueCredential(tx, principal.providerId, 'agent.rotateCredential', {
      previousCredentialExpiresAt: overlapEnds,
    });
  });
}

/** An admin cuts a provider's agent off: every credential and registration token stops working at once. */
export async function revokeAgentCredentials(prisma: PrismaClient, viewer: Viewer, providerId: string) {
  return prisma.$transaction(async (tx) => {
    const provider = await tx.workspaceProvider.findUnique({ where: { id: providerId } });
    if (!provider) throw notFound('Workspace provider', providerId);
    const { count } = await tx.agentCredential.updateMany({
      where: { providerId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    await recordAudit(tx, {
      actorId: viewer.id,
      action: 'workspaceProvider.revokeAgentCredentials',
      targetType: 'WorkspaceProvider',
      targetId: providerId,
      after: { revoked: count },
    });
    // ERROR whatever the status was, a never-connected PENDING provider included: with its credentials
    // revoked no agent can act for it until an admin issues a new registration token, and the message
    // says so (the schema's promise on revokeAgentCredentials).
    await changeProviderStatus(tx, providerId, {
      status: 'ERROR',
      message:
        'The agent credentials were revoked: issue a new registration token (issueProviderRegistrationToken) and redeploy the agent with it.',
    });
    return tx.workspaceProvider.findUniqueOrThrow({ where: { id: providerId } });
  });
}

/**
 * For the built-in provider's in-process agent: a fresh credential each start. Credentials of earlier
 * starts are revoked once idle for 10 minutes (other replicas' agents keep theirs in use).
 */
export async function mintBuiltInAgentCredential(prisma: PrismaClient, providerId: string): Promise<string> {
  return prisma.$transaction(async (tx) => {
    // Idle by the database's clock, which stamps last_used_at (credential-validity.ts).
    await tx.$executeRaw`
      UPDATE agent_credentials SET revoked_at = now()
      WHERE provider_id = ${providerId}::uuid AND revoked_at IS NULL
        AND COALESCE(last_used_at, created_at) < now() - interval '10 minutes'`;
    const credential = generateToken('agentCredential');
    await tx.agentCredential.create({ data: { providerId, tokenHash: hashToken(credential) } });
    return credential;
  });
}
