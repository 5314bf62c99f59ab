/** Capped exponential back-off with jitter, shared by the server connection and the reconciler. */

export interface BackoffPolicy {
  /** Delay before the first retry (attempt 0). */
  initialMs: number;
  /** The delay never grows beyond this. */
  maxMs: number;
}

/** PROTOCOL.md "Errors": 0.5 s doubling to 30 s. */
export const RECONNECT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };

/** Reconcile passes that failed retry from 1 s up to 30 s. */
export const RECONCILE_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 30_000 };

/**
 * The delay before retry number `attempt` (0-based): the capped exponential ceiling, with "equal
 * jitter" — a random point in its upper half — so many agents restarted together spread out.
 */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Resolves after `ms`, or at once when `signal` aborts. Never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
