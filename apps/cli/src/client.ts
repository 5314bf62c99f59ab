import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** A GraphQL error as the Outpost server reports it (`extensions.code` is the stable part). */
export interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}

/** The server refused the request (exit code 1). */
export class RefusedError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The user called the CLI wrongly (exit code 2). */
export class UsageError extends Error {}

export function graphqlUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/graphql') ? trimmed : `${trimmed}/graphql`;
}

export function websocketUrl(url: string): string {
  return graphqlUrl(url).replace(/^http/, 'ws');
}

export interface RequestResult<T> {
  data: T;
  headers: Headers;
}

/**
 * The variables argument of a typed document: optional when the operation declares no required
 * variable (codegen types those as `{ [key: string]: never }` or all-optional), required otherwise.
 */
type VariablesArgument<TVariables> =
  Record<string, never> extends TVariables ? [variables?: TVariables] : [variables: TVariables];

/** What a subscription delivers to its caller. */
export interface SubscriptionHandlers<TResult> {
  /** The socket is open and acknowledged; events follow. */
  connected?: () => void;
  next: (data: TResult) => void;
}

/** Talks to one Outpost server with one credential, over HTTP (operations) and graphql-ws (subscriptions). */
export class OutpostClient {
  constructor(
    readonly url: string,
    private readonly auth: { token?: string; cookie?: string } = {},
  ) {}

  async request<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...[variables]: VariablesArgument<TVariables>
  ): Promise<RequestResult<TResult>> {
    let response: Response;
    try {
      response = await fetch(graphqlUrl(this.url), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(this.auth.token ? { authorization: `Bearer ${this.auth.token}` } : {}),
          ...(this.auth.cookie ? { cookie: this.auth.cookie } : {}),
        },
        body: JSON.stringify({ query: print(document), variables: variables ?? {} }),
      });
    } catch (error) {
      throw new RefusedError(
        `cannot reach ${graphqlUrl(this.url)}: ${(error as Error).cause ?? (error as Error).message}`,
        'NETWORK_ERROR',
      );
    }
    let body: { data?: TResult | null; errors?: GraphQLErrorBody[] };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new RefusedError(
        `the server answered ${response.status} without a GraphQL response`,
        'BAD_RESPONSE',
      );
    }
    const first = body.errors?.[0];
    if (first) throw refusal(first);
    if (!body.data)
      throw new RefusedError(`the server answered ${response.status} without data`, 'BAD_RESPONSE');
    return { data: body.data, headers: response.headers };
  }

  async data<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...variables: VariablesArgument<TVariables>
  ): Promise<TResult> {
    return (await this.request(document, ...variables)).data;
  }

  /**
   * Runs a subscription until the server completes it or `signal` aborts (then it resolves), or until
   * the server refuses it or the socket fails (then it rejects with a RefusedError). The token goes in
   * `connectionParams`, as the server expects from scripts and agents.
   */
  subscribe<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables: TVariables,
    handlers: SubscriptionHandlers<TResult>,
    signal: AbortSignal,
  ): Promise<void> {
    const ws = createClient({
      url: websocketUrl(this.url),
      webSocketImpl: WebSocket,
      connectionParams: this.auth.token ? { token: this.auth.token } : {},
      retryAttempts: 0,
      lazy: true,
    });
    return new Promise<void>((resolveDone, reject) => {
      if (handlers.connected) ws.on('connected', handlers.connected);
      const unsubscribe = ws.subscribe<TResult>(
        { query: print(document), variables: variables as Record<string, unknown> },
        {
          next: (result) => {
            const error = result.errors?.[0] as GraphQLErrorBody | undefined;
            if (error) {
              reject(refusal(error));
              return;
            }
            if (result.data) handlers.next(result.data as TResult);
          },
          error: (error) => {
            const message =
              error instanceof Error ? error.message : (error as { reason?: string }).reason || String(error);
            reject(new RefusedError(`subscription failed: ${message}`, 'SUBSCRIPTION_ERROR'));
          },
          complete: () => resolveDone(),
        },
      );
      const stop = () => {
        unsubscribe();
        void ws.dispose();
        resolveDone();
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
  }
}

/** The first GraphQL error of a response as the CLI reports it (code on stderr, exit code 1). */
function refusal(error: GraphQLErrorBody): RefusedError {
  const { code, ...rest } = error.extensions ?? {};
  return new RefusedError(error.message, typeof code === 'string' ? code : 'ERROR', rest);
}
