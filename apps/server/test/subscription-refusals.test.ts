import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { SubscriptionRecorder } from '@outpost/testing';
import { serviceUnavailableError } from '../src/database/availability.js';
import { createProvider, createWorld, setProviderStatus, useTestServer, type World } from './helpers.js';

/**
 * A subscription that cannot be served says so with the codes a request gets: NOT_FOUND for a provider
 * the viewer cannot see (as `workspaceProvider(id:)` answers), SERVICE_UNAVAILABLE, masked, when the
 * database fails while an event is produced.
 */

const EVENTS_OF = `subscription($providerId: ID) {
  workspaceProviderEvents(providerId: $providerId) { type providerId }
}`;
const READ = `query($id: ID!) { workspaceProvider(id: $id) { id } }`;

type ProviderEvent = { workspaceProviderEvents: { type: string; providerId: string } };
type FormattedErrors = Array<{ message: string; extensions?: Record<string, unknown> }>;

describe('subscriptions refused or failed', () => {
  // Production error presentation: what a deployed server tells clients.
  const server = useTestServer({ config: { development: false } });
  let world: World;
  let theirs: { id: string };
  let ours: { id: string };
  const recorders: Array<SubscriptionRecorder<unknown>> = [];
  const subscribe = (credentials: { token?: string }, providerId: string | null) => {
    const recorder = new SubscriptionRecorder<ProviderEvent>(
      server.client.subscriptions(credentials),
      EVENTS_OF,
      { providerId },
    );
    recorders.push(recorder as SubscriptionRecorder<unknown>);
    return recorder;
  };
  /** Waits until the subscription ended, with errors or without. */
  const ended = (recorder: SubscriptionRecorder<unknown>) =>
    recorder.waitFor(() => recorder.completed || recorder.errors.length > 0, 15_000);

  beforeAll(async () => {
    world = await createWorld(server);
    const admin = world.personas.siteAdmin.credentials;
    theirs = await createProvider(server, admin, 'their-cluster', { organizationIds: [world.otherOrg.id] });
    ours = await createProvider(server, admin, 'our-cluster', { organizationIds: [world.org.id] });
  });

  afterAll(() => {
    for (const recorder of recorders) recorder.stop();
  });

  it('refuses a member’s subscription to a provider their organizations cannot use with NOT_FOUND, as a read', async () => {
    const member = world.personas.member.credentials;
    const read = await server.client.request(READ, { id: theirs.id }, member);
    expect(read.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const hidden = subscribe(member, theirs.id);
    await ended(hidden);
    const [errors] = hidden.errors as FormattedErrors[];
    expect(errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(errors?.[0]?.message).toBe(read.errors?.[0]?.message);
    expect(hidden.events).toEqual([]);

    // A provider that does not exist at all gets the same answer: the refusal does not tell them apart.
    const missing = subscribe(member, '00000000-0000-4000-8000-000000000000');
    await ended(missing);
    expect((missing.errors as FormattedErrors[])[0]?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('still lets members subscribe to a provider they can use, and staff to any', async () => {
    const mine = subscribe(world.personas.member.credentials, ours.id);
    const staff = subscribe(world.personas.siteManager.credentials, theirs.id);
    // Subscriptions are live once an event reaches them; re-sent until then (subscribing is asynchronous).
    const live = async (recorder: SubscriptionRecorder<ProviderEvent>, providerId: string) => {
      for (let status: 'ERROR' | 'READY' = 'ERROR'; ; status = status === 'ERROR' ? 'READY' : 'ERROR') {
        await setProviderStatus(server.db, providerId, status, `test: ${status}`);
        try {
          await recorder.waitFor((events) => events.length > 0, 1_000);
          return;
        } catch (error) {
          if (recorder.errors.length > 0 || recorder.completed) throw error;
        }
      }
    };
    await live(mine, ours.id);
    await live(staff, theirs.id);
    expect(mine.errors).toEqual([]);
    expect(staff.errors).toEqual([]);
  });

  it('reports a database failure while an event is produced as SERVICE_UNAVAILABLE, masked', async () => {
    const watcher = subscribe(world.personas.siteAdmin.credentials, ours.id);
    // Live once it has seen an event.
    let status: 'ERROR' | 'READY' = 'ERROR';
    for (;;) {
      await setProviderStatus(server.db, ours.id, status, `test: ${status}`);
      status = status === 'ERROR' ? 'READY' : 'ERROR';
      try {
        await watcher.waitFor((events) => events.length > 0, 1_000);
        break;
      } catch (error) {
        if (watcher.errors.length > 0 || watcher.completed) throw error;
      }
    }

    // The next event's first read, the re-check of the subscriber's API token, is made to hang on a lock
    // and its connection is then ended by PostgreSQL (57P01, as when the database shuts down).
    const locker = new pg.Client({ connectionString: server.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE api_tokens IN ACCESS EXCLUSIVE MODE');
      await setProviderStatus(server.db, ours.id, status, `test: ${status}`);
      const deadline = Date.now() + 15_000;
      let terminated = 0;
      while (terminated === 0) {
        if (Date.now() > deadline) throw new Error('the event delivery never waited on api_tokens');
        const { rows } = await locker.query<{ n: number }>(
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid()
             AND wait_event_type = 'Lock' AND query LIKE '%api_tokens%'`,
        );
        terminated = rows[0]!.n;
        if (terminated === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }

    await ended(watcher);
    const errors = watcher.errors[0] as FormattedErrors;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: serviceUnavailableError().message,
      extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true },
    });
    expect(JSON.stringify(errors)).not.toMatch(/terminating|administrator|stack/i);
  });
});
