import type http from 'node:http';
import type { RequestHandler } from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLSchema, ValidationRule } from 'graphql';
import type { OutpostConfig } from '../config.js';
import type { OutpostContext } from '../graphql/context.js';
import { compiledQueryGateway } from '../graphql/compiled-execution.js';
import { refuseNulCharacters } from '../graphql/nul-characters.js';
import { QUERY_PARSE_OPTIONS } from '../limits/query-limits.js';
import type { RateLimits } from '../limits/rate-limits.js';
import { rateLimitPlugin } from '../limits/apollo-plugin.js';
import type { DatabaseHealth } from '../database/availability.js';
import { requestSecret, type CreateContext } from './authentication.js';
import { answer503WhenDatabaseUnavailable, formatError } from './error-format.js';
import { readGraphqlBody } from './request-body.js';
import type { SessionCookies } from './session-cookie.js';

/** GraphQL over HTTP: Apollo Server with the API's limits, error format and shutdown order. */
export async function startApollo(parts: {
  httpServer: http.Server;
  schema: GraphQLSchema;
  config: OutpostConfig;
  databaseHealth: DatabaseHealth;
  rateLimits: RateLimits;
  validationRules: ValidationRule[];
  /** Runs when Apollo drains at stop: closes the WebSocket connections (websocket.ts). */
  drainWebSockets: () => Promise<void>;
}): Promise<ApolloServer<OutpostContext>> {
  const { config } = parts;
  const apollo = new ApolloServer<OutpostContext>({
    // The schema, with queries executed by compiled code (graphql/compiled-execution.ts).
    gateway: compiledQueryGateway(parts.schema),
    // Off in production unless OUTPOST_INTROSPECTION=true; "Did you mean …?" hints go with it.
    introspection: config.introspection,
    hideSchemaDetailsFromClientErrors: !config.introspection,
    parseOptions: QUERY_PARSE_OPTIONS,
    validationRules: parts.validationRules,
    // One operation per request: a JSON array is refused before Apollo (request-body.ts).
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: config.development,
    formatError: formatError(config.development, parts.databaseHealth),
    // The process's owner (main.ts) stops everything in order on SIGTERM/SIGINT. Apollo's own handlers
    // (on whenever NODE_ENV is not "test") started a second stop alongside it that held the stop for the
    // 12 s step bound: a container stop (10 s grace) ended in SIGKILL (e2e/images.test.ts).
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: parts.httpServer }),
      // Apollo's own landing page loads Apollo Sandbox from a CDN; browsers get our bundled GraphiQL.
      ApolloServerPluginLandingPageDisabled(),
      // Installed by default, it hooks every resolved field to compute cache hints nobody reads here
      // (Outpost sends no Cache-Control for GraphQL): thousands of calls per providers page.
      ApolloServerPluginCacheControlDisabled(),
      refuseNulCharacters,
      answer503WhenDatabaseUnavailable,
      rateLimitPlugin(parts.rateLimits),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await parts.drainWebSockets();
            },
          };
        },
      },
    ],
  });
  await apollo.start();
  return apollo;
}

/** The handlers of `/graphql` for HTTP requests: the body, then Apollo with the caller's context. */
export function graphqlOverHttp(
  apollo: ApolloServer<OutpostContext>,
  parts: { createContext: CreateContext; sessionCookies: SessionCookies; maxRequestBytes: number },
): RequestHandler[] {
  return [
    ...readGraphqlBody(parts.maxRequestBytes),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => ({
        ...(await parts.createContext(requestSecret(req, parts.sessionCookies))),
        http: { req, res },
      }),
    }),
  ];
}
