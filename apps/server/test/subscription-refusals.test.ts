import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubscriptionRecorder } from '@outpost/testing';
import { serviceUnavailableError } from '../src/database/availability.js';
import {
  createProvider,
  createWorld,
  setProviderStatus,
  useTestServer,
  withApiTokensReadFailing,
  type World,
} from './helpers.js';

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

  it('names the failure when the document holds several operations and none is chosen', async () => {
    const ambiguous = new SubscriptionRecorder<unknown>(
      server.client.subscriptions(world.personas.member.credentials),
      `query A { me { id } } query B { me { email } }`,
    );
    recorders.push(ambiguous);
    await ended(ambiguous);
    expect((ambiguous.errors as FormattedErrors[])[0]?.[0]?.extensions).toEqual({
      code: 'OPERATION_RESOLUTION_FAILURE',
    });
  });

  /**
   * Subscribing is asynchronous: a subscription is live once an event reaches it. Changes the provider's
   * status until one does; returns the status it was left in.
   */
  const untilLive = async (recorder: SubscriptionRecorder<ProviderEvent>, providerId: string) => {
    for (let status: 'ERROR' | 'READY' = 'ERROR'; ; status = status === 'ERROR' ? 'READY' : 'ERROR') {
      await setProviderStatus(server.db, providerId, status, `test: ${status}`);
      try {
        await recorder.waitFor((events) => events.length > 0, 1_000);
        return status;
      } catch (error) {
        if (recorder.errors.length > 0 || recorder.completed) throw error;
      }
    }
  };

  it('still lets members subscribe to a provider they can use, and staff to any', async () => {
    const mine = subscribe(world.personas.member.credentials, ours.id);
    const staff = subscribe(world.personas.siteManager.credentials, theirs.id);
    await untilLive(mine, ours.id);
    await untilLive(staff, theirs.id);
    expect(mine.errors).toEqual([]);
    expect(staff.errors).toEqual([]);
  });

  it('reports a database failure while an event is produced as SERVICE_UNAVAILABLE, masked, as HTTP does', async () => {
    const admin = world.personas.siteAdmin.credentials;
    const watcher = subscribe(admin, ours.id);
    const status = await untilLive(watcher, ours.id);
    // The next event's first read is the re-check of the subscriber's API token.
    await withApiTokensReadFailing(server.databaseUrl, () =>
      setProviderStatus(server.db, ours.id, status === 'ERROR' ? 'READY' : 'ERROR', 'test: next'),
    );
    await ended(watcher);
    const errors = watcher.errors[0] as FormattedErrors;
    expect(errors).toEqual([
      {
        message: serviceUnavailableError().message,
        extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true },
      },
    ]);
    expect(JSON.stringify(errors)).not.toMatch(/terminating|administrator|stack/i);

    // The same failure over HTTP (authenticating the request): the same error, with a 503.
    const overHttp = await withApiTokensReadFailing(server.databaseUrl, () =>
      server.client.request(`{ me { id } }`, {}, admin),
    );
    expect(overHttp.status).toBe(503);
    expect(overHttp.errors).toEqual(errors);
  });
});
