import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { TEMPLATE_DATABASE, withDatabase } from './global-setup.js';

/**
 * A fresh database for one test file, cloned from the migrated template (`migrated: false`: an empty one,
 * for a test of the migrations themselves). Dropped by `drop()`.
 */
export async function createTestDatabase({ migrated = true } = {}): Promise<{
  url: string;
  drop(): Promise<void>;
}> {
  const adminUrl = inject('postgresAdminUrl');
  const name = `outpost_test_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // CREATE DATABASE … TEMPLATE fails while another session is connected to the template; retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name}${migrated ? ` TEMPLATE ${TEMPLATE_DATABASE}` : ''}`);
        break;
      } catch (error) {
        if (attempt >= 20 || !String(error).includes('is being accessed by other users')) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(adminUrl, name),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{
    message: string;
    path?: string[];
    extensions?: Record<string, unknown> & { code?: string };
  }>;
}

export interface Credentials {
  /** API token sent as `Authorization: Bearer`. */
  token?: string;
  /** Raw `Cookie` header. */
  cookie?: string;
}

/** A client that talks to a real Outpost server over HTTP, as the CLI and console do. */
export class GraphQLTestClient {
  constructor(
    readonly graphqlUrl: string,
    readonly websocketUrl: string,
  ) {}

  async request<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    credentials: Credentials = {},
  ): Promise<GraphQLResponse<T> & { headers: Headers; status: number }> {
    const response = await fetch(this.graphqlUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(credentials.token ? { authorization: `Bearer ${credentials.token}` } : {}),
        ...(credentials.cookie ? { cookie: credentials.cookie } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as GraphQLResponse<T>;
    return { ...body, headers: response.headers, status: response.status };
  }

  /** Like request, but throws when the response has errors. */
  async data<T = Record<string, any>>(
    query: string,
    variables: Record<string, unknown> = {},
    credentials: Credentials = {},
  ): Promise<T> {
    const result = await this.request<T>(query, variables, credentials);
    if (result.errors?.length || !result.data) {
      throw new Error(`GraphQL errors: ${JSON.stringify(result.errors ?? result)}`);
    }
    return result.data;
  }

  /** Opens a graphql-ws connection, authenticated like the CLI (token in connectionParams) or a browser (cookie). */
  subscriptions(credentials: Credentials = {}): Client {
    return createClient({
      url: this.websocketUrl,
      webSocketImpl: class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, credentials.cookie ? { headers: { cookie: credentials.cookie } } : {});
        }
      },
      connectionParams: credentials.token ? { token: credentials.token } : {},
      retryAttempts: 0,
      lazy: true,
    });
  }
}

/** Collects the events of one subscription so a test can wait for them. */
export class SubscriptionRecorder<T> {
  readonly events: T[] = [];
  readonly errors: unknown[] = [];
  private waiters: Array<() => void> = [];
  private unsubscribe: () => void;
  completed = false;

  constructor(client: Client, query: string, variables: Record<string, unknown> = {}) {
    this.unsubscribe = client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          if (value.errors) this.errors.push(value.errors);
          if (value.data) this.events.push(value.data as T);
          this.notify();
        },
        error: (error) => {
          this.errors.push(error);
          this.notify();
        },
        complete: () => {
          this.completed = true;
          this.notify();
        },
      },
    );
  }

  private notify() {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Resolves once `predicate` holds for the recorded events, or rejects after `timeoutMs`. */
  async waitFor(predicate: (events: T[]) => boolean, timeoutMs = 5_000): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.events)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(
          `timed out; events so far: ${JSON.stringify(this.events)} errors: ${JSON.stringify(this.errors)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events;
  }

  /**
   * The events that arrived before the first one `isMarker` picks out, once it has arrived. Events reach
   * a subscriber in the order they were published, so this is the proof that something published before
   * the marker did not arrive, where a fixed sleep would only hope so.
   */
  async eventsBefore(isMarker: (event: T) => boolean, timeoutMs = 5_000): Promise<T[]> {
    const events = await this.waitFor((all) => all.some(isMarker), timeoutMs);
    return events.slice(0, events.findIndex(isMarker));
  }

  stop() {
    this.unsubscribe();
  }
}

/**
 * graphql-ws tells a client nothing when a subscription starts, so a test cannot see when it is live:
 * this calls `publish(n)` (n = 0, 1, …) until every recorder has received an event since it was called.
 * Whatever is published after it returns reaches every one of them. (A warm-up event may still be on
 * its way: counts taken later should stop at a marker, `eventsBefore`.)
 */
export async function untilLive(
  recorders: Array<SubscriptionRecorder<unknown>>,
  publish: (n: number) => Promise<unknown>,
): Promise<void> {
  const before = recorders.map((recorder) => recorder.events.length);
  const waiting = () => recorders.filter((recorder, i) => recorder.events.length === before[i]);
  for (let n = 0; waiting().length > 0; n++) {
    if (n >= 50) throw new Error('subscriptions not live after 50 events published');
    await publish(n);
    await Promise.all(
      waiting().map((recorder) =>
        recorder
          .waitFor((all) => all.length > before[recorders.indexOf(recorder)]!, 200)
          .catch(() => undefined),
      ),
    );
  }
}
