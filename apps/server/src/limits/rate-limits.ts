import {
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
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

/**
 * Request budgets, checked once an operation is parsed and validated and before any resolver runs, so a
 * refused request changes nothing. Counted per root field: `a: login(…) b: login(…)` is two attempts.
 *
 * Counters live in this process's memory (rate-limiter-flexible's RateLimiterMemory): each replica
 * enforces its own budget, so N replicas allow up to N× the configured rate. That bounds password
 * guessing and token guessing well enough without a shared store; a restart resets the counters.
 */
export class RateLimits {
  private readonly loginByAddress: RateLimiterMemory;
  private readonly loginByEmail: RateLimiterMemory;
  private readonly registrationByAddress: RateLimiterMemory;
  private readonly mutationsByUser: RateLimiterMemory;

  constructor(config: OutpostConfig['rateLimits']) {
    const limiter = (keyPrefix: string, points: number) =>
      new RateLimiterMemory({ keyPrefix, points, duration: config.windowSeconds });
    this.loginByAddress = limiter('login-address', config.login);
    this.loginByEmail = limiter('login-email', config.login);
    this.registrationByAddress = limiter('registration-address', config.registration);
    this.mutationsByUser = limiter('mutations-user', config.mutations);
  }

  /** Spends the request's budget; the first spent budget, if any, is the rejection. */
  async check(request: RateLimitedRequest): Promise<RateLimitRejection | undefined> {
    const { operation, clientAddress } = request;
    if (operation.operation !== 'mutation') return undefined;
    const fields = rootFields(request.document, operation.selectionSet);
    const spend = async (name: RateLimitName, limiter: RateLimiterMemory, key: string, points = 1) => {
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
          (await spend('login', this.loginByAddress, clientAddress)) ??
          (await spend('login', this.loginByEmail, loginEmail(field, request.variables)));
        if (rejected) return rejected;
      } else if (field.name.value === 'registerAgent') {
        const rejected = await spend('registration', this.registrationByAddress, clientAddress);
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
