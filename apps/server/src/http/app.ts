import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { WebSocketServer } from 'ws';
import { subscribe } from '../events/shared-execution.js';
import { useServer } from 'graphql-ws/use/ws';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { PrismaClient } from '@outpost/prisma';
import type { OutpostContext } from '../graphql/context.js';
import { createLoaders } from '../graphql/loaders.js';
import { ErrorCode } from '../graphql/errors.js';
import { reloadViewer, SESSION_COOKIE, viewerFromSecret } from '../auth/auth.service.js';
import { agentFromSecret, isAgentPrincipalValid } from '../agents/agent-credentials.js';
import type { OutpostConfig } from '../config.js';
import type { NotificationListener } from '../events/notifications.js';
import { mountConsole, mountGraphiql } from './static.js';

export interface OutpostHttpOptions {
  prisma: PrismaClient;
  schema: GraphQLSchema;
  notifications: NotificationListener;
  /** host/port (0 = a free port), development (stack traces), trustProxy, publicUrl. */
  config: OutpostConfig;
}

export interface OutpostHttpServer {
  url: string;
  graphqlUrl: string;
  websocketUrl: string;
  /** Where browsers open GraphiQL (the /graphql URL), when it is enabled and built. */
  graphiqlUrl: string | undefined;
  /** Where the console SPA is served, when `config.consoleDir` holds a build. */
  consoleUrl: string | undefined;
  close(): Promise<void>;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

const KNOWN_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Errors we did not raise on purpose are masked: their messages may carry SQL or internals. */
function formatError(development: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && KNOWN_CODES.has(code)) {
      if (development) return formatted;
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    console.error('internal error while serving GraphQL:', error);
    return {
      message: 'Internal server error: the request failed on the server; it has been logged.',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

export async function startHttpServer(options: OutpostHttpOptions): Promise<OutpostHttpServer> {
  const { prisma, schema, notifications, config } = options;
  let publicUrl = config.publicUrl ?? '';

  /** A secret is a user's session or API token, or an agent's registration token or credential. */
  const createContext = async (secret: string | undefined): Promise<OutpostContext> => {
    const [viewer, agent] = await Promise.all([
      viewerFromSecret(prisma, secret),
      agentFromSecret(prisma, secret),
    ]);
    return { prisma, config, publicUrl, viewer, agent, loaders: createLoaders(prisma), notifications };
  };
  const app = express();
  app.disable('x-powered-by');
  if (config.trustProxy) app.set('trust proxy', true);
  const httpServer = http.createServer(app);

  // graphql-ws shares the /graphql path with HTTP. Subscriptions authenticate with the session cookie
  // sent on the upgrade request, or a token in connectionParams ({ authorization: 'Bearer …' } or { token }).
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const wsCleanup = useServer<Record<string, unknown> | undefined, { viewerContext?: OutpostContext }>(
    {
      schema,
      // graphql-js's subscribe, but one execution per event for subscribers alike (shared-execution.ts).
      subscribe,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const secret =
          (typeof params.token === 'string' ? params.token : undefined) ??
          bearerToken(typeof params.authorization === 'string' ? params.authorization : undefined) ??
          readCookie(ctx.extra.request.headers.cookie, SESSION_COOKIE);
        (ctx.extra as { viewerContext?: OutpostContext }).viewerContext = await createContext(secret);
        return true;
      },
      context: async (ctx) => {
        const base = (ctx.extra as { viewerContext: OutpostContext }).viewerContext;
        // A connection stays open for hours: a token, session or credential revoked or expired since it
        // connected must stop working at its next operation, not at its next reconnect.
        const [viewer, agent] = await Promise.all([
          base.viewer ? reloadViewer(prisma, base.viewer) : null,
          base.agent && (await isAgentPrincipalValid(prisma, base.agent)) ? base.agent : null,
        ]);
        // Each operation gets its own context object: subscriptions replace the viewer as they re-authorize.
        return { ...base, viewer, agent, loaders: createLoaders(prisma) };
      },
    },
    wsServer,
  );

  const apollo = new ApolloServer<OutpostContext>({
    schema,
    introspection: true,
    includeStacktraceInErrorResponses: config.development,
    formatError: formatError(config.development),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Apollo's own landing page loads Apollo Sandbox from a CDN; browsers get our bundled GraphiQL.
      ApolloServerPluginLandingPageDisabled(),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
    ],
  });
  await apollo.start();

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
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const secret =
          bearerToken(req.headers.authorization) ?? readCookie(req.headers.cookie, SESSION_COOKIE);
        return { ...(await createContext(secret)), http: { req, res } };
      },
    }),
  );

  const consoleApp = mountConsole(app, config.consoleDir);

  // Body-parser failures (malformed JSON, a body over the limit) answer in GraphQL's error shape, not HTML.
  app.use(
    (
      error: { status?: number; type?: string; message: string },
      _req: Request,
      res: Response,
      next: NextFunction,
    ) => {
      if (res.headersSent) return next(error);
      const status = error.status ?? 500;
      const message =
        error.type === 'entity.too.large'
          ? 'The request body is larger than the 1 MB this API accepts.'
          : status < 500
            ? `The request could not be read: ${error.message}`
            : 'Internal server error.';
      const code = status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
      res.status(status).json({ errors: [{ message, extensions: { code } }] });
    },
  );

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
    async close() {
      await apollo.stop();
    },
  };
}
