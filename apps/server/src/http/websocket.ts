import type http from 'node:http';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import {
  getOperationAST,
  GraphQLError,
  parse,
  type DocumentNode,
  type FormattedExecutionResult,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import type { Db } from '@outpost/prisma';
import type { OutpostConfig } from '../config.js';
import type { OutpostContext } from '../graphql/context.js';
import { createLoaders } from '../graphql/loaders.js';
import { findNulCharacter, nulCharacterError } from '../graphql/nul-characters.js';
import { QUERY_PARSE_OPTIONS } from '../limits/query-limits.js';
import { rateLimitedError, type RateLimits } from '../limits/rate-limits.js';
import { websocketClientAddress } from '../limits/client-address.js';
import { subscribe } from '../events/shared-execution.js';
import {
  isDatabaseUnavailable,
  SERVICE_UNAVAILABLE,
  serviceUnavailableError,
  type DatabaseHealth,
} from '../database/availability.js';
import type { AgentConnections } from '../agents/agent-connections.js';
import type { AgentConnectionRef } from '../agents/agent-lease.js';
import { connectionSecret, reauthenticate, type CreateContext } from './authentication.js';
import { formatError, presentParseFailure, presentValidationError } from './error-format.js';
import type { SessionCookies } from './session-cookie.js';
import { ValidatedDocuments } from './validated-documents.js';

export interface GraphqlWebSocket {
  /** How much document text the validation cache holds, and its bound. */
  validatedDocuments: ValidatedDocuments;
  /** Closes every socket (Apollo's drain calls it when the server stops). */
  dispose(): Promise<void>;
}

/**
 * graphql-ws on the HTTP server's /graphql path. Every operation passes the same checks as on HTTP
 * (Apollo): the token limit, the validation rules, NUL characters, rate limits, the same error format;
 * and a connection's credentials are checked again at each operation. An agent's socket takes part in
 * the agent lease.
 */
export function serveGraphqlOverWebSocket(parts: {
  httpServer: http.Server;
  schema: GraphQLSchema;
  db: Db;
  config: OutpostConfig;
  databaseHealth: DatabaseHealth;
  agentConnections: AgentConnections;
  sessionCookies: SessionCookies;
  createContext: CreateContext;
  rateLimits: RateLimits;
  validationRules: ValidationRule[];
}): GraphqlWebSocket {
  const { schema, db, config, databaseHealth, agentConnections, sessionCookies, createContext } = parts;
  // maxPayload: a message over the HTTP body limit closes the connection (1009) before it is parsed.
  const wsServer = new WebSocketServer({
    server: parts.httpServer,
    path: '/graphql',
    maxPayload: config.maxRequestBytes,
  });
  const formatSocketError = formatError(config.development, databaseHealth);
  const validatedDocuments = new ValidatedDocuments(schema, parts.validationRules);
  const cleanup = useServer<
    Record<string, unknown> | undefined,
    { viewerContext?: OutpostContext; agentConnection?: AgentConnectionRef }
  >(
    {
      schema,
      // graphql-js's subscribe, but one execution per event for subscribers alike (shared-execution.ts).
      subscribe,
      onConnect: async (ctx) => {
        const secret = connectionSecret(ctx.connectionParams ?? {}, ctx.extra.request, sessionCookies);
        let context: OutpostContext;
        try {
          context = await createContext(secret);
        } catch (error) {
          // createContext answers a database failure with SERVICE_UNAVAILABLE (authentication.ts). A
          // thrown error would make graphql-ws close with 4500 "Internal error": instead say what it is,
          // and that trying again later is right (1013 Try Again Later; PROTOCOL.md lists the close codes).
          if (!(error instanceof GraphQLError && error.extensions.code === SERVICE_UNAVAILABLE)) throw error;
          ctx.extra.socket.close(1013, error.message);
          return false;
        }
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
          if (error instanceof GraphQLError) return [presentParseFailure(error)];
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
        let principal: Pick<OutpostContext, 'viewer' | 'agent'>;
        try {
          principal = await reauthenticate(db, base);
        } catch (error) {
          if (!isDatabaseUnavailable(error)) throw error;
          databaseHealth.noteFailure();
          return [serviceUnavailableError()];
        }
        // Each operation gets its own context object: subscriptions replace the viewer as they re-authorize.
        const contextValue: OutpostContext = {
          ...base,
          ...principal,
          agentConnection: ctx.extra.agentConnection,
          loaders: createLoaders(db),
        };
        const rejection = await parts.rateLimits.check({
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
  return {
    validatedDocuments,
    async dispose() {
      await cleanup.dispose();
    },
  };
}
