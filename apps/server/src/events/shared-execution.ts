import { createRequire } from 'node:module';
import type { ExecutionArgs, ExecutionResult } from 'graphql';
import type { OutpostContext } from '../graphql/context.js';
import { authorizationKey } from '../authorization/principals.js';

/**
 * graphql-js executes a subscription's selection set once per subscriber per event. When one status
 * transition reaches thousands of open consoles, that execution (resolvers, authorization checks,
 * result building) is most of the server's work, although almost every console asks the same question
 * about the same payload with the same rights and gets the same answer.
 *
 * `subscribe` is graphql-js's subscribe with one difference: for a payload marked shareable, subscribers
 * that sent the same document and variables and have the same authorizationKey (site role and
 * organization roles, everything the API's read-side decisions look at) share one execution. The first
 * of them executes — with its own context — and the rest reuse the result. Every subscriber still
 * re-authorizes before the payload is produced (events.resolver.ts), so revocations and visibility
 * work as before. Provider and workspace events mark their payloads; payloads not marked (the agent's
 * nudges) are executed per subscriber as usual.
 */

// graphql is a dual package (index.mjs for bundlers, index.js for Node). The schema comes from
// type-graphql, which Node loads through the CommonJS entry, and graphql-js refuses to execute a schema
// of another instance ("from another module or realm"). Requiring it names that same instance under
// Node and under Vitest (which would resolve `import 'graphql'` in source files to index.mjs).
const { createSourceEventStream, execute, print } = createRequire(import.meta.url)(
  'graphql',
) as typeof import('graphql');

const shareable = new WeakSet<object>();

/** Marks an event payload whose result depends on the viewer only through authorizationKey. */
export function markShareable<T extends object>(payload: T): T {
  shareable.add(payload);
  return payload;
}

// Payload → operation → authorization key → result. Weak: results go away with the payload, after the
// event. Nested rather than one `${authorizationKey}\n${operationKey}` key: that string (the whole
// printed document) was built and hashed anew for every subscriber of every event.
const results = new WeakMap<object, Map<string, Map<string, Promise<ExecutionResult>>>>();

export async function subscribe(
  args: ExecutionArgs,
): Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>> {
  const source = await createSourceEventStream(args);
  if (!isAsyncIterable(source)) return source; // an ExecutionResult with the errors
  const stream = source[Symbol.asyncIterator]() as AsyncIterableIterator<unknown>;
  const run = (payload: unknown) => Promise.resolve(execute({ ...args, rootValue: payload }));
  let operationKey: string | undefined; // computed on the first shared event of this subscription
  return mapStream(stream, (payload): Promise<ExecutionResult> => {
    const viewer = (args.contextValue as OutpostContext).viewer;
    if (typeof payload !== 'object' || payload === null || !shareable.has(payload) || !viewer)
      return run(payload);
    operationKey ??= JSON.stringify([
      print(args.document),
      args.operationName ?? null,
      args.variableValues ?? {},
    ]);
    let byOperation = results.get(payload);
    if (!byOperation) results.set(payload, (byOperation = new Map()));
    let byAuthorization = byOperation.get(operationKey);
    if (!byAuthorization) byOperation.set(operationKey, (byAuthorization = new Map()));
    const key = authorizationKey(viewer);
    let result = byAuthorization.get(key);
    if (!result) {
      result = run(payload);
      byAuthorization.set(key, result);
    }
    return result;
  });
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown>)?.[Symbol.asyncIterator] === 'function';
}

/** Maps a stream's values; ending the mapped stream ends the source (as graphql-js's own mapping does). */
function mapStream<T, R>(
  source: AsyncIterableIterator<T>,
  map: (value: T) => Promise<R>,
): AsyncIterableIterator<R> {
  const end = async (): Promise<IteratorResult<R>> => {
    await source.return?.();
    return { done: true, value: undefined };
  };
  return {
    async next() {
      const next = await source.next();
      return next.done ? { done: true, value: undefined } : { done: false, value: await map(next.value) };
    },
    return: end,
    async throw(error: unknown) {
      await end();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
