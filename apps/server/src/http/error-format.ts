import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { OutpostContext } from '../graphql/context.js';
import { ErrorCode } from '../graphql/errors.js';
import { hideSchemaSuggestions, presentParseError } from '../limits/query-limits.js';
import {
  isDatabaseUnavailable,
  SERVICE_UNAVAILABLE,
  serviceUnavailableError,
  type DatabaseHealth,
} from '../database/availability.js';

// How GraphQL errors leave the server: one treatment for Apollo (HTTP) and graphql-ws (WebSocket), so a
// client reads the same codes and the same masking whichever transport it uses.

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
export function formatError(development: boolean, databaseHealth: DatabaseHealth) {
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
export const answer503WhenDatabaseUnavailable: ApolloServerPlugin<OutpostContext> = {
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
export function presentValidationError(error: GraphQLError, hideSuggestions: boolean): GraphQLError {
  if (error.extensions.code) return error;
  return new GraphQLError(hideSuggestions ? hideSchemaSuggestions(error.message) : error.message, {
    nodes: error.nodes,
    extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
  });
}

/** A parse error on graphql-ws, coded as Apollo codes it on HTTP (the token limit keeps its own code). */
export function presentParseFailure(error: GraphQLError): GraphQLError {
  const presented = presentParseError(error);
  return presented.extensions.code
    ? presented
    : new GraphQLError(error.message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
}
