import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '@outpost/prisma';
import { createTestDatabase, SubscriptionRecorder, untilLive, type Credentials } from '@outpost/testing';
import {
  createProvider,
  createWorld,
  PASSWORD,
  setProviderStatus,
  startServerProcess,
  type ServerProcess,
  type World,
} from './helpers.js';

const PROVIDER_EVENTS = `subscription($providerId: ID) {
  workspaceProviderEvents(providerId: $providerId) {
    type providerId
    provider { id name cordoned cordonReason status }
    statusEvent { fromStatus toStatus message }
  }
}`;

const WORKSPACE_EVENTS = `subscription { workspaceEvents { type workspaceId workspace { name desiredState } } }`;

type ProviderEvent = {
  workspaceProviderEvents: {
    type: string;
    providerId: string;
    provider: { name: string; cordoned: boolean; status: string } | null;
    statusEvent: { fromStatus: string; toStatus: string; message: string } | null;
  };
};

/**
 * Two server processes on one database: events cross replicas through PostgreSQL LISTEN/NOTIFY.
 * Mutations go to replica A; subscribers listen on replica B.
 */
describe('subscriptions across two server replicas', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let db: PrismaClient;
  let world: World;
  let dropDatabase: () => Promise<void>;
  const recorders: Array<SubscriptionRecorder<unknown>> = [];
  const record = <T>(recorder: SubscriptionRecorder<T>) => {
    recorders.push(recorder as SubscriptionRecorder<unknown>);
    return recorder;
  };

  /** A provider event on replica A: cordons on even `n`, uncordons on odd. */
  const toggleCordon = (providerId: string, n: number, as: Credentials) =>
    a.client.data(
      n % 2 === 0
        ? `mutation($id: ID!) { cordonWorkspaceProvider(id: $id, reason: "warm-up") { id } }`
        : `mutation($id: ID!) { uncordonWorkspaceProvider(id: $id) { id } }`,
      { id: providerId },
      as,
    );
  /** A RENAMED event on replica A: the marker that what was published before it has been delivered. */
  const rename = (providerId: string, name: string, as: Credentials) =>
    a.client.data(
      `mutation($id: ID!, $n: String!) { renameWorkspaceProvider(id: $id, name: $n) { id } }`,
      {
        id: providerId,
        n: name,
      },
      as,
    );

  beforeAll(async () => {
    const database = await createTestDatabase();
    dropDatabase = database.drop;
    const env = {
      DATABASE_URL: database.url,
      OUTPOST_ADMIN_EMAIL: 'root@example.com',
      OUTPOST_ADMIN_PASSWORD: PASSWORD,
    };
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    db = createPrismaClient(database.url);
    world = await createWorld({ client: a.client, db });
  });

  afterAll(async () => {
    for (const recorder of recorders) recorder.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.$disconnect();
    await dropDatabase?.();
  });

  it('created exactly one admin from OUTPOST_ADMIN_EMAIL although both replicas started at once', async () => {
    expect(await db.user.count({ where: { email: 'root@example.com' } })).toBe(1);
    expect(await db.workspaceProvider.count({ where: { name: 'built-in' } })).toBe(1);
  });

  it('delivers a mutation made on one replica to a subscriber on the other', async () => {
    const admin = world.personas.siteAdmin.credentials;
    const events = record(
      new SubscriptionRecorder<ProviderEvent>(b.client.subscriptions(admin), PROVIDER_EVENTS, {
        providerId: world.builtInId,
      }),
    );
    // Each cordon change is made on A; the subscriber is on B.
    await untilLive([events], (n) => toggleCordon(world.builtInId, n, admin));
    expect(events.events[0]!.workspaceProviderEvents).toMatchObject({
      type: 'CORDON_CHANGED',
      providerId: world.builtInId,
      provider: { name: 'built-in' },
    });
  });

  it('streams status transitions with their from/to and message', async () => {
    const admin = world.personas.siteAdmin.credentials;
    const provider = await createProvider({ client: a.client, db }, admin, 'eu-status', {
      status: 'PENDING',
    });
    const events = record(
      new SubscriptionRecorder<ProviderEvent>(b.client.subscriptions(admin), PROVIDER_EVENTS, {
        providerId: provider.id,
      }),
    );
    await untilLive([events], (n) => toggleCordon(provider.id, n, admin));
    await setProviderStatus(db, provider.id, 'READY', 'agent connected');
    await setProviderStatus(db, provider.id, 'READY', 'agent connected'); // nothing changes: publishes nothing
    await setProviderStatus(db, provider.id, 'ERROR', 'cluster API unreachable');
    // A rename after them: had the repeated READY published anything, it would be here before it.
    await rename(provider.id, 'eu-status-renamed', admin);
    const beforeRename = await events.eventsBefore((e) => e.workspaceProviderEvents.type === 'RENAMED');
    expect(
      beforeRename
        .filter((e) => e.workspaceProviderEvents.type !== 'CORDON_CHANGED') // the warm-up's
        .map((e) => e.workspaceProviderEvents.statusEvent),
    ).toEqual([
      { fromStatus: 'PENDING', toStatus: 'READY', message: 'agent connected' },
      { fromStatus: 'READY', toStatus: 'ERROR', message: 'cluster API unreachable' },
    ]);
  });

  it('never tells a member about a provider their organizations cannot use', async () => {
    const admin = world.personas.siteAdmin.credentials;
    const visible = await createProvider({ client: a.client, db }, admin, 'member-visible', {
      organizationIds: [world.org.id],
      status: 'PENDING',
    });
    const memberEvents = record(
      new SubscriptionRecorder<ProviderEvent>(
        b.client.subscriptions(world.personas.member.credentials),
        PROVIDER_EVENTS,
      ),
    );
    const adminEvents = record(
      new SubscriptionRecorder<ProviderEvent>(b.client.subscriptions(admin), PROVIDER_EVENTS),
    );
    await untilLive([memberEvents, adminEvents], (n) => toggleCordon(visible.id, n, admin));
    const hidden = await createProvider({ client: a.client, db }, admin, 'other-only', {
      organizationIds: [world.otherOrg.id],
      status: 'PENDING',
    });
    // Renaming the visible provider afterwards: both hear of it, and of what came before it.
    await rename(visible.id, 'member-visible-renamed', admin);
    const isRename = (e: ProviderEvent) => e.workspaceProviderEvents.type === 'RENAMED';
    const ofHidden = (events: ProviderEvent[]) =>
      events.filter((e) => e.workspaceProviderEvents.providerId === hidden.id);
    expect(ofHidden(await adminEvents.eventsBefore(isRename))).not.toEqual([]);
    expect(ofHidden(await memberEvents.eventsBefore(isRename))).toEqual([]);
  });

  it('delivers workspace events to members of the workspace organization only, by cookie or token', async () => {
    const member = world.personas.member;
    const login = await b.client.request(
      `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { id } } }`,
      { e: member.email, p: PASSWORD },
    );
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const byCookie = record(
      new SubscriptionRecorder<any>(b.client.subscriptions({ cookie }), WORKSPACE_EVENTS),
    );
    const outsider = record(
      new SubscriptionRecorder<any>(
        b.client.subscriptions(world.personas.otherOrgMember.credentials),
        WORKSPACE_EVENTS,
      ),
    );
    await setProviderStatus(db, world.builtInId, 'READY', 'ready');
    await a.client.data(
      `mutation($id: ID!) { uncordonWorkspaceProvider(id: $id) { cordoned } }`,
      { id: world.builtInId },
      world.personas.siteAdmin.credentials,
    );
    const createWorkspace = (organizationId: string, name: string, as: Credentials) =>
      a.client.data(
        `mutation($o: ID!, $n: String!) { createWorkspace(organizationId: $o, name: $n) { id } }`,
        { o: organizationId, n: name },
        as,
      );
    // Each subscriber is live once it has heard of a workspace of its own organization.
    await untilLive([byCookie, outsider], async (n) => {
      if (byCookie.events.length === 0) await createWorkspace(world.org.id, `warm-${n}`, member.credentials);
      if (outsider.events.length === 0)
        await createWorkspace(
          world.otherOrg.id,
          `outside-warm-${n}`,
          world.personas.otherOrgMember.credentials,
        );
    });
    await createWorkspace(world.org.id, 'dev-box', member.credentials);
    const isDevBox = (e: any) => e.workspaceEvents.workspace?.name === 'dev-box';
    const [event] = (await byCookie.waitFor((list) => list.some(isDevBox))).filter(isDevBox);
    expect(event.workspaceEvents).toMatchObject({
      type: 'CREATED',
      workspace: { name: 'dev-box', desiredState: 'RUNNING' },
    });
    // A workspace of the outsider's own organization, created after dev-box: dev-box did not come first.
    await createWorkspace(world.otherOrg.id, 'outside-marker', world.personas.otherOrgMember.credentials);
    const outsiderSaw = await outsider.eventsBefore(
      (e) => e.workspaceEvents.workspace?.name === 'outside-marker',
    );
    expect(outsiderSaw.map((e) => e.workspaceEvents.workspace?.name)).not.toContain('dev-box');
    expect(outsiderSaw.every((e) => e.workspaceEvents.workspace?.name.startsWith('outside-warm-'))).toBe(
      true,
    );
  });

  it('ends a subscription at the next event once its token is revoked', async () => {
    const admin = world.personas.siteAdmin.credentials;
    const { createApiToken } = await a.client.data(
      `mutation { createApiToken(name: "watch") { token apiToken { id } } }`,
      {},
      admin,
    );
    const events = record(
      new SubscriptionRecorder<ProviderEvent>(
        b.client.subscriptions({ token: createApiToken.token }),
        PROVIDER_EVENTS,
      ),
    );
    await untilLive([events], (n) => toggleCordon(world.builtInId, n, admin));
    // Nothing of the warm-up is still on its way once this provider's creation has arrived.
    const beforeRevoke = await createProvider({ client: a.client, db }, admin, 'before-revoke', {
      status: 'PENDING',
    });
    await events.eventsBefore((e) => e.workspaceProviderEvents.providerId === beforeRevoke.id);
    const heardBeforeRevoking = events.events.length;
    await a.client.data(
      `mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }`,
      { id: createApiToken.apiToken.id },
      admin,
    );
    await createProvider({ client: a.client, db }, admin, 'after-revoke', { status: 'PENDING' });
    await events.waitFor(() => events.completed);
    expect(events.events.slice(heardBeforeRevoking)).toEqual([]);
  });

  it('refuses anonymous subscribers', async () => {
    const events = record(
      new SubscriptionRecorder<ProviderEvent>(b.client.subscriptions({}), PROVIDER_EVENTS),
    );
    await events.waitFor(() => events.errors.length > 0 || events.completed);
    expect(JSON.stringify(events.errors)).toContain('UNAUTHENTICATED');
  });
});
