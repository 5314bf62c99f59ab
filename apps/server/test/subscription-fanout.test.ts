import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SubscriptionRecorder, untilLive } from '@outpost/testing';
import {
  createProvider,
  createWorld,
  isStatusMonitorSweep,
  setProviderStatus,
  tokenFor,
  useTestServer,
  type World,
} from './helpers.js';

// The console's own subscription (apps/console/src/pages/WorkspaceProvidersPage/providers.graphql.ts),
// nested fields included: what thousands of open consoles ask for on every event.
const CONSOLE_EVENTS = `subscription {
  workspaceProviderEvents {
    type providerId
    provider {
      id name status statusMessage isDefault cordoned workspaceCount
      allowedOrganizations { id slug }
      workspaceCountsByOrganization { count organization { id } }
      statusHistory(first: 20) { id fromStatus toStatus }
    }
    statusEvent { id toStatus }
  }
}`;

type Event = {
  workspaceProviderEvents: {
    type: string;
    providerId: string;
    provider: { id: string; name: string; status: string } | null;
    statusEvent: { id: string; toStatus: string } | null;
  };
};

/**
 * One notification fans out to every subscriber of the process. The credentials, the provider row and
 * the nested data are read once per notification and shared (src/events/delivery-batch.ts), so the
 * statements an event costs do not depend on how many subscribers it reaches.
 */
describe('event fan-out', () => {
  let statements: string[] = [];
  let recording = false;
  const server = useTestServer({
    onStatement: (sql) => {
      if (recording && !isStatusMonitorSweep(sql)) statements.push(sql);
    },
  });
  let world: World;
  let recorders: Array<SubscriptionRecorder<Event>> = [];

  beforeAll(async () => {
    world = await createWorld(server);
  });

  afterEach(() => {
    for (const recorder of recorders) recorder.stop();
    recorders = [];
  });

  /**
   * Opens `admins` site-admin subscribers (each its own connection and API token), plus one member of the
   * allowlisted organization and one member of another, makes one status transition and returns the
   * statements the server sent to deliver it.
   */
  async function statementsForOneEvent(admins: number, providerName: string) {
    const admin = world.personas.siteAdmin.credentials;
    const provider = await createProvider(server, admin, providerName, { organizationIds: [world.org.id] });
    // Seen by every subscriber, the outsider too: its events show each subscription is live, and mark
    // that what was published before them has been delivered.
    const shared = await createProvider(server, admin, `${providerName}-shared`, {
      organizationIds: [world.org.id, world.otherOrg.id],
    });
    const tokens = await Promise.all(
      Array.from({ length: admins }, () => tokenFor(server.client, world.personas.siteAdmin.email!)),
    );
    const subscribe = (token: string) => {
      const recorder = new SubscriptionRecorder<Event>(
        server.client.subscriptions({ token }),
        CONSOLE_EVENTS,
      );
      recorders.push(recorder);
      return recorder;
    };
    const adminRecorders = tokens.map(subscribe);
    const member = subscribe(world.personas.member.credentials.token!);
    const outsider = subscribe(world.personas.otherOrgMember.credentials.token!);
    const everyone = [...adminRecorders, member, outsider];
    // A new status message each time (UPDATED) until every subscriber has heard of one.
    await untilLive(everyone, (n) => setProviderStatus(server.db, shared.id, 'READY', `warming up ${n}`));
    // No warm-up delivery is still running (and sending statements) once everyone has this rename.
    const renamed = (name: string) => (e: Event) =>
      e.workspaceProviderEvents.providerId === shared.id &&
      e.workspaceProviderEvents.type === 'RENAMED' &&
      e.workspaceProviderEvents.provider?.name === name;
    const renameShared = async (name: string) => {
      await server.client.data(
        `mutation($id: ID!, $n: String!) { renameWorkspaceProvider(id: $id, name: $n) { id } }`,
        { id: shared.id, n: name },
        admin,
      );
      return Promise.all(everyone.map((r) => r.eventsBefore(renamed(name), 20_000)));
    };
    await renameShared(`${providerName}-quiet`);

    statements = [];
    recording = true;
    await setProviderStatus(server.db, provider.id, 'ERROR', 'cluster API unreachable');
    const isTransition = (e: Event) =>
      e.workspaceProviderEvents.providerId === provider.id &&
      e.workspaceProviderEvents.type === 'STATUS_CHANGED';
    await Promise.all(
      [...adminRecorders, member].map((r) => r.waitFor((events) => events.some(isTransition), 20_000)),
    );
    // Every subscriber's copy, the outsider's refusal included, is worked out from one shared batch of
    // reads (src/events/delivery-batch.ts): once the last allowed subscriber has it, its statements are in.
    recording = false;
    // A rename after the transition, which the outsider does hear of: the transition did not come first.
    const outsiderBeforeMarker = (await renameShared(`${providerName}-marker`))[everyone.indexOf(outsider)]!;

    for (const recorder of adminRecorders) {
      expect(recorder.errors).toEqual([]);
      expect(recorder.events.find(isTransition)?.workspaceProviderEvents).toMatchObject({
        provider: { id: provider.id, status: 'ERROR' },
        statusEvent: { toStatus: 'ERROR' },
      });
    }
    // Visibility is still decided per viewer: the allowlisted member hears about it (without the
    // staff-only transition), the other organization's member does not.
    expect(member.events.find(isTransition)?.workspaceProviderEvents.provider).toMatchObject({
      id: provider.id,
      status: 'ERROR',
    });
    // Executions are shared between subscribers alike (src/events/shared-execution.ts), never across
    // rights: the member's copy has no staff-only transition.
    expect(member.events.find(isTransition)?.workspaceProviderEvents.statusEvent).toBeNull();
    expect(outsiderBeforeMarker.filter(isTransition)).toEqual([]);
    return [...statements];
  }

  it('sends the same number of SQL statements per event for 3 subscribers as for 30', async () => {
    const few = await statementsForOneEvent(1, 'fanout-few');
    const many = await statementsForOneEvent(28, 'fanout-many');
    expect(many.length, `few:\n${few.join('\n')}\n\nmany:\n${many.join('\n')}`).toBe(few.length);
    // Credentials (tokens, users), the provider with its allowlist, the status event, and the nested fields.
    expect(few.length).toBeLessThanOrEqual(12);
  });

  it('still ends the subscription of a revoked token at the next event', async () => {
    const admin = world.personas.siteAdmin.credentials;
    const provider = await createProvider(server, admin, 'fanout-revoke');
    const token = await tokenFor(server.client, world.personas.siteAdmin.email!);
    const revoked = new SubscriptionRecorder<Event>(server.client.subscriptions({ token }), CONSOLE_EVENTS);
    const kept = new SubscriptionRecorder<Event>(server.client.subscriptions(admin), CONSOLE_EVENTS);
    recorders.push(revoked, kept);
    const warmUp = await createProvider(server, admin, 'fanout-revoke-warm-up');
    await untilLive([revoked, kept], (n) =>
      setProviderStatus(server.db, warmUp.id, 'READY', `warming up ${n}`),
    );
    const row = await server.db.apiToken.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    await server.db.apiToken.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
    await setProviderStatus(server.db, provider.id, 'ERROR', 'down');
    await kept.waitFor(
      (events) => events.some((e) => e.workspaceProviderEvents.providerId === provider.id),
      20_000,
    );
    // The end of the revoked subscription is its last message: nothing of this provider came before it.
    await revoked.waitFor(() => revoked.completed, 20_000);
    expect(revoked.events.filter((e) => e.workspaceProviderEvents.providerId === provider.id)).toEqual([]);
  });
});
