import type { Request, Response } from 'express';
import type { Db, OrganizationRole, PrismaClient, SiteRole } from '@outpost/prisma';
import type { Loaders } from './loaders.js';
import type { NotificationListener } from '../events/notifications.js';
import type { AgentPrincipal } from '../agents/agent-credentials.js';
import type { OutpostConfig } from '../config.js';
import type { AgentConnections } from '../agents/agent-connections.js';
import type { AgentConnectionRef } from '../agents/agent-lease.js';

/** The signed-in user as the API sees them for one request (or one subscription event). */
export interface Viewer {
  id: string;
  email: string;
  name: string;
  siteRole: SiteRole;
  /** Organization id → the viewer's role there. */
  organizationRoles: Map<string, OrganizationRole>;
  /** How they signed in: the session cookie or an API token (used by logout and token revocation). */
  credential: { kind: 'session' | 'apiToken'; id: string };
}

export interface OutpostContext {
  prisma: PrismaClient;
  /** Application queries (Kysely over the same pool). */
  db: Db;
  config: OutpostConfig;
  /** Where agents and the CLI reach this server (OUTPOST_PUBLIC_URL, or the address it listens on). */
  publicUrl: string;
  viewer: Viewer | null;
  /** Set when a provider agent called with its registration token or credential (never with a viewer). */
  agent: AgentPrincipal | null;
  /** The agent's graphql-ws connection, which takes part in the agent lease; absent over HTTP. */
  agentConnection?: AgentConnectionRef;
  /** This replica's side of the agent lease. */
  agentConnections: AgentConnections;
  loaders: Loaders;
  /** This process's LISTEN connection; subscriptions read events from it. */
  notifications: NotificationListener;
  /**
   * Set by login and setupFirstAdmin: the user the caller has just proven to be, or created, before any
   * credential exists; that user's own fields are theirs to read in the response (authorization/decisions.ts).
   */
  provenUserId?: string;
  /** Present for HTTP requests (login sets the cookie); absent for WebSocket operations. */
  http?: { req: Request; res: Response };
}
