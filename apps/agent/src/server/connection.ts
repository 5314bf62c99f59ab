import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { silentLogger, type AgentLogger } from '../logger.js';
import type { Operation } from './operations.js';

/**
 * One authenticated graphql-ws connection to the Outpost server (PROTOCOL.md: `/graphql`, token in
 * `connectionParams: { token }`). It never reconnects by itself: the agent opens a new connection —
 * possibly with another token — after `closed` resolves, with the back-off of backoff.ts
 * (RECONNECT_BACKOFF: 0.5 s doubling to 30 s, with jitter).
 */

export interface GraphQLErrorLike {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

/** The server answered the operation with GraphQL errors (each may carry `extensions.code`). */
export class ServerOperationError extends Error {
  constructor(
    readonly operation: string,
    readonly errors: GraphQLErrorLike[],
  ) {
    super(`${operation}: ${errors.map((error) => error.message).join('; ') || 'unknown error'}`);
    this.name = 'ServerOperationError';
  }

  get codes(): string[] {
    return this.errors.map((error) => String(error.extensions?.code ?? '')).filter(Boolean);
  }

  hasCode(code: string): boolean {
    return this.codes.includes(code);
  }
}

/** The connection is closed, or could not be opened. */
export class ConnectionClosedError extends Error {
  constructor(
    message: string,
    readonly code: number | null = null,
  ) {
    super(message);
    this.name = 'ConnectionClosedError';
  }
}

export interface ConnectionCloseInfo {
  code: number | null;
  reason: string;
  /** We closed it (stop, rotation, a failed session). */
  byUs: boolean;
}

export interface ServerConnectionOptions {
  /** `ws(s)://…/graphql` (config.ts `graphqlWebSocketUrl`). */
  url: string;
  /** Registration token or credential, sent as `connectionParams.token`. */
  token: string;
  /**
   * This agent process, sent as `connectionParams.agentInstanceId`: the server ties the agent lease to
   * it, so a process that reconnects (to any replica) keeps its lease (PROTOCOL.md "Lease").
   */
  instanceId?: string;
  logger?: AgentLogger;
  /** Give up on opening after this long. Default 10 s. */
  connectTimeoutMs?: number;
  /** A query or mutation without an answer after this long fails and drops the connection. Default 15 s. */
  requestTimeoutMs?: number;
  /** Ping the server this often; no pong within `pongTimeoutMs` drops the connection. Default 10 s / 5 s. */
  keepAliveMs?: number;
  pongTimeoutMs?: number;
  /** Aborting cancels an open in progress. */
  signal?: AbortSignal;
  /** Another WebSocket implementation (default: `ws`). */
  webSocketImpl?: unknown;
}

export class ServerConnection {
  /** Resolves once, when the socket has closed for any reason. */
  readonly closed: Promise<ConnectionCloseInfo>;
  private resolveClosed!: (info: ConnectionCloseInfo) => void;
  private closeInfo: ConnectionCloseInfo | null = null;
  private closingByUs = false;

  private constructor(
    private readonly client: Client,
    readonly url: string,
    private readonly requestTimeoutMs: number,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  /** Opens a connection and waits for the server's connection_ack. */
  static open(options: ServerConnectionOptions): Promise<ServerConnection> {
    const logger = options.logger ?? silentLogger;
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    const pongTimeoutMs = options.pongTimeoutMs ?? 5_000;
    return new Promise<ServerConnection>((resolve, reject) => {
      let connection: ServerConnection | undefined;
      let lastError: unknown;
      let pongTimer: NodeJS.Timeout | undefined;
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(openTimer);
        options.signal?.removeEventListener('abort', onAbort);
        void client.dispose();
        reject(error);
      };
      const client = createClient({
        url: options.url,
        connectionParams: {
          token: options.token,
          ...(options.instanceId ? { agentInstanceId: options.instanceId } : {}),
        },
        webSocketImpl: options.webSocketImpl ?? WebSocket,
        lazy: false,
        retryAttempts: 0,
        keepAlive: options.keepAliveMs ?? 10_000,
        connectionAckWaitTimeout: connectTimeoutMs,
        onNonLazyError: () => {
          // Reported through `closed`.
        },
        on: {
          connected: () => {
            if (settled) return;
            settled = true;
            clearTimeout(openTimer);
            options.signal?.removeEventListener('abort', onAbort);
            connection = new ServerConnection(client, options.url, options.requestTimeoutMs ?? 15_000);
            resolve(connection);
          },
          error: (error) => {
            lastError = error;
          },
          ping: (received) => {
            if (received) return;
            clearTimeout(pongTimer);
            pongTimer = setTimeout(() => {
              logger.warn(
                `no pong from the server within ${pongTimeoutMs / 1000} s: dropping the connection`,
              );
              client.terminate();
            }, pongTimeoutMs);
          },
          pong: (received) => {
            if (received) clearTimeout(pongTimer);
          },
          closed: (event) => {
            clearTimeout(pongTimer);
            const { code, reason } = closeDetails(event, lastError);
            if (connection) connection.markClosed(code, reason);
            else
              fail(
                new ConnectionClosedError(
                  `cannot connect to the Outpost server at ${options.url}: ${reason}`,
                  code,
                ),
              );
          },
        },
      });
      const openTimer = setTimeout(
        () =>
          fail(
            new ConnectionClosedError(
              `the Outpost server at ${options.url} did not accept the connection within ${connectTimeoutMs / 1000} s`,
            ),
          ),
        connectTimeoutMs + 1_000,
      );
      const onAbort = () => fail(new ConnectionClosedError('the agent is stopping'));
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  get isOpen(): boolean {
    return this.closeInfo === null;
  }

  /**
   * Resolves when the socket has closed, or with null as soon as `signal` aborts. Its abort listener
   * goes away either way: the agent's stop signal lives as long as the agent, across every connection.
   */
  closedOrAborted(signal: AbortSignal): Promise<ConnectionCloseInfo | null> {
    if (signal.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const onAbort = () => resolve(null);
      signal.addEventListener('abort', onAbort, { once: true });
      void this.closed.then((info) => {
        signal.removeEventListener('abort', onAbort);
        resolve(info);
      });
    });
  }

  /** Runs a query or mutation; rejects with ServerOperationError, ConnectionClosedError or a timeout. */
  request<TData, TVariables extends Record<string, unknown>>(
    operation: Operation<TData, TVariables>,
    ...[variables]: TVariables extends Record<string, never> ? [] : [variables: TVariables]
  ): Promise<TData> {
    return this.requestWithin(this.requestTimeoutMs, operation, variables as TVariables | undefined);
  }

  /**
   * `request` with its own deadline: no answer within `timeoutMs` fails it and drops the connection
   * (a connection that stopped answering is dead, even though TCP has not noticed).
   */
  requestWithin<TData, TVariables extends Record<string, unknown>>(
    timeoutMs: number,
    operation: Operation<TData, TVariables>,
    variables?: TVariables,
  ): Promise<TData> {
    if (!this.isOpen) {
      return Promise.reject(new ConnectionClosedError(`${operation.name}: not connected to the server`));
    }
    return new Promise<TData>((resolve, reject) => {
      let result: { data?: TData | null; errors?: readonly GraphQLErrorLike[] } | undefined;
      const timer = setTimeout(() => {
        unsubscribe();
        reject(
          new ConnectionClosedError(
            `${operation.name}: no answer from the server within ${timeoutMs / 1000} s`,
          ),
        );
        this.terminate();
      }, timeoutMs);
      const unsubscribe = this.client.subscribe<TData>(
        { query: operation.query, operationName: operation.name, variables: variables ?? {} },
        {
          next: (value) => {
            result = value as typeof result;
          },
          error: (error) => {
            clearTimeout(timer);
            reject(toError(operation.name, error));
          },
          complete: () => {
            clearTimeout(timer);
            if (result?.errors?.length) reject(new ServerOperationError(operation.name, [...result.errors]));
            else if (!result?.data) reject(new Error(`${operation.name}: the server returned no data`));
            else resolve(result.data);
          },
        },
      );
    });
  }

  /** Starts a subscription; returns its unsubscribe function. */
  subscribe<TData>(
    operation: Operation<TData, Record<string, never>>,
    sink: { next: (data: TData) => void; error: (error: Error) => void; complete: () => void },
  ): () => void {
    return this.client.subscribe<TData>(
      { query: operation.query, operationName: operation.name },
      {
        next: (value) => {
          if (value.errors?.length) sink.error(new ServerOperationError(operation.name, [...value.errors]));
          else if (value.data) sink.next(value.data);
        },
        error: (error) => sink.error(toError(operation.name, error)),
        complete: () => sink.complete(),
      },
    );
  }

  /** Closes the socket normally and waits (briefly) until it is closed. */
  async close(): Promise<ConnectionCloseInfo> {
    if (this.closeInfo) return this.closeInfo;
    this.closingByUs = true;
    await this.client.dispose();
    const timeout = new Promise<ConnectionCloseInfo>((resolve) =>
      setTimeout(() => resolve(this.markClosed(1000, 'closed by the agent')), 2_000).unref(),
    );
    return Promise.race([this.closed, timeout]);
  }

  /** Drops a connection that stopped answering, without a closing handshake. */
  terminate(): void {
    if (!this.closeInfo) {
      this.closingByUs = true;
      this.client.terminate();
    }
  }

  private markClosed(code: number | null, reason: string): ConnectionCloseInfo {
    if (!this.closeInfo) {
      this.closeInfo = { code, reason, byUs: this.closingByUs };
      this.resolveClosed(this.closeInfo);
      void this.client.dispose();
    }
    return this.closeInfo;
  }
}

function closeDetails(event: unknown, lastError: unknown): { code: number | null; reason: string } {
  const close = event as { code?: unknown; reason?: unknown } | undefined;
  const code = typeof close?.code === 'number' ? close.code : null;
  const reason = typeof close?.reason === 'string' && close.reason ? close.reason : undefined;
  const errorText =
    lastError instanceof Error
      ? lastError.message
      : ((lastError as { message?: unknown; error?: { message?: unknown } } | undefined)?.error?.message ??
        (lastError as { message?: unknown } | undefined)?.message);
  return {
    code,
    reason:
      reason ??
      (typeof errorText === 'string' && errorText
        ? errorText
        : `socket closed${code ? ` (code ${code})` : ''}`),
  };
}

function toError(operation: string, error: unknown): Error {
  if (Array.isArray(error)) return new ServerOperationError(operation, error as GraphQLErrorLike[]);
  if (error instanceof Error) return error;
  const { code, reason } = closeDetails(error, undefined);
  return new ConnectionClosedError(`${operation}: the connection closed (${reason})`, code);
}
