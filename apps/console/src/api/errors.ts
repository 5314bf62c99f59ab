import { CombinedGraphQLErrors, ServerError } from '@apollo/client';

/** The API's stable error codes (apps/server/src/graphql/errors.ts); branch on these, never on messages. */
export type ApiErrorCode =
  'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'PRECONDITION_FAILED';

export interface ApiError {
  code: string | undefined;
  message: string;
  extensions: Record<string, unknown>;
}

/** The first GraphQL error of a failed operation, or a description of the transport failure. */
export function apiError(error: unknown): ApiError {
  if (CombinedGraphQLErrors.is(error)) {
    const first = error.errors[0];
    const extensions = (first?.extensions ?? {}) as Record<string, unknown>;
    const code = typeof extensions.code === 'string' ? extensions.code : undefined;
    return { code, message: first?.message ?? error.message, extensions };
  }
  if (ServerError.is(error)) {
    return {
      code: undefined,
      message: `The Outpost API answered ${error.statusCode}; try again, and check the server log if it persists.`,
      extensions: {},
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: undefined,
    message: `Cannot reach the Outpost API (${message}). Check your connection and try again.`,
    extensions: {},
  };
}

export function hasCode(error: unknown, code: ApiErrorCode): boolean {
  return apiError(error).code === code;
}
