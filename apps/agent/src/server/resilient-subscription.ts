import { backoffDelayMs, RECONNECT_BACKOFF } from '../backoff.js';
import { ServerOperationError, type ServerConnection } from './connection.js';
import type { Operation } from './operations.js';

/**
 * A subscription kept alive for as long as its connection is open (PROTOCOL.md "Errors").
 *
 * The server may end a subscription with an error while the connection itself stays healthy:
 * SUBSCRIBER_TOO_SLOW when the agent fell behind a burst of events, SERVICE_UNAVAILABLE while the
 * database is away, or any other error of its own. Such a subscription is dead, but nothing else
 * notices: the socket, the heartbeats and the requests all carry on. So it is subscribed again, with
 * the connection's back-off (RECONNECT_BACKOFF: 0.5 s doubling to 30 s, with jitter), and the retries
 * start over once an event arrives.
 *
 * Not retried, and handed to `ended` instead: UNAUTHENTICATED (the credential is refused: the session
 * must end and the agent register again) and anything that is not a GraphQL error from the server
 * (the connection closed, or broke). A subscription the server completes goes to `completed`.
 */
export interface ResilientSubscriptionHandlers<TData> {
  next(data: TData): void;
  /** It ended with `error` and is subscribed again in `delayMs`. */
  retrying(error: ServerOperationError, delayMs: number): void;
  /** Subscribed again after an error: events published in between were missed. */
  resubscribed(): void;
  /** An error that is not retried. */
  ended(error: Error): void;
  /** The server completed the subscription. */
  completed(): void;
}

/** Subscribes `operation` on `connection`; returns the function that stops it (and any pending retry). */
export function subscribeResiliently<TData>(
  connection: ServerConnection,
  operation: Operation<TData, Record<string, never>>,
  handlers: ResilientSubscriptionHandlers<TData>,
): () => void {
  let stopped = false;
  let attempt = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let unsubscribe: () => void = () => undefined;

  const subscribe = () => {
    // Each attempt's callbacks act only while it is the current one: graphql-ws may still report on
    // one that was replaced or stopped.
    let current = true;
    const done = () => {
      const wasCurrent = current && !stopped;
      current = false;
      return wasCurrent;
    };
    unsubscribe = connection.subscribe(operation, {
      next: (data) => {
        if (!current || stopped) return;
        attempt = 0;
        handlers.next(data);
      },
      error: (error) => {
        if (!done()) return;
        if (!isRetryable(error) || !connection.isOpen) return handlers.ended(error);
        const delayMs = backoffDelayMs(attempt++, RECONNECT_BACKOFF);
        handlers.retrying(error, delayMs);
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          if (stopped || !connection.isOpen) return;
          subscribe();
          handlers.resubscribed();
        }, delayMs);
      },
      complete: () => {
        if (done()) handlers.completed();
      },
    });
  };

  subscribe();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    unsubscribe();
  };
}

function isRetryable(error: Error): error is ServerOperationError {
  return error instanceof ServerOperationError && !error.hasCode('UNAUTHENTICATED');
}
