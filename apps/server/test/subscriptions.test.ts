import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '@outpost/prisma';
import { createTestDatabase, SubscriptionRecorder } from '@outpost/testing';
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
    // graphql-ws subscribes asynchronously; give the LISTEN fan-out a moment to register the subscriber.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await a.client.data(
      `mutation($id: ID!) { cordonWorkspaceProvider(id: $id, reason: "node upgrades") { cordoned } }`,
      { id: world.builtInId },
      admin,
    );
    const [event] = await events.waitFor((list) => list.length >= 1);
    expect(event!.workspaceProviderEvents).toMatchObject({
      type: 'CORDON_CHANGED',
      providerId: world.builtInId,
      provider: { name: 'built-in', cordoned: true },
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
    await new Promise((resolve) => setTimeout(resolve, 300));
    await setProviderStatus(db, provider.id, 'READY', 'agent connected');
    await setProviderStatus(db, provider.id, 'READY', 'agent connected'); // nothing changes: publishes nothing
    await setProviderStatus(db, provider.id, 'ERROR', 'cluster API unreachable');
    const list = await events.waitFor((all) => all.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(list.map((e) => e.workspaceProviderEvents.statusEvent)).toEqual([
      { fromStatus: 'PENDING', toStatus: 'READY', message: 'agent connected' },
      { fromStatus: 'READY', toStatus: 'ERROR', message: 'cluster API unreachable' },
    ]);
  });

  it('never tells a member about a provider their organizations cannot use', async () => {
    const admin = world.personas.siteAdmin.credentials;
    const memberEvents = record(
      new SubscriptionRecorder<ProviderEvent>(
        b.client.subscriptions(world.personas.member.credentials),
        PROVIDER_EVENTS,
      ),
    );
    const adminEvents = record(
      new SubscriptionRecorder<ProviderEvent>(b.client.subscriptions(admin), PROVIDER_EVENTS),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const hidden = await createProvider({ client: a.client, db }, admin, 'other-only', {
      organizationIds: [world.otherOrg.id],
      status: 'PENDING',
    });
    const visible = await createProvider({ client: a.client, db }, admin, 'member-visible', {
      organizationIds: [world.org.id],
      status: 'PENDING',
    });
    await adminEvents.waitFor((list) =>
      list.some((e) => e.workspaceProviderEvents.providerId === visible.id),
    );
    await memberEvents.waitFor((list) =>
      list.some((e) => e.workspaceProviderEvents.providerId === visible.id),
    );
    expect(adminEvents.events.some((e) => e.workspaceProviderEvents.providerId === hidden.id)).toBe(true);
    expect(memberEvents.events.some((e) => e.workspaceProviderEvents.providerId === hidden.id)).toBe(false);
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
    await new Promise((resolve) => setTimeout(resolve, 300));
    await setProviderStatus(db, world.builtInId, 'READY', 'ready');
    await a.client.data(
      `mutation($id: ID!) { uncordonWorkspaceProvider(id: $id) { cordoned } }`,
      { id: world.builtInId },
      world.personas.siteAdmin.credentials,
    );
    await a.client.data(
      `mutation($o: ID!) { createWorkspace(organizationId: $o, name: "dev-box") { id } }`,
      { o: world.org.id },
      member.credentials,
    );
    const [event] = await byCookie.waitFor((list) => list.length >= 1);
    expect(event.workspaceEvents).toMatchObject({
      type: 'CREATED',
      workspace: { name: 'dev-box', desiredState: 'RUNNING' },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(outsider.events).toEqual([]);
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
    await new Promise((resolve) => setTimeout(resolve, 300));
    await a.client.data(
      `mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }`,
      { id: createApiToken.apiToken.id },
      admin,
    );
    await createProvider({ client: a.client, db }, admin, 'after-revoke', { status: 'PENDING' });
    await events.waitFor(() => events.completed);
    expect(events.events).toEqual([]);
  });

  it('refuses anonymous subscribers', async () => {
    const events = record(
      new SubscriptionRecorder<ProviderEvent>(b.client.subscriptions({}), PROVIDER_EVENTS),
    );
    await events.waitFor(() => events.errors.length > 0 || events.completed);
    expect(JSON.stringify(events.errors)).toContain('UNAUTHENTICATED');
  });
});
