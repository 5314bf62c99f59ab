import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { WebSocketServer } from 'ws';
import { subscribe } from '../events/shared-execution.js';
import { useServer } from 'graphql-ws/use/ws';
import {
  getOperationAST,
  GraphQLError,
  parse,
  type DocumentNode,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import type { Db, PrismaClient, SqlPool } from '@outpost/prisma';
import type { OutpostContext } from '../graphql/context.js';
import { createLoaders } from '../graphql/loaders.js';
import { compiledQueryGateway } from '../graphql/compiled-execution.js';
import { ErrorCode } from '../graphql/errors.js';
import {
  hideSchemaSuggestions,
  presentParseError,
  QUERY_PARSE_OPTIONS,
  queryLimitRules,
} from '../limits/query-limits.js';
import { RateLimits, rateLimitedError } from '../limits/rate-limits.js';
import { rateLimitPlugin } from '../limits/apollo-plugin.js';
import { websocketClientAddress } from '../limits/client-address.js';
import { reloadViewer, viewerFromSecret } from '../auth/auth.service.js';
import { agentFromSecret, isAgentPrincipalValid } from '../agents/agent-credentials.js';
import type { OutpostConfig } from '../config.js';
import type { NotificationListener } from '../events/notifications.js';
import { mountConsole, mountGraphiql } from './static.js';
import { SessionCookies } from './session-cookie.js';
import { ValidatedDocuments } from './validated-documents.js';
import {
  isDatabaseUnavailable,
  SERVICE_UNAVAILABLE,
  serviceUnavailableError,
  type DatabaseHealth,
} from '../database/availability.js';
import { findNulCharacter, nulCharacterError, refuseNulCharacters } from '../graphql/nul-characters.js';
import type { AgentConnections } from '../agents/agent-connections.js';
import type { AgentConnectionRef } from '../agents/agent-lease.js';

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
  close(): Promise<void>;
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

/**
 * Apollo files every validation error under GRAPHQL_VALIDATION_FAILED and every parse error under
 * GRAPHQL_PARSE_FAILED; a query limit (limits/query-limits.ts) gets its own code instead, as on graphql-ws.
 */
function presentQueryLimit(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (code === 'GRAPHQL_VALIDATION_FAILED' && typeof formatted.extensions?.limit === 'string') {
    return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.QUERY_LIMIT_EXCEEDED } };
  }
  if (code === 'GRAPHQL_PARSE_FAILED') {
    const limit = presentParseError(new GraphQLError(formatted.message));
    if (limit.extensions.code) return limit.toJSON();
  }
  return formatted;
}

/**
 * Errors we did not raise on purpose are masked: their messages may carry SQL or internals. An
 * unreachable database is the exception: clients get SERVICE_UNAVAILABLE, which says to retry.
 */
function formatError(development: boolean, databaseHealth: DatabaseHealth) {
  return (unpresented: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    if (unpresented.extensions?.code === SERVICE_UNAVAILABLE || isDatabaseUnavailable(error)) {
      databaseHealth.noteFailure();
      // `http` is the HTTP answer's status and headers (Apollo takes them from the error it raised, the
      // plugin below from the code), not part of the error a client reads, over HTTP or WebSocket.
      const { message, extensions } = serviceUnavailableError();
      const { http: _http, ...presented } = extensions;
      return { message, ...(unpresented.path ? { path: unpresented.path } : {}), extensions: presented };
    }
    const formatted = presentQueryLimit(unpresented);
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

/** A response that failed because the database is unreachable is a 503, which proxies and clients retry. */
const answer503WhenDatabaseUnavailable: ApolloServerPlugin<OutpostContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
        if (errors?.some((error) => error.extensions?.code === SERVICE_UNAVAILABLE)) {
          response.http.status = 503;
          response.http.headers.set('retry-after', '2');
        }
      },
    };
  },
};

/** Validation errors on graphql-ws, coded as Apollo codes them on HTTP (query limits keep their own). */
function presentValidationError(error: GraphQLError, hideSuggestions: boolean): GraphQLError {
  if (error.extensions.code) return error;
  return new GraphQLError(hideSuggestions ? hideSchemaSuggestions(error.message) : error.message, {
    nodes: error.nodes,
    extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
  });
}

/**
 * Batching is off, so a JSON array of operations is one error, however many it holds; this says so in
 * our error shape (Apollo's own answer is a bare 400) and before anything in it is looked at.
 */
function rejectBatches(req: Request, res: Response, next: NextFunction) {
  if (!Array.isArray(req.body)) return next();
  res.status(400).json({
    errors: [
      {
        message:
          'Batched requests (a JSON array of operations) are not accepted: send one operation per request.',
        extensions: { code: ErrorCode.BATCHING_NOT_SUPPORTED },
      },
    ],
  });
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0
    ? `${bytes / (1024 * 1024)} MB`
    : bytes % 1024 === 0
      ? `${bytes / 1024} kB`
      : `${bytes} bytes`;
}

export async function startHttpServer(options: OutpostHttpOptions): Promise<OutpostHttpServer> {
  const { prisma, db, schema, notifications, config, agentConnections } = options;
  let publicUrl = config.publicUrl ?? '';

  /** A secret is a user's session or API token, or an agent's registration token or credential. */
  const createContext = async (secret: string | undefined): Promise<OutpostContext> => {
    try {
      const [viewer, agent] = await Promise.all([viewerFromSecret(db, secret), agentFromSecret(db, secret)]);
      return {
        prisma,
        db,
        config,
        publicUrl,
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
      options.databaseHealth.noteFailure();
      throw serviceUnavailableError();
    }
  };
  // Counted in PostgreSQL, so every replica spends from the same budgets.
  const rateLimits = new RateLimits(config.rateLimits, options.pool);
  const validationRules = queryLimitRules({ introspection: config.introspection });
  const sessionCookies = new SessionCookies(config);
  const app = express();
  app.disable('x-powered-by');
  if (config.trustProxy) app.set('trust proxy', true);
  const httpServer = http.createServer(app);

  // graphql-ws shares the /graphql path with HTTP. Subscriptions authenticate with a token in
  // connectionParams ({ authorization: 'Bearer …' } or { token }), or the session cookie sent on the
  // upgrade request when the page that opened the socket is one of this server's (session-cookie.ts).
  // maxPayload: a message over the HTTP body limit closes the connection (1009) before it is parsed.
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    maxPayload: config.maxRequestBytes,
  });
  const formatSocketError = formatError(config.development, options.databaseHealth);
  const validatedDocuments = new ValidatedDocuments(schema, validationRules);
  const wsCleanup = useServer<
    Record<string, unknown> | undefined,
    { viewerContext?: OutpostContext; agentConnection?: AgentConnectionRef }
  >(
    {
      schema,
      // graphql-js's subscribe, but one execution per event for subscribers alike (shared-execution.ts).
      subscribe,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        // A cookie from a foreign page is dropped here, not the upgrade refused: the socket goes on as
        // anonymous, so a token in connectionParams still works from any page or client, and the page
        // gets nothing it could not have without the cookie (session-cookie.ts says why).
        const secret =
          (typeof params.token === 'string' ? params.token : undefined) ??
          bearerToken(typeof params.authorization === 'string' ? params.authorization : undefined) ??
          sessionCookies.sessionSecret(ctx.extra.request);
        const context = await createContext(secret);
        ctx.extra.viewerContext = context;
        // An agent's socket takes part in the agent lease (agents/agent-connections.ts).
        if (context.agent?.kind === 'credential') {
          try {
            ctx.extra.agentConnection = agentConnections.open(ctx.connectionParams);
          } catch (error) {
            ctx.extra.socket.close(4400, error instanceof Error ? error.message : 'Bad request');
            return false;
          }
        }
        return true;
      },
      // The holder's socket closed: the lease is released at once (see AgentConnections.closed).
      onClose: async (ctx) => {
        if (ctx.extra.agentConnection) await agentConnections.closed(ctx.extra.agentConnection);
      },
      // graphql-ws would parse and validate without our limits; this does it with the same token limit,
      // validation rules and rate limits as Apollo, and answers with errors before anything runs.
      onSubscribe: async (ctx, _id, payload) => {
        let document: DocumentNode;
        try {
          document = parse(payload.query, QUERY_PARSE_OPTIONS);
        } catch (error) {
          if (error instanceof GraphQLError) {
            const presented = presentParseError(error);
            return [
              presented.extensions.code
                ? presented
                : new GraphQLError(error.message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } }),
            ];
          }
          throw error;
        }
        const nul = findNulCharacter(document, payload.variables);
        if (nul) return [nulCharacterError(nul)];
        const errors = validatedDocuments.errors(payload.query, document);
        if (errors.length > 0)
          return errors.map((error) => presentValidationError(error, !config.introspection));
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) {
          return [
            new GraphQLError('Unable to identify operation: pass the operationName of one in the document.', {
              extensions: { code: 'OPERATION_RESOLUTION_FAILURE' },
            }),
          ];
        }
        // A connection stays open for hours: a token, session or credential revoked or expired since it
        // connected must stop working at its next operation, not at its next reconnect. Done here rather
        // than in `context` because here a failure can be answered for this operation alone: with the
        // database down, an agent's heartbeat gets SERVICE_UNAVAILABLE and its connection stays open,
        // so it heartbeats again the moment PostgreSQL is back instead of reconnecting with back-off.
        const base = ctx.extra.viewerContext!;
        let viewer: OutpostContext['viewer'];
        let agent: OutpostContext['agent'];
        try {
          [viewer, agent] = await Promise.all([
            base.viewer ? reloadViewer(db, base.viewer) : null,
            base.agent && (await isAgentPrincipalValid(db, base.agent)) ? base.agent : null,
          ]);
        } catch (error) {
          if (!isDatabaseUnavailable(error)) throw error;
          options.databaseHealth.noteFailure();
          return [serviceUnavailableError()];
        }
        // Each operation gets its own context object: subscriptions replace the viewer as they re-authorize.
        const contextValue: OutpostContext = {
          ...base,
          viewer,
          agent,
          agentConnection: ctx.extra.agentConnection,
          loaders: createLoaders(db),
        };
        const rejection = await rateLimits.check({
          document,
          operation,
          variables: payload.variables ?? undefined,
          context: contextValue,
          clientAddress: websocketClientAddress(ctx.extra.request, config.trustProxy),
        });
        if (rejection) return [rateLimitedError(rejection)];
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
        };
      },
      // Results over WebSocket get the same error treatment as over HTTP: internals masked, an
      // unreachable database reported as SERVICE_UNAVAILABLE.
      onNext: (_ctx, _id, _payload, _args, result) => {
        // Without errors the result goes out as it is (the same JSON): graphql-ws would otherwise copy
        // it for every subscriber, and one shared result reaches thousands of them (shared-execution.ts).
        if (!result.errors?.length) return result as FormattedExecutionResult;
        return { ...result, errors: result.errors.map((error) => formatSocketError(error.toJSON(), error)) };
      },
      // `error` messages: what onSubscribe refused, and a subscription whose event stream threw while
      // producing an event (the database down, a pool timeout), which graphql-ws wraps with the raw message.
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((error) => formatSocketError(error.toJSON(), error)),
    },
    wsServer,
  );

  const apollo = new ApolloServer<OutpostContext>({
    // The schema, with queries executed by compiled code (graphql/compiled-execution.ts).
    gateway: compiledQueryGateway(schema),
    // Off in production unless OUTPOST_INTROSPECTION=true; "Did you mean …?" hints go with it.
    introspection: config.introspection,
    hideSchemaDetailsFromClientErrors: !config.introspection,
    parseOptions: QUERY_PARSE_OPTIONS,
    validationRules,
    // One operation per request: a JSON array is refused before Apollo (rejectBatches below).
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: config.development,
    formatError: formatError(config.development, options.databaseHealth),
    // The process's owner (main.ts) stops everything in order on SIGTERM/SIGINT. Apollo's own handlers
    // (on whenever NODE_ENV is not "test") started a second stop alongside it that held the stop for the
    // 12 s step bound: a container stop (10 s grace) ended in SIGKILL (e2e/images.test.ts).
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Apollo's own landing page loads Apollo Sandbox from a CDN; browsers get our bundled GraphiQL.
      ApolloServerPluginLandingPageDisabled(),
      // Installed by default, it hooks every resolved field to compute cache hints nobody reads here
      // (Outpost sends no Cache-Control for GraphQL): thousands of calls per providers page.
      ApolloServerPluginCacheControlDisabled(),
      refuseNulCharacters,
      answer503WhenDatabaseUnavailable,
      rateLimitPlugin(rateLimits),
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
    express.json({ limit: config.maxRequestBytes }),
    rejectBatches,
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const secret = bearerToken(req.headers.authorization) ?? sessionCookies.sessionSecret(req);
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
      if (error.type === 'entity.too.large') {
        const message = `The request body is larger than the ${formatBytes(config.maxRequestBytes)} this API accepts.`;
        res.status(413).json({
          errors: [
            { message, extensions: { code: ErrorCode.REQUEST_TOO_LARGE, maxBytes: config.maxRequestBytes } },
          ],
        });
        return;
      }
      const message =
        status < 500 ? `The request could not be read: ${error.message}` : 'Internal server error.';
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
    websocketDocumentCache: validatedDocuments,
    async close() {
      await apollo.stop();
      rateLimits.stop();
    },
  };
}
