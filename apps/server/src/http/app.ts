import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Db, PrismaClient, SqlPool } from '@outpost/prisma';
import { queryLimitRules } from '../limits/query-limits.js';
import { RateLimits } from '../limits/rate-limits.js';
import type { OutpostConfig } from '../config.js';
import type { NotificationListener } from '../events/notifications.js';
import type { DatabaseHealth } from '../database/availability.js';
import type { AgentConnections } from '../agents/agent-connections.js';
import { contextFactory, type CreateContext } from './authentication.js';
import { graphqlOverHttp, startApollo } from './apollo.js';
import { answerUnreadableBodies } from './request-body.js';
import { SessionCookies } from './session-cookie.js';
import { mountConsole, mountGraphiql } from './static.js';
import type { ValidatedDocuments } from './validated-documents.js';
import { serveGraphqlOverWebSocket } from './websocket.js';

// The HTTP server and what it serves, wired together: /healthz, GraphiQL and GraphQL on /graphql (HTTP
// through Apollo, apollo.ts; WebSocket through graphql-ws, websocket.ts), the console on every other
// path. Who a request is: authentication.ts; how its errors look: error-format.ts and request-body.ts.

export interface OutpostHttpOptions {
  prisma: PrismaClient;
  db: Db;
  /** The pool under both, for the rate limits' store. */
  pool: SqlPool;
  schema: GraphQLSchema;
  notifications: NotificationListener;
  /** host/port (0 = a free port), development (stack traces), trustProxy, publicUrl. */
  config: OutpostConfig;
  /** Told about every request that failed because PostgreSQL was unreachable. */
  databaseHealth: DatabaseHealth;
  /** This replica's side of the agent lease: agent sockets are registered there and closed there. */
  agentConnections: AgentConnections;
}

export interface OutpostHttpServer {
  url: string;
  graphqlUrl: string;
  websocketUrl: string;
  /** Where browsers open GraphiQL (the /graphql URL), when it is enabled and built. */
  graphiqlUrl: string | undefined;
  /** Where the console SPA is served, when `config.consoleDir` holds a build. */
  consoleUrl: string | undefined;
  /** How much document text graphql-ws's validation cache holds, and its bound (for tests and operators). */
  websocketDocumentCache: Pick<ValidatedDocuments, 'bytes' | 'maxBytes'>;
  /** The context a request carrying this secret gets (tests execute operations in-process with it). */
  createContext: CreateContext;
  close(): Promise<void>;
}

export async function startHttpServer(options: OutpostHttpOptions): Promise<OutpostHttpServer> {
  const { prisma, schema, config, databaseHealth } = options;
  let publicUrl = config.publicUrl ?? '';
  const createContext = contextFactory({ ...options, publicUrl: () => publicUrl });
  // Counted in PostgreSQL, so every replica spends from the same budgets.
  const rateLimits = new RateLimits(config.rateLimits, options.pool);
  const validationRules = queryLimitRules({ introspection: config.introspection });
  const sessionCookies = new SessionCookies(config);
  const app = express();
  app.disable('x-powered-by');
  if (config.trustProxy) app.set('trust proxy', true);
  const httpServer = http.createServer(app);

  // graphql-ws shares the /graphql path with HTTP.
  const webSocket = serveGraphqlOverWebSocket({
    ...options,
    httpServer,
    sessionCookies,
    createContext,
    rateLimits,
    validationRules,
  });
  const apollo = await startApollo({
    httpServer,
    schema,
    config,
    databaseHealth,
    rateLimits,
    validationRules,
    drainWebSockets: () => webSocket.dispose(),
  });

  app.get('/healthz', async (_req, res) => {
    try {
      await prisma.$queryRaw`SELECT 1`;
      res.json({ status: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable', reason: 'database unreachable' });
    }
  });

  // Browser navigations to /graphql get GraphiQL; GraphQL requests (POST, GET with JSON) pass through.
  const graphiql = mountGraphiql(app, config.graphiql);

  app.use(
    '/graphql',
    ...graphqlOverHttp(apollo, { createContext, sessionCookies, maxRequestBytes: config.maxRequestBytes }),
  );

  const consoleApp = mountConsole(app, config.consoleDir);

  app.use(answerUnreadableBodies(config.maxRequestBytes));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, resolve);
  });
  const { port } = httpServer.address() as AddressInfo;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${hostForUrl}:${port}`;
  publicUrl ||= url;
  return {
    url,
    graphqlUrl: `${url}/graphql`,
    websocketUrl: `ws://${hostForUrl}:${port}/graphql`,
    graphiqlUrl: graphiql.built ? `${url}/graphql` : undefined,
    consoleUrl: consoleApp.served ? `${url}/` : undefined,
    websocketDocumentCache: webSocket.validatedDocuments,
    createContext,
    async close() {
      await apollo.stop();
      rateLimits.stop();
    },
  };
}
