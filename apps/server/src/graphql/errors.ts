import { GraphQLError } from 'graphql';

/**
 * The stable error codes of the API (`extensions.code`). Clients branch on these, never on messages.
 * Messages name the thing, the rule that failed, and what to do next.
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  /** Too many requests of one kind from one address or user (limits/rate-limits.ts); retry later. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The document is too deep, large or costly (limits/query-limits.ts); refused before it runs. */
  QUERY_LIMIT_EXCEEDED: 'QUERY_LIMIT_EXCEEDED',
  /** The HTTP body is over OUTPOST_MAX_REQUEST_BYTES (HTTP 413). */
  REQUEST_TOO_LARGE: 'REQUEST_TOO_LARGE',
  /** A JSON array of operations: batching is off (HTTP 400). */
  BATCHING_NOT_SUPPORTED: 'BATCHING_NOT_SUPPORTED',
  /**
   * A subscription whose client read too slowly fell MAX_QUEUED_NOTIFICATIONS events behind
   * (events/pubsub.ts): it ends after the queued events so the server's memory stays bounded.
   * Subscribe again and refetch what is current.
   */
  SUBSCRIBER_TOO_SLOW: 'SUBSCRIBER_TOO_SLOW',
  /**
   * An agent connection that does not hold its provider's lease tried to act for the provider
   * (agents/agent-lease.ts): it stands by until the `agentLease` subscription says it holds the lease.
   */
  AGENT_STANDBY: 'AGENT_STANDBY',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface OutpostErrorDetails {
  /** Which input field was wrong, for BAD_USER_INPUT. */
  field?: string;
  /** Which rule (docs/architecture.md "Rules") refused the request, e.g. `RULE_4_ALLOWLIST_IN_USE`. */
  rule?: string;
  /** Anything else a client can act on (workspaces still in the way, an alternative provider). */
  [key: string]: unknown;
}

export class OutpostError extends GraphQLError {
  constructor(code: ErrorCode, message: string, details: OutpostErrorDetails = {}) {
    super(message, { extensions: { code, ...details } });
  }
}

export const badInput = (field: string, message: string) =>
  new OutpostError(ErrorCode.BAD_USER_INPUT, message, { field });
export const unauthenticated = (message = 'Sign in first: this needs a session cookie or an API token.') =>
  new OutpostError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message: string) => new OutpostError(ErrorCode.FORBIDDEN, message);
export const notFound = (what: string, key: string) =>
  new OutpostError(ErrorCode.NOT_FOUND, `${what} "${key}" does not exist (or you cannot see it).`);
export const conflict = (message: string, details?: OutpostErrorDetails) =>
  new OutpostError(ErrorCode.CONFLICT, message, details);
export const preconditionFailed = (message: string, details?: OutpostErrorDetails) =>
  new OutpostError(ErrorCode.PRECONDITION_FAILED, message, details);
