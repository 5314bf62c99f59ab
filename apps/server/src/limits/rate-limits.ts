import {
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { createHash } from 'node:crypto';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { SqlPool } from '@outpost/prisma';
import type { OutpostConfig } from '../config.js';
import type { OutpostContext } from '../graphql/context.js';
import { ErrorCode, OutpostError } from '../graphql/errors.js';

export type RateLimitName = 'login' | 'registration' | 'mutations';

/** What a caller is told when a budget is spent: which one, and when to try again. */
export interface RateLimitRejection {
  limit: RateLimitName;
  retryAfterSeconds: number;
}

export interface RateLimitedRequest {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown> | undefined;
  context: Pick<OutpostContext, 'viewer'>;
  /** The caller's IP address (the proxy's view of it with OUTPOST_TRUST_PROXY). */
  clientAddress: string;
}

/** Where the counters live: prisma/schema.prisma, model RateLimitCounter (created by its migration). */
const COUNTER_TABLE = 'rate_limit_counters';
/** How often each replica deletes the counters whose window has ended. */
const SWEEP_INTERVAL_MS = 5 * 60_000;
/**
 * A counter is deleted this long after its window ended, not at once: `expire` is written by the clock of
 * whichever replica opened the window, so a replica whose clock runs ahead must not delete a window that
 * is still open for the others.
 */
const SWEEP_AFTER_EXPIRY_MS = 60 * 60_000;

/**
 * Request budgets, checked once an operation is parsed and validated and before any resolver runs, so a
 * refused request changes nothing. Counted per root field: `a: login(…) b: login(…)` is two attempts.
 *
 * Counters are shared by every replica: rate-limiter-flexible's PostgreSQL store, one upsert per counted
 * key in the table `rate_limit_counters`, so N replicas together allow the configured rate, not N times
 * it. When PostgreSQL cannot be reached the store falls back to an in-memory limiter of the same budget
 * (its `insuranceLimiter`): the limits hold per replica during an outage instead of lapsing.
 * Without a pool (a client not made by createPrismaClient) the in-memory limiters are all there is.
 */
export class RateLimits {
  private readonly loginByAddress: RateLimiterAbstract;
  private readonly loginByEmail: RateLimiterAbstract;
  private readonly registrationByAddress: RateLimiterAbstract;
  private readonly mutationsByUser: RateLimiterAbstract;
  private readonly sweeper: NodeJS.Timeout | undefined;

  constructor(
    config: OutpostConfig['rateLimits'],
    /** The server's own pool (createDatabase): counting shares its connections with every request. */
    private readonly pool: SqlPool | undefined,
  ) {
    const limiter = (keyPrefix: string, points: number): RateLimiterAbstract => {
      const inMemory = new RateLimiterMemory({ keyPrefix, points, duration: config.windowSeconds });
      if (!pool) return inMemory;
      return new RateLimiterPostgres({
        storeClient: pool,
        storeType: 'pool',
        tableName: COUNTER_TABLE,
        // The table is Prisma's (a migration creates it); the library must not create its own.
        tableCreated: true,
        // One sweep for the table (sweepExpiredCounters), not one timer per limiter that nobody stops.
        clearExpiredByTimeout: false,
        keyPrefix,
        points,
        duration: config.windowSeconds,
        // Once the shared count says a key is over its budget, this replica refuses it for the rest of
        // the window without asking the database again: a flood costs no writes.
        inMemoryBlockOnConsumed: points + 1,
        insuranceLimiter: inMemory,
      });
    };
    this.loginByAddress = limiter('login-address', config.login);
    this.loginByEmail = limiter('login-email', config.login);
    this.registrationByAddress = limiter('registration-address', config.registration);
    this.mutationsByUser = limiter('mutations-user', config.mutations);
    if (pool) {
      this.sweeper = setInterval(() => void this.sweepExpiredCounters(), SWEEP_INTERVAL_MS);
      this.sweeper.unref();
    }
  }

  /**
   * Deletes the counters whose window ended more than SWEEP_AFTER_EXPIRY_MS ago. An expired row already
   * counts for nothing (the store resets it on next use); this keeps the keys of one-time callers
   * (addresses and emails seen once) from piling up. Failures are left to the next sweep.
   */
  async sweepExpiredCounters(now = Date.now()): Promise<void> {
    try {
      await this.pool?.query(`DELETE FROM ${COUNTER_TABLE} WHERE expire < $1`, [now - SWEEP_AFTER_EXPIRY_MS]);
    } catch {
      // PostgreSQL unreachable: nothing is lost by sweeping later.
    }
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  /** Spends the request's budget; the first spent budget, if any, is the rejection. */
  async check(request: RateLimitedRequest): Promise<RateLimitRejection | undefined> {
    const { operation, clientAddress } = request;
    if (operation.operation !== 'mutation') return undefined;
    const fields = rootFields(request.document, operation.selectionSet);
    const spend = async (name: RateLimitName, limiter: RateLimiterAbstract, key: string, points = 1) => {
      try {
        await limiter.consume(key, points);
        return undefined;
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        return { limit: name, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
      }
    };
    for (const field of fields) {
      if (field.name.value === 'login') {
        // Per address stops one client trying many accounts; per email stops many clients trying one.
        const rejected =
          (await spend('login', this.loginByAddress, addressKey(clientAddress))) ??
          (await spend('login', this.loginByEmail, emailKey(loginEmail(field, request.variables))));
        if (rejected) return rejected;
      } else if (field.name.value === 'registerAgent') {
        const rejected = await spend('registration', this.registrationByAddress, addressKey(clientAddress));
        if (rejected) return rejected;
      }
    }
    // Agents are not users: their mutations are paced by the agent itself (heartbeats, reports).
    const viewer = request.context.viewer;
    if (viewer && fields.length > 0) {
      return spend('mutations', this.mutationsByUser, viewer.id, fields.length);
    }
    return undefined;
  }
}

const WHAT: Record<RateLimitName, string> = {
  login: 'Too many sign-in attempts from this address or for this account',
  registration: 'Too many agent registrations from this address',
  mutations: 'Too many changes by this user',
};

/** RATE_LIMITED, with the wait in `retryAfterSeconds` (and, on HTTP, status 429 and Retry-After). */
export function rateLimitedError(rejection: RateLimitRejection): OutpostError {
  return new OutpostError(
    ErrorCode.RATE_LIMITED,
    `${WHAT[rejection.limit]}; try again in ${rejection.retryAfterSeconds} s.`,
    { limit: rejection.limit, retryAfterSeconds: rejection.retryAfterSeconds },
  );
}

/** The operation's top-level fields, looking through fragments (each fragment once, as execution merges). */
function rootFields(document: DocumentNode, selectionSet: SelectionSetNode): FieldNode[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const fields: FieldNode[] = [];
  const visited = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(selectionSet);
  return fields;
}

function loginEmail(field: FieldNode, variables: Record<string, unknown> | undefined): string {
  const argument = field.arguments?.find((arg) => arg.name.value === 'email');
  const value: unknown = argument ? valueFromASTUntyped(argument.value, variables) : undefined;
  return typeof value === 'string' ? value.trim().toLowerCase() : '';
}

/**
 * Keys are stored in a varchar(255) column, and an email is kept only as its SHA-256: people type
 * passwords into the email field, and a table of sign-in attempts must not keep them.
 */
function emailKey(email: string): string {
  return createHash('sha256').update(email).digest('base64url');
}

/** An address as it is (readable for an operator), unless it is too long to be one (a forged X-Forwarded-For). */
function addressKey(address: string): string {
  return address.length <= 64
    ? address
    : `sha256:${createHash('sha256').update(address).digest('base64url')}`;
}
