import { ErrorCode, OutpostError } from '../graphql/errors.js';

/**
 * The in-process fan-out of notifications to this process's subscriptions: each subscription is a queue
 * that `publish` appends to, read as an async iterator.
 *
 * It replaces @graphql-yoga/subscription's PubSub, which dispatched every notification through an
 * EventTarget to one Repeater per subscription: with thousands of open consoles, that event dispatch and
 * the Repeater's promise bookkeeping were a tenth of the CPU of a delivery (bench/status-propagation.mjs).
 * Here a delivery is one method call and one resolved promise per subscriber.
 *
 * As with Repeater, a subscription starts listening at its first `next()` (one that is never read holds
 * nothing), and `return()` stops it at once, settling a pending `next()`.
 *
 * A subscriber that reads slower than events arrive (a client on a bad link, a stuck consumer) holds at
 * most MAX_QUEUED_NOTIFICATIONS unread events: at the next one it stops listening, still gets the events
 * it holds, in order, and then the error SUBSCRIBER_TOO_SLOW, which tells it that it missed what came
 * after and should subscribe again. (Repeater threw from `publish` at 1,024, in the publisher's stack.)
 */
export class PubSub<Topics extends Record<string, unknown>> {
  private readonly subscribers = new Map<keyof Topics, Set<Listener>>();

  publish<K extends keyof Topics & string>(topic: K, value: Topics[K]): void {
    for (const subscriber of this.subscribers.get(topic) ?? []) subscriber.push(value);
  }

  subscribe<K extends keyof Topics & string>(topic: K): AsyncIterableIterator<Topics[K]> {
    let subscribers = this.subscribers.get(topic);
    if (!subscribers) this.subscribers.set(topic, (subscribers = new Set()));
    return new Subscription<Topics[K]>(subscribers);
  }
}

/** Unread events a subscription may hold before it is ended with SUBSCRIBER_TOO_SLOW. */
export const MAX_QUEUED_NOTIFICATIONS = 1_000;

interface Listener {
  push(value: unknown): void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

class Subscription<T> implements AsyncIterableIterator<T> {
  private state: 'idle' | 'listening' | 'overflowed' | 'done' = 'idle';
  /** Published values not read yet (a subscriber still busy with an earlier one). */
  private readonly queued: T[] = [];
  /** Reads waiting for a value (only one at a time from graphql-ws, but more are allowed). */
  private readonly waiting: Array<(result: IteratorResult<T>) => void> = [];

  constructor(private readonly subscribers: Set<Listener>) {}

  push(value: T): void {
    const read = this.waiting.shift();
    if (read) read({ done: false, value });
    else if (this.queued.length < MAX_QUEUED_NOTIFICATIONS) this.queued.push(value);
    else {
      this.state = 'overflowed';
      this.subscribers.delete(this);
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.state === 'done') return Promise.resolve(DONE);
    if (this.state === 'idle') {
      this.state = 'listening';
      this.subscribers.add(this);
    }
    if (this.queued.length > 0) return Promise.resolve({ done: false, value: this.queued.shift()! });
    if (this.state === 'overflowed') {
      this.state = 'done';
      return Promise.reject(
        new OutpostError(
          ErrorCode.SUBSCRIBER_TOO_SLOW,
          `This subscription fell more than ${MAX_QUEUED_NOTIFICATIONS} events behind and was ended after ` +
            'the events it held; the ones after those were not delivered. Subscribe again and refetch ' +
            'what is current.',
        ),
      );
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    if (this.state !== 'done') {
      this.state = 'done';
      this.subscribers.delete(this);
      this.queued.length = 0;
      for (const read of this.waiting.splice(0)) read(DONE);
    }
    return Promise.resolve(DONE);
  }

  async throw(error: unknown): Promise<IteratorResult<T>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
