import { GraphQLError } from 'graphql';

/**
 * Telling "PostgreSQL is unreachable" apart from every other failure, and remembering when it last was.
 *
 * An outage of the control plane's own database must look like one: API calls answer at once with
 * SERVICE_UNAVAILABLE (retryable) instead of a masked internal error, and the silent-agent monitor must
 * not blame agents for heartbeats the server could not record (see `DatabaseHealth.quietFor`).
 */

/** Node socket errors, PostgreSQL SQLSTATEs (class 08 connection exceptions, 57P0x shutdown, 53300 too
 * many connections) and Prisma's connection error codes. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'P1001',
  'P1002',
  'P1008',
  'P1017',
  'P2024',
]);
/** The Prisma driver adapter's names for the same conditions. */
const UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
/**
 * node-postgres raises some of them as plain Errors with only a message ("timeout expired": a new
 * connection that did not open within the client's connect timeout, @outpost/prisma).
 */
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout expired|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly|the database system is (starting up|shutting down|in recovery mode)|terminating connection due to administrator command/i;

/** Whether `error`, or anything it wraps, says the database could not be reached. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const fields = current as Record<string, unknown>;
    for (const key of ['code', 'originalCode'])
      if (typeof fields[key] === 'string' && UNAVAILABLE_CODES.has(fields[key])) return true;
    if (typeof fields.kind === 'string' && UNAVAILABLE_KINDS.has(fields.kind)) return true;
    if (typeof fields.message === 'string' && UNAVAILABLE_MESSAGES.test(fields.message)) return true;
    queue.push(fields.originalError, fields.cause, fields.meta);
    const meta = fields.meta as Record<string, unknown> | undefined;
    if (meta) queue.push(meta.driverAdapterError);
    if (Array.isArray(fields.errors)) queue.push(...fields.errors);
  }
  return false;
}

export const SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE';

export function serviceUnavailableError(): GraphQLError {
  return new GraphQLError(
    'The Outpost database is unreachable right now, so nothing was read or changed. Retry in a few seconds.',
    // `http` sets the status of an HTTP answer (Apollo removes it from the body).
    {
      extensions: {
        code: SERVICE_UNAVAILABLE,
        retryable: true,
        http: { status: 503, headers: new Map([['retry-after', '2']]) },
      },
    },
  );
}

/**
 * When this replica last failed to reach PostgreSQL. Every place that notices (the GraphQL error
 * formatter, the status monitor) reports it here.
 */
export class DatabaseHealth {
  private lastFailureAt = Number.NEGATIVE_INFINITY;

  noteFailure(now = Date.now()): void {
    this.lastFailureAt = now;
  }

  /**
   * Whether the database has been reachable for the last `ms` milliseconds, as far as this replica saw.
   * The silent-agent monitor waits for a full grace period of this before judging silence: during an
   * outage agents' heartbeats fail through no fault of theirs, and after it they need up to one
   * heartbeat interval plus their back-off to land the next one.
   */
  quietFor(ms: number, now = Date.now()): boolean {
    return now - this.lastFailureAt >= ms;
  }
}
