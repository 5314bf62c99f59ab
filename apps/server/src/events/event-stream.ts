/** What a subscription does with one notification: deliver a value, skip it, or end the subscription. */
export type StreamStep<R> = { deliver: R } | 'skip' | 'end';

/**
 * Turns a PubSub stream into a subscription's event stream, re-checking each notification with `step`.
 *
 * Not an async generator on purpose: a generator waiting inside `for await` for the next notification
 * cannot be returned until one arrives, so a client unsubscribing — or the server draining its
 * connections at shutdown — would hang until the next event. Here `return()` ends the source at once,
 * which also settles a pending `next()`.
 */
export function eventStream<T, R>(
  source: AsyncIterable<T>,
  step: (notification: T) => Promise<StreamStep<R>>,
): AsyncIterableIterator<R> {
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  const finish = async (): Promise<IteratorResult<R>> => {
    if (!finished) {
      finished = true;
      await iterator.return?.();
    }
    return { done: true, value: undefined };
  };
  return {
    async next() {
      while (!finished) {
        const notification = await iterator.next();
        if (notification.done || finished) return finish();
        const result = await step(notification.value);
        if (finished) break;
        if (result === 'end') return finish();
        if (result !== 'skip') return { done: false, value: result.deliver };
      }
      return { done: true, value: undefined };
    },
    return: finish,
    async throw(error: unknown) {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
