import { randomUUID } from 'node:crypto';
import type { Credentials, GraphQLTestClient } from '@outpost/testing';
import type { OutpostApi, WorkspaceView } from './outpost-api.js';

/**
 * Subscriptions as a client of the API sees them, so tests wait for the event that proves a step
 * happened instead of sleeping and looking.
 */

type SubscriptionClient = ReturnType<GraphQLTestClient['subscriptions']>;

/** One subscription's events, each with the time it arrived here. */
export class EventStream<T> {
  readonly events: Array<{ data: T; receivedAt: number }> = [];
  readonly errors: unknown[] = [];
  completed = false;
  private readonly socket: SubscriptionClient;
  private readonly waiters = new Set<() => void>();

  constructor(client: GraphQLTestClient, credentials: Credentials, query: string) {
    this.socket = client.subscriptions(credentials);
    this.socket.subscribe<T>(
      { query },
      {
        next: (value) => {
          if (value.errors) this.errors.push(value.errors);
          if (value.data) this.events.push({ data: value.data as T, receivedAt: Date.now() });
          this.wake();
        },
        error: (error) => {
          this.errors.push(error);
          this.wake();
        },
        complete: () => {
          this.completed = true;
          this.wake();
        },
      },
    );
  }

  /** Resolves once `condition` returns something other than undefined; re-checked at every event. */
  async until<R>(what: string, condition: () => R | undefined, timeoutMs: number): Promise<R> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = condition();
      if (result !== undefined) return result;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.completed) {
        throw new Error(
          `${what}: not within ${timeoutMs} ms${this.completed ? ' (the subscription ended)' : ''}; ` +
            `events: ${JSON.stringify(this.events.map((event) => event.data))}; errors: ${JSON.stringify(this.errors)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, remaining);
        this.waiters.add(wake);
      });
    }
  }

  async close(): Promise<void> {
    await this.socket.dispose();
  }

  private wake() {
    for (const waiter of [...this.waiters]) waiter();
  }
}

interface ProviderEvent {
  workspaceProviderEvents: {
    type: string;
    providerId: string;
    statusEvent: { fromStatus: string | null; toStatus: string; message: string; at: string } | null;
  };
}

export interface Transition {
  /** `FROM→TO`, e.g. `READY→ERROR`. */
  change: string;
  message: string;
  /** When the server recorded it. */
  at: Date;
  /** When it reached this subscriber (ms since the epoch). */
  receivedAt: number;
}

/**
 * An admin watching `workspaceProviderEvents` for every provider. A beacon provider of its own (one
 * nothing else touches) proves the subscription is live before the test goes on, and `settle()` marks
 * "everything published before now has arrived": events are delivered in order, so a transition that
 * had not arrived by then was never published, and "exactly once" needs no sleep.
 */
export class ProviderEvents {
  private readonly cursors = new Map<string, number>();
  private settlesSent = 0;

  private constructor(
    private readonly api: OutpostApi,
    private readonly stream: EventStream<ProviderEvent>,
    private readonly beaconId: string,
  ) {}

  static async open(api: OutpostApi): Promise<ProviderEvents> {
    const beacon = await api.createProvider({
      name: `beacon-${randomUUID().slice(0, 8)}`,
      namespace: 'beacon',
      clusterAddress: 'https://beacon.invalid:6443',
    });
    const stream = new EventStream<ProviderEvent>(
      api.client,
      api.admin,
      `subscription {
        workspaceProviderEvents { type providerId statusEvent { fromStatus toStatus message at } }
      }`,
    );
    const events = new ProviderEvents(api, stream, beacon.id);
    for (let attempt = 1; ; attempt++) {
      await api.updateProvider(beacon.id, { displayName: `warm-up ${attempt}` });
      try {
        await stream.until(
          'warm-up',
          () => (events.ofType(beacon.id, 'UPDATED').length > 0 ? true : undefined),
          300,
        );
        return events;
      } catch (error) {
        if (attempt >= 30) {
          await stream.close();
          throw error;
        }
      }
    }
  }

  /** Every status transition of the provider received so far, as `FROM→TO`. */
  transitions(providerId: string): string[] {
    return this.transitionEvents(providerId).map((transition) => transition.change);
  }

  /**
   * The provider's next transition after those already taken by earlier calls: waits for it, and fails
   * unless it is `expected` (`FROM→TO`), so a missed or extra transition cannot go unnoticed.
   */
  async next(providerId: string, expected: string, timeoutMs = 15_000): Promise<Transition> {
    const index = this.cursors.get(providerId) ?? 0;
    const transition = await this.stream.until(
      `provider ${providerId}: transition ${expected} (after ${JSON.stringify(this.transitions(providerId))})`,
      () => this.transitionEvents(providerId)[index],
      timeoutMs,
    );
    if (transition.change !== expected) {
      throw new Error(
        `provider ${providerId}: expected ${expected} next, got ${transition.change} (${transition.message}); ` +
          `all: ${JSON.stringify(this.transitions(providerId))}`,
      );
    }
    this.cursors.set(providerId, index + 1);
    return transition;
  }

  /** Resolves once everything published before this call has been delivered. */
  async settle(): Promise<void> {
    const sent = ++this.settlesSent;
    await this.api.setCordoned(this.beaconId, sent % 2 === 1);
    await this.stream.until(
      'settle beacon',
      () => (this.ofType(this.beaconId, 'CORDON_CHANGED').length >= sent ? true : undefined),
      10_000,
    );
  }

  close(): Promise<void> {
    return this.stream.close();
  }

  private ofType(providerId: string, type: string) {
    return this.stream.events.filter(
      ({ data: { workspaceProviderEvents: e } }) => e.providerId === providerId && e.type === type,
    );
  }

  private transitionEvents(providerId: string): Transition[] {
    return this.ofType(providerId, 'STATUS_CHANGED').map(({ data, receivedAt }) => {
      const statusEvent = data.workspaceProviderEvents.statusEvent!;
      return {
        change: `${statusEvent.fromStatus}→${statusEvent.toStatus}`,
        message: statusEvent.message,
        at: new Date(statusEvent.at),
        receivedAt,
      };
    });
  }
}

interface WorkspaceEvent {
  workspaceEvents: { type: string; workspaceId: string };
}

/**
 * A member watching `workspaceEvents`. The API is the truth: an event only wakes the wait, which then
 * reads the workspace through `workspaces`, so an event missed while the subscription was starting
 * costs at most one re-read interval, never the test.
 */
export class WorkspaceEvents {
  private readonly stream: EventStream<WorkspaceEvent>;

  constructor(
    private readonly api: OutpostApi,
    private readonly as: Credentials,
  ) {
    this.stream = new EventStream<WorkspaceEvent>(
      api.client,
      as,
      'subscription { workspaceEvents { type workspaceId } }',
    );
  }

  /** Waits until the workspace, as `workspaces(includeDeleted: true)` returns it, satisfies `condition`. */
  async waitFor(
    workspaceId: string,
    what: string,
    condition: (workspace: WorkspaceView) => boolean,
    timeoutMs = 15_000,
  ): Promise<WorkspaceView> {
    const deadline = Date.now() + timeoutMs;
    let last: WorkspaceView | undefined;
    for (;;) {
      const seen = this.stream.events.length;
      last = (await this.api.workspaces(this.as, { includeDeleted: true })).find((w) => w.id === workspaceId);
      if (last && condition(last)) return last;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.stream.completed) {
        throw new Error(
          `workspace ${workspaceId}: ${what} not within ${timeoutMs} ms; last seen ${JSON.stringify(last)}`,
        );
      }
      await this.stream
        .until(
          'a workspace event',
          () =>
            this.stream.events.slice(seen).some((e) => e.data.workspaceEvents.workspaceId === workspaceId)
              ? true
              : undefined,
          Math.min(remaining, 1_000),
        )
        .catch(() => undefined);
    }
  }

  close(): Promise<void> {
    return this.stream.close();
  }
}
