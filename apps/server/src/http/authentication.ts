import type { IncomingMessage } from 'node:http';
import type { Db, PrismaClient } from '@outpost/prisma';
import type { OutpostConfig } from '../config.js';
import type { OutpostContext } from '../graphql/context.js';
import { createLoaders } from '../graphql/loaders.js';
import { reloadViewer, viewerFromSecret } from '../auth/auth.service.js';
import { agentFromSecret, isAgentPrincipalValid } from '../agents/agent-credentials.js';
import type { NotificationListener } from '../events/notifications.js';
import type { AgentConnections } from '../agents/agent-connections.js';
import {
  isDatabaseUnavailable,
  serviceUnavailableError,
  type DatabaseHealth,
} from '../database/availability.js';
import type { SessionCookies } from './session-cookie.js';

// Who is calling: the secret a request or WebSocket carries, and the context it authenticates to. Which
// secrets are valid is decided by the services (auth.service.ts for users, agent-credentials.ts for
// agents); which session cookie counts at all, by session-cookie.ts.

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

/** An HTTP request's secret: `Authorization: Bearer …`, else the session cookie when it counts. */
export function requestSecret(request: IncomingMessage, sessionCookies: SessionCookies): string | undefined {
  return bearerToken(request.headers.authorization) ?? sessionCookies.sessionSecret(request);
}

/**
 * A graphql-ws connection's secret: a token in connectionParams (`{ token }` or
 * `{ authorization: 'Bearer …' }`), else the session cookie sent on the upgrade request when the page
 * that opened the socket is one of this server's. A cookie from a foreign page is dropped, not the
 * upgrade refused: the socket goes on as anonymous, so a token in connectionParams still works from any
 * page or client, and the page gets nothing it could not have without the cookie (session-cookie.ts).
 */
export function connectionSecret(
  connectionParams: Record<string, unknown>,
  upgrade: IncomingMessage,
  sessionCookies: SessionCookies,
): string | undefined {
  const { token, authorization } = connectionParams;
  return (
    (typeof token === 'string' ? token : undefined) ??
    bearerToken(typeof authorization === 'string' ? authorization : undefined) ??
    sessionCookies.sessionSecret(upgrade)
  );
}

export type CreateContext = (secret: string | undefined) => Promise<OutpostContext>;

/**
 * The context of one HTTP request or one WebSocket connection, from its secret: a user's session or API
 * token, or an agent's registration token or credential. `publicUrl` is read at each call: it is only
 * known once the server listens, when OUTPOST_PUBLIC_URL is unset.
 */
export function contextFactory(parts: {
  prisma: PrismaClient;
  db: Db;
  config: OutpostConfig;
  notifications: NotificationListener;
  agentConnections: AgentConnections;
  databaseHealth: DatabaseHealth;
  publicUrl: () => string;
}): CreateContext {
  const { prisma, db, config, notifications, agentConnections, databaseHealth } = parts;
  return async (secret) => {
    try {
      const [viewer, agent] = await Promise.all([viewerFromSecret(db, secret), agentFromSecret(db, secret)]);
      return {
        prisma,
        db,
        config,
        publicUrl: parts.publicUrl(),
        viewer,
        agent,
        loaders: createLoaders(db),
        notifications,
        agentConnections,
      };
    } catch (error) {
      // Authenticating reads the database first: when it is down, say so (503, retryable) here, since
      // Apollo answers other context failures with a plain 500 before any plugin sees the request.
      if (!isDatabaseUnavailable(error)) throw error;
      databaseHealth.noteFailure();
      throw serviceUnavailableError();
    }
  };
}

/**
 * The viewer and agent of a long-lived connection, checked again: a token, session or credential revoked
 * or expired since the connection authenticated yields null. Throws what the database throws (the caller
 * decides how to answer an outage).
 */
export async function reauthenticate(
  db: Db,
  authenticated: Pick<OutpostContext, 'viewer' | 'agent'>,
): Promise<Pick<OutpostContext, 'viewer' | 'agent'>> {
  const [viewer, agent] = await Promise.all([
    authenticated.viewer ? reloadViewer(db, authenticated.viewer) : null,
    authenticated.agent && (await isAgentPrincipalValid(db, authenticated.agent))
      ? authenticated.agent
      : null,
  ]);
  return { viewer, agent };
}
