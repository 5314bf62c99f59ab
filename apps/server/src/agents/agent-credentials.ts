import type { PrismaClient, Prisma } from '@outpost/prisma';
import { generateToken, hashToken, TokenPrefix } from '../auth/tokens.js';
import { notFound, unauthenticated } from '../graphql/errors.js';
import { recordAudit } from '../audit/audit-log.js';
import { changeProviderStatus } from '../providers/provider-status.js';
import type { Viewer } from '../graphql/context.js';
import { sqlReader } from '../database/sql.js';

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

/** Resolves an `oprg_`/`opag_` secret; null when unknown, used, expired or revoked. */
export async function agentFromSecret(
  prisma: PrismaClient,
  secret: string | undefined,
): Promise<AgentPrincipal | null> {
  if (
    !secret ||
    !(secret.startsWith(TokenPrefix.registration) || secret.startsWith(TokenPrefix.agentCredential))
  ) {
    return null;
  }
  // Every agent operation (a heartbeat every few seconds per agent) starts here: one statement through the
  // pool rather than a Prisma call, whose query compiler cost more CPU than the statement (database/sql.ts).
  const [credential] = await sqlReader(prisma)<{
    id: string;
    providerId: string;
    isRegistration: boolean;
    lastUsedAt: Date | null;
    expiresAt: Date | null;
    revokedAt: Date | null;
  }>(
    `SELECT id, provider_id AS "providerId", is_registration AS "isRegistration", last_used_at AS "lastUsedAt",
            expires_at AS "expiresAt", revoked_at AS "revokedAt"
     FROM agent_credentials WHERE token_hash = $1`,
    [hashToken(secret)],
  );
  const now = new Date();
  if (!credential || credential.revokedAt || (credential.expiresAt && credential.expiresAt <= now))
    return null;
  if (credential.isRegistration !== secret.startsWith(TokenPrefix.registration)) return null;
  // lastUsedAt is advisory: write it at most once a minute so heartbeats stay one UPDATE.
  if (!credential.lastUsedAt || now.getTime() - credential.lastUsedAt.getTime() > 60_000) {
    await prisma.agentCredential.update({ where: { id: credential.id }, data: { lastUsedAt: now } });
  }
  return {
    credentialId: credential.id,
    providerId: credential.providerId,
    kind: credential.isRegistration ? 'registration' : 'credential',
  };
}

/** Re-checks a principal before each subscription event, so a revocation ends the subscription. */
export async function isAgentPrincipalValid(
  prisma: PrismaClient,
  principal: AgentPrincipal,
): Promise<boolean> {
  const credential = await prisma.agentCredential.findUnique({ where: { id: principal.credentialId } });
  return (
    !!credential && !credential.revokedAt && (!credential.expiresAt || credential.expiresAt > new Date())
  );
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
  const expiresAt = new Date(Date.now() + ttlHours * 3_600_000);
  await tx.agentCredential.updateMany({
    where: { providerId, isRegistration: true, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  await tx.agentCredential.create({
    data: { providerId, tokenHash: hashToken(token), isRegistration: true, expiresAt },
  });
  return { token, expiresAt };
}

/**
 * Exchanges a registration token for a credential. Locking the token row and revoking it in the same
 * transaction makes the exchange happen once: a replayed or concurrent second use finds it revoked.
 */
export async function registerAgent(prisma: PrismaClient, principal: AgentPrincipal) {
  return prisma.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id FROM agent_credentials
      WHERE id = ${principal.credentialId}::uuid AND is_registration AND revoked_at IS NULL
        AND (expires_at IS NULL OR expires_at > now())
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
    const overlapEnds = new Date(Date.now() + overlapMinutes * 60_000);
    await tx.agentCredential.update({
      where: { id: principal.credentialId },
      data: { expiresAt: overlapEnds },
    });
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
    const idleSince = new Date(Date.now() - 10 * 60_000);
    await tx.agentCredential.updateMany({
      where: {
        providerId,
        revokedAt: null,
        OR: [{ lastUsedAt: { lt: idleSince } }, { lastUsedAt: null, createdAt: { lt: idleSince } }],
      },
      data: { revokedAt: new Date() },
    });
    const credential = generateToken('agentCredential');
    await tx.agentCredential.create({ data: { providerId, tokenHash: hashToken(credential) } });
    return credential;
  });
}
