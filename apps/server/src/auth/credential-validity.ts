import { sql, type RawBuilder, type SqlBool } from 'kysely';

/**
 * The one rule for whether a credential still works — a browser session, an API token, an agent's
 * registration token or credential (a rotated one keeps working until the end of its overlap, which
 * rotation writes as its expires_at): not revoked, and not past its expiry by the DATABASE's clock.
 * Every check goes through here — signing in over HTTP and WebSocket, the per-operation re-check of a
 * WebSocket, the batched re-check before each subscription event (events/delivery-batch.ts), and the
 * agent's status writes (providers/provider-status.ts) — so replicas whose clocks disagree still agree
 * on which credentials are valid, and no application clock is compared with an expiry anywhere.
 *
 * `alias` names the credential table in the statement: one of the constants below, never input.
 */
export type CredentialAlias = 'c' | 't' | 'agent_credentials';

/** The rule as SQL text, for the statements still sent through Prisma's $queryRaw inside its transactions. */
export function credentialValidSql(alias: CredentialAlias): string {
  return `(${alias}.revoked_at IS NULL AND (${alias}.expires_at IS NULL OR ${alias}.expires_at > now()))`;
}

/** The rule as a Kysely expression. */
export function credentialIsValid(alias: CredentialAlias): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.raw(credentialValidSql(alias))}`;
}

/**
 * lastUsedAt is advisory: it is written at most once a minute (on the database's clock too), so a
 * request, heartbeat or re-check stays one read.
 */
export function lastUseIsStale(alias: CredentialAlias): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.raw(`(${alias}.last_used_at IS NULL OR ${alias}.last_used_at < now() - interval '1 minute')`)}`;
}
