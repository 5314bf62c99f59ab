import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import type { OutpostContext } from '../graphql/context.js';
import { rateLimitedError, type RateLimits } from './rate-limits.js';

/**
 * Checks the rate limits once Apollo has parsed and validated the operation (so the shape limits have
 * already passed) and before it executes: a refused operation runs no resolver and writes nothing.
 */
export function rateLimitPlugin(rateLimits: RateLimits): ApolloServerPlugin<OutpostContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, contextValue }) {
          if (!operation) return;
          const rejection = await rateLimits.check({
            document,
            operation,
            variables: request.variables,
            context: contextValue,
            clientAddress: contextValue.http?.req.ip ?? 'unknown',
          });
          if (!rejection) return;
          const error = rateLimitedError(rejection);
          // Apollo turns this into the response's status and headers, and drops it from the error.
          error.extensions.http = {
            status: 429,
            headers: new HeaderMap([['retry-after', String(rejection.retryAfterSeconds)]]),
          };
          throw error;
        },
      };
    },
  };
}
