import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPrismaClient, type PrismaClient } from '@outpost/prisma';
import {
  createTestDatabase,
  SubscriptionRecorder,
  type Credentials,
  type GraphQLResponse,
  type GraphQLTestClient,
} from '@outpost/testing';
import { notify } from '../src/events/notifications.js';
import { markSilentProviders } from '../src/providers/provider-status.js';
import { NO_CLUSTER_MESSAGE, startBuiltInAgent } from '../src/providers/built-in-agent.js';
import { readConfig } from '../src/config.js';
import { AGENT_VERSION, fitStatusReport, REQUIRED_CHECK_NAMES } from '@outpost/agent';
import { AGENT_PROTOCOL_VERSION, SERVER_VERSION, SUPPORTED_AGENT_PROTOCOL_VERSIONS } from '../src/version.js';
import { expectGraphQLError, expectNoChange, UNKNOWN_ID } from './assertions.js';
import {
  createWorld,
  PASSWORD,
  startServerProcess,
  tokenFor,
  useStatementCountingServer,
  useTestServer,
  type ServerProcess,
  type World,
} from './helpers.js';

/**
 * The server side of the agent protocol (apps/agent/PROTOCOL.md), driven through GraphQL with agent
 * tokens exactly as an agent sends them: registration, who may call what, reports and heartbeats, the
 * silent-agent monitor (also across two replicas), rotation, revocation and the workspace fields.
 */

type Socket = ReturnType<GraphQLTestClient['subscriptions']>;

/** Where a test talks to: an in-process test server or one replica process, and the database behind it. */
interface Env {
  client: GraphQLTestClient;
  db: PrismaClient;
  admin: Credentials;
}

const REGISTER = `mutation { registerAgent { providerId providerName namespace credential } }`;
const ROTATE = `mutation { rotateAgentCredential { providerId credential } }`;
const REPORT = `mutation($input: AgentStatusInput!) {
  reportAgentStatus(input: $input) { status serverVersion agentProtocolVersion heartbeatIntervalSeconds }
}`;
const HEARTBEAT = `mutation { agentHeartbeat { status heartbeatIntervalSeconds } }`;
const AGENT_WORKSPACES = `{ agentWorkspaces { id name organizationSlug desiredState } }`;
const REPORT_WORKSPACES = `mutation($observations: [WorkspaceObservationInput!]!) {
  reportWorkspaceStatus(observations: $observations)
}`;
const AGENT_EVENTS = `subscription { agentWorkspaceEvents { workspaceId type } }`;
const PROVIDER_EVENTS = `subscription {
  workspaceProviderEvents { type providerId statusEvent { fromStatus toStatus message } }
}`;
const WORKSPACE_EVENTS = `subscription {
  workspaceEvents { type workspaceId workspace { observedPhase observedMessage } }
}`;
const ADMIN_VIEW = `query($id: ID!) {
  workspaceProvider(id: $id) {
    status statusMessage agentVersion kubernetesVersion chartVersion versionWarning
    nodeSummary { nodeCount cpuMillicores memoryBytes }
    checkResults { name passed message }
    statusHistory(first: 20) { fromStatus toStatus message }
  }
}`;

const PASSING_CHECKS = [
  { name: 'kubernetes-api', passed: true, message: 'The cluster API answers (v1.31.2).' },
  { name: 'namespace', passed: true, message: 'Namespace workspaces exists.' },
  { name: 'rbac', passed: true, message: 'Every verb the agent needs is allowed.' },
  { name: 'server-version', passed: true, message: 'The server speaks protocol 1.' },
];
const NODE_SUMMARY = { nodeCount: 3, cpuMillicores: 12000, memoryBytes: '68719476736' };
const READY_MESSAGE = 'Agent connected; all checks pass.';

const statusReport = (overrides: Record<string, unknown> = {}) => ({
  agentVersion: SERVER_VERSION,
  protocolVersion: AGENT_PROTOCOL_VERSION,
  kubernetesVersion: 'v1.31.2',
  nodeSummary: NODE_SUMMARY,
  checks: PASSING_CHECKS,
  chartVersion: '0.1.0',
  ...overrides,
});

const sha256 = (secret: string) => createHash('sha256').update(secret).digest('hex');

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

// Every WebSocket a test opens is closed after it, whatever happened.
const sockets: Socket[] = [];
function openSocket(client: GraphQLTestClient, credentials: Credentials): Socket {
  const socket = client.subscriptions(credentials);
  sockets.push(socket);
  return socket;
}
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
});

/** One query or mutation over a graphql-ws connection, the way the agent sends its heartbeats. */
function overSocket<T = any>(
  socket: Socket,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<T>> {
  return new Promise((resolve, reject) => {
    let result: GraphQLResponse<T> = {};
    socket.subscribe<T>(
      { query, variables },
      {
        next: (value) => (result = value as GraphQLResponse<T>),
        error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
        complete: () => resolve(result),
      },
    );
  });
}

/** Creates a PENDING provider through the API; returns it with its one-time registration token. */
async function createAgentProvider(env: Env, organizationIds: string[] = []) {
  const name = unique('agent');
  const { createWorkspaceProvider } = await env.client.data<any>(
    `mutation($input: CreateWorkspaceProviderInput!) {
      createWorkspaceProvider(input: $input) {
        provider { id name status }
        registrationToken { token expiresAt installCommand }
      }
    }`,
    {
      input: {
        name,
        region: 'eu-west',
        clusterAddress: `https://${name}.k8s.example.com:6443`,
        namespace: 'workspaces',
        organizationIds,
      },
    },
    env.admin,
  );
  const { provider, registrationToken } = createWorkspaceProvider;
  expect(provider.status).toBe('PENDING');
  return { id: provider.id as string, name, token: registrationToken.token as string, registrationToken };
}

async function register(env: Env, registrationToken: string): Promise<Credentials> {
  const { registerAgent } = await env.client.data<any>(REGISTER, {}, { token: registrationToken });
  return { token: registerAgent.credential };
}

/** A provider whose agent registered and reported passing checks: READY. */
async function readyProvider(env: Env, organizationIds: string[] = []) {
  const provider = await createAgentProvider(env, organizationIds);
  const agent = await register(env, provider.token);
  const { reportAgentStatus } = await env.client.data<any>(REPORT, { input: statusReport() }, agent);
  expect(reportAgentStatus.status).toBe('READY');
  return { ...provider, agent };
}

const credentialRow = (env: Env, secret: string) =>
  env.db.agentCredential.findUniqueOrThrow({ where: { tokenHash: sha256(secret) } });

const statusEvents = (env: Env, providerId: string) =>
  env.db.providerStatusEvent.findMany({ where: { providerId }, orderBy: [{ at: 'asc' }, { id: 'asc' }] });

/**
 * The kind of a beacon: synthetic notifications (the server re-reads the rows, so they change nothing)
 * about an entity no test changes. Warm-ups are sent until one arrives, which proves the subscription is
 * live; a settle marks "everything published before this has been delivered or skipped". The two are
 * told apart by their event type, so a warm-up that arrives late cannot pass for a settle.
 */
type Beacon = 'warmUp' | 'settle';
const BEACON_TYPE = { warmUp: 'CREATED', settle: 'UPDATED' } as const;

/**
 * A subscription with the authorization test's beacon technique. A subscriber handles events in order,
 * so once the latest settle beacon has arrived, an event that was published before it and did not
 * arrive never will: asserting absence needs no sleep.
 */
class Watch<T> {
  private settlesSent = 0;

  private constructor(
    readonly recorder: SubscriptionRecorder<T>,
    private readonly send: (beacon: Beacon) => Promise<void>,
    private readonly beaconOf: (event: T) => Beacon | null,
  ) {}

  static async open<T>(
    socket: Socket,
    query: string,
    send: (beacon: Beacon) => Promise<void>,
    beaconOf: (event: T) => Beacon | null,
  ): Promise<Watch<T>> {
    const watch = new Watch(new SubscriptionRecorder<T>(socket, query), send, beaconOf);
    for (let attempt = 1; ; attempt++) {
      await send('warmUp');
      try {
        await watch.recorder.waitFor((events) => events.some((event) => beaconOf(event) === 'warmUp'), 200);
        return watch;
      } catch (error) {
        if (attempt >= 25) throw error;
      }
    }
  }

  /** Resolves once a beacon sent now has arrived. */
  async settle(): Promise<void> {
    const sent = ++this.settlesSent;
    await this.send('settle');
    await this.recorder.waitFor(
      (events) => events.filter((event) => this.beaconOf(event) === 'settle').length >= sent,
    );
  }

  /** Everything received but beacons. */
  get events(): T[] {
    return this.recorder.events.filter((event) => this.beaconOf(event) === null);
  }

  waitFor(predicate: (event: T) => boolean, timeoutMs?: number): Promise<T[]> {
    return this.recorder.waitFor((events) => events.some(predicate), timeoutMs);
  }
}

const beaconFrom = (type: string, isAboutBeacon: boolean): Beacon | null =>
  !isAboutBeacon
    ? null
    : type === BEACON_TYPE.warmUp
      ? 'warmUp'
      : type === BEACON_TYPE.settle
        ? 'settle'
        : null;

type ProviderEvent = {
  workspaceProviderEvents: {
    type: string;
    providerId: string;
    statusEvent: { fromStatus: string | null; toStatus: string; message: string } | null;
  };
};

/**
 * An admin watching every provider event. The beacon is a provider of its own, written straight to the
 * database (so its creation publishes nothing), that nothing else touches.
 */
async function watchProviders(env: Env) {
  const name = unique('beacon');
  const { id: beaconId } = await env.db.workspaceProvider.create({
    data: { name, displayName: name, region: 'nowhere', namespace: 'beacon' },
  });
  const watch = await Watch.open<ProviderEvent>(
    openSocket(env.client, env.admin),
    PROVIDER_EVENTS,
    (beacon) => notify(env.db, { topic: 'provider', type: BEACON_TYPE[beacon], providerId: beaconId }),
    ({ workspaceProviderEvents: e }) => beaconFrom(e.type, e.providerId === beaconId),
  );
  const about = (providerId: string) =>
    watch.events.filter((event) => event.workspaceProviderEvents.providerId === providerId);
  return {
    watch,
    /** Every event about the provider, as `TYPE` or `TYPE FROM→TO`. */
    about: (providerId: string) =>
      about(providerId).map(({ workspaceProviderEvents: { type, statusEvent } }) =>
        statusEvent ? `${type} ${statusEvent.fromStatus}→${statusEvent.toStatus}` : type,
      ),
    waitForTransition: (providerId: string, to: string, timeoutMs?: number) =>
      watch.waitFor(
        (event) =>
          event.workspaceProviderEvents.providerId === providerId &&
          event.workspaceProviderEvents.statusEvent?.toStatus === to,
        timeoutMs,
      ),
  };
}

type AgentEvent = { agentWorkspaceEvents: { workspaceId: string; type: string } };

/** A provider agent's nudges; beacons name a workspace id that does not exist (agents get ids only). */
function watchNudges(env: Env, socket: Socket, providerId: string, organizationId: string) {
  return Watch.open<AgentEvent>(
    socket,
    AGENT_EVENTS,
    (beacon) =>
      notify(env.db, {
        topic: 'workspace',
        type: BEACON_TYPE[beacon],
        workspaceId: UNKNOWN_ID,
        organizationId,
        providerId,
      }),
    ({ agentWorkspaceEvents: e }) => beaconFrom(e.type, e.workspaceId === UNKNOWN_ID),
  );
}

async function createWorkspace(env: Env, as: Credentials, organizationId: string, providerId: string) {
  const { createWorkspace } = await env.client.data<any>(
    `mutation($o: ID!, $n: String!, $p: ID) { createWorkspace(organizationId: $o, name: $n, providerId: $p) { id name } }`,
    { o: organizationId, n: unique('ws'), p: providerId },
    as,
  );
  return createWorkspace as { id: string; name: string };
}

describe('agent protocol', () => {
  // Silence is tested on a server of its own below: here a provider must stay READY while a test pauses.
  const server = useStatementCountingServer({ config: { agents: { heartbeatGraceSeconds: 3600 } } });
  let world: World;
  let env: Env;

  beforeAll(async () => {
    world = await createWorld(server);
    env = { client: server.client, db: server.db, admin: world.personas.siteAdmin.credentials };
  });

  describe('registration', () => {
    it('exchanges a registration token once for an opag_ credential', async () => {
      const provider = await createAgentProvider(env);
      expect(provider.token).toMatch(/^oprg_[A-Za-z0-9_-]{43}$/);
      // Default lifetime: 24 h.
      const ttl = Date.parse(provider.registrationToken.expiresAt) - Date.now();
      expect(ttl).toBeGreaterThan(23.9 * 3_600_000);
      expect(ttl).toBeLessThanOrEqual(24 * 3_600_000);
      expect(provider.registrationToken.installCommand).toContain(`--namespace workspaces`);

      const first = await server.client.request<any>(REGISTER, {}, { token: provider.token });
      expect(first.errors).toBeUndefined();
      expect(first.data.registerAgent).toEqual({
        providerId: provider.id,
        providerName: provider.name,
        namespace: 'workspaces',
        credential: expect.stringMatching(/^opag_[A-Za-z0-9_-]{43}$/),
      });

      const again = await expectNoChange(server.db, () =>
        server.client.request(REGISTER, {}, { token: provider.token }),
      );
      expectGraphQLError(again, 'UNAUTHENTICATED');
      const credentials = await server.db.agentCredential.findMany({ where: { providerId: provider.id } });
      expect(credentials.map((c) => ({ isRegistration: c.isRegistration, revoked: !!c.revokedAt }))).toEqual(
        expect.arrayContaining([
          { isRegistration: true, revoked: true },
          { isRegistration: false, revoked: false },
        ]),
      );
      expect(credentials).toHaveLength(2);
    });

    it('lets exactly one of several concurrent registerAgent calls with one token succeed', async () => {
      const provider = await createAgentProvider(env);
      const results = await Promise.all(
        Array.from({ length: 8 }, () => server.client.request<any>(REGISTER, {}, { token: provider.token })),
      );
      const succeeded = results.filter((result) => !result.errors);
      expect(succeeded).toHaveLength(1);
      for (const result of results.filter((r) => r.errors)) expectGraphQLError(result, 'UNAUTHENTICATED');
      const credentials = await server.db.agentCredential.findMany({
        where: { providerId: provider.id, isRegistration: false },
      });
      expect(credentials.map((c) => c.tokenHash)).toEqual([
        sha256(succeeded[0]!.data.registerAgent.credential),
      ]);
      expect(
        await server.db.auditEvent.count({ where: { action: 'agent.register', targetId: provider.id } }),
      ).toBe(1);
    });

    it('refuses an expired registration token', async () => {
      const provider = await createAgentProvider(env);
      await server.db.agentCredential.update({
        where: { tokenHash: sha256(provider.token) },
        data: { expiresAt: new Date(Date.now() - 1000) },
      });
      const response = await expectNoChange(server.db, () =>
        server.client.request(REGISTER, {}, { token: provider.token }),
      );
      expectGraphQLError(response, 'UNAUTHENTICATED');
    });

    it('retires the unused token when a new one is issued, and stores every secret only as a hash', async () => {
      const provider = await createAgentProvider(env);
      const { issueProviderRegistrationToken: issued } = await server.client.data<any>(
        `mutation($id: ID!) { issueProviderRegistrationToken(providerId: $id) { token expiresAt installCommand } }`,
        { id: provider.id },
        env.admin,
      );
      expect(issued.token).toMatch(/^oprg_/);
      expect(issued.token).not.toBe(provider.token);
      expect(issued.installCommand).toContain(`outpost-provider-${provider.name}`);

      const old = await expectNoChange(server.db, () =>
        server.client.request(REGISTER, {}, { token: provider.token }),
      );
      expectGraphQLError(old, 'UNAUTHENTICATED');
      const agent = await register(env, issued.token);
      const { rotateAgentCredential } = await server.client.data<any>(ROTATE, {}, agent);

      const secrets = [provider.token, issued.token, agent.token!, rotateAgentCredential.credential];
      const rows = await server.db.agentCredential.findMany({ where: { providerId: provider.id } });
      expect(rows.map((row) => row.tokenHash).sort()).toEqual(secrets.map(sha256).sort());
      for (const row of rows) expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
      // Nowhere in the credentials table (nor the audit log, nor the provider) is a secret in plain text.
      const [{ dump }] = await server.db.$queryRaw<[{ dump: string }]>`
        SELECT concat_ws('|',
          (SELECT string_agg(t::text, '|') FROM agent_credentials t),
          (SELECT string_agg(t::text, '|') FROM audit_events t),
          (SELECT string_agg(t::text, '|') FROM workspace_providers t)) AS dump`;
      expect(dump).toContain(sha256(agent.token!));
      for (const secret of secrets) {
        expect(dump).not.toContain(secret);
        expect(dump).not.toContain(secret.slice(5)); // nor its random part without the prefix
      }
    });
  });

  describe('who may call what', () => {
    it('keeps registration tokens, agent credentials and user tokens to their own fields', async () => {
      const provider = await createAgentProvider(env);
      const registration = { token: provider.token };
      // Authenticating stamps the token's advisory lastUsedAt (at most once a minute); from then on a
      // refused call must change nothing at all.
      expectGraphQLError(await server.client.request(HEARTBEAT, {}, registration), 'FORBIDDEN');

      const agentOnly: Array<[string, Record<string, unknown>]> = [
        [REPORT, { input: statusReport() }],
        [HEARTBEAT, {}],
        [AGENT_WORKSPACES, {}],
        [ROTATE, {}],
        [REPORT_WORKSPACES, { observations: [] }],
      ];
      for (const [query, variables] of agentOnly) {
        const response = await expectNoChange(server.db, () =>
          server.client.request(query, variables, registration),
        );
        expect(expectGraphQLError(response, 'FORBIDDEN').message).toContain('registerAgent');
      }
      const registrationEvents = new SubscriptionRecorder(
        openSocket(server.client, registration),
        AGENT_EVENTS,
      );
      await registrationEvents.waitFor(
        () => registrationEvents.errors.length > 0 || registrationEvents.completed,
      );
      expect(JSON.stringify(registrationEvents.errors)).toContain('FORBIDDEN');

      const agent = await register(env, provider.token);
      await server.client.data(HEARTBEAT, {}, agent); // stamps lastUsedAt, as above
      const userFields: Array<[string, Record<string, unknown>]> = [
        [REGISTER, {}],
        [`{ workspaceProviders(first: 10) { totalCount } }`, {}],
        [`{ workspaces { id } }`, {}],
        [
          `mutation($id: ID!) { issueProviderRegistrationToken(providerId: $id) { token } }`,
          { id: provider.id },
        ],
        [`mutation($id: ID!) { revokeAgentCredentials(providerId: $id) { id } }`, { id: provider.id }],
      ];
      for (const [query, variables] of userFields) {
        const response = await expectNoChange(server.db, () =>
          server.client.request(query, variables, agent),
        );
        expectGraphQLError(response, 'FORBIDDEN');
      }

      // A user token, even a site admin's, is not an agent.
      for (const [query, variables] of [...agentOnly, [REGISTER, {}] as [string, Record<string, unknown>]]) {
        const response = await expectNoChange(server.db, () =>
          server.client.request(query, variables, env.admin),
        );
        expect(expectGraphQLError(response, 'FORBIDDEN').message).toContain('agent');
      }
      const adminEvents = new SubscriptionRecorder(openSocket(server.client, env.admin), AGENT_EVENTS);
      await adminEvents.waitFor(() => adminEvents.errors.length > 0 || adminEvents.completed);
      expect(JSON.stringify(adminEvents.errors)).toContain('FORBIDDEN');

      // Unknown secrets of either kind are anonymous.
      for (const token of ['opag_not-a-credential-at-all', 'oprg_not-a-registration-token']) {
        expectGraphQLError(await server.client.request(HEARTBEAT, {}, { token }), 'UNAUTHENTICATED');
      }
    });
  });

  describe('reports and heartbeats', () => {
    it('turns READY on passing checks, ERROR on a failed check or an unsupported protocol, and warns on skew', async () => {
      const provider = await createAgentProvider(env);
      const agent = await register(env, provider.token);
      const view = async () =>
        (await server.client.data<any>(ADMIN_VIEW, { id: provider.id }, env.admin)).workspaceProvider;
      const report = async (input: Record<string, unknown>) =>
        (await server.client.data<any>(REPORT, { input }, agent)).reportAgentStatus;

      // Registered, not reported: still PENDING, and heartbeats do not change that.
      expect((await server.client.data<any>(HEARTBEAT, {}, agent)).agentHeartbeat.status).toBe('PENDING');

      expect(await report(statusReport())).toEqual({
        status: 'READY',
        serverVersion: SERVER_VERSION,
        agentProtocolVersion: AGENT_PROTOCOL_VERSION,
        heartbeatIntervalSeconds: 5,
      });
      expect(await view()).toEqual({
        status: 'READY',
        statusMessage: READY_MESSAGE,
        agentVersion: SERVER_VERSION,
        kubernetesVersion: 'v1.31.2',
        chartVersion: '0.1.0',
        versionWarning: null,
        nodeSummary: NODE_SUMMARY,
        checkResults: PASSING_CHECKS,
        statusHistory: [
          { fromStatus: 'PENDING', toStatus: 'READY', message: READY_MESSAGE },
          { fromStatus: null, toStatus: 'PENDING', message: 'Registered.' },
        ],
      });

      // A failed check: ERROR, and the message names the check and says what to do.
      const rbacMessage = 'Forbidden: cannot create pods in namespace workspaces; apply the chart’s Role.';
      const failing = PASSING_CHECKS.map((check) =>
        check.name === 'rbac' ? { ...check, passed: false, message: rbacMessage } : check,
      );
      expect((await report(statusReport({ checks: failing }))).status).toBe('ERROR');
      let seen = await view();
      expect(seen.status).toBe('ERROR');
      expect(seen.statusMessage).toContain(`rbac: ${rbacMessage}`);
      expect(seen.checkResults).toEqual(failing);
      // Heartbeats do not hide a failed check.
      expect((await server.client.data<any>(HEARTBEAT, {}, agent)).agentHeartbeat.status).toBe('ERROR');

      // Another release on the same protocol: READY, with a warning rather than an error.
      expect((await report(statusReport({ agentVersion: '0.0.9' }))).status).toBe('READY');
      seen = await view();
      expect(seen.status).toBe('READY');
      expect(seen.versionWarning).toContain('0.0.9');
      expect(seen.versionWarning).toContain(SERVER_VERSION);

      // A protocol this server does not speak: ERROR naming what it supports.
      expect((await report(statusReport({ protocolVersion: 99 }))).status).toBe('ERROR');
      seen = await view();
      expect(seen.status).toBe('ERROR');
      expect(seen.statusMessage).toContain('protocol version 99');
      expect(seen.statusMessage).toContain(`supports ${SUPPORTED_AGENT_PROTOCOL_VERSIONS.join(', ')}`);
      // Even with passing checks, heartbeats cannot bring an incompatible agent back.
      expect((await server.client.data<any>(HEARTBEAT, {}, agent)).agentHeartbeat.status).toBe('ERROR');

      expect(seen.statusHistory.map((e: any) => `${e.fromStatus}→${e.toStatus}`).reverse()).toEqual([
        'null→PENDING',
        'PENDING→READY',
        'READY→ERROR',
        'ERROR→READY',
        'READY→ERROR',
      ]);
    });

    it('rejects a report without an agent version', async () => {
      const provider = await readyProvider(env);
      const response = await expectNoChange(server.db, () =>
        server.client.request(REPORT, { input: statusReport({ agentVersion: ' ' }) }, provider.agent),
      );
      expectGraphQLError(response, 'BAD_USER_INPUT');
    });

    it('publishes nothing and writes no status event for heartbeats or repeated reports that change nothing', async () => {
      const watcher = await watchProviders(env);
      const provider = await readyProvider(env);
      await watcher.waitForTransition(provider.id, 'READY');
      const before = await server.db.workspaceProvider.findUniqueOrThrow({ where: { id: provider.id } });
      const eventsBefore = await statusEvents(env, provider.id);

      for (let i = 0; i < 5; i++) {
        expect(await server.client.data(HEARTBEAT, {}, provider.agent)).toEqual({
          agentHeartbeat: { status: 'READY', heartbeatIntervalSeconds: 5 },
        });
      }
      // The agent repeats its full report every check interval and after every reconnect; an identical
      // one is as quiet, and cheap: one statement on the provider's row, not the report's transaction
      // (a thousand agents re-homing at once after a server replica went away all send one).
      const { statements } = await server.statementsDuring(() =>
        server.client.data(REPORT, { input: statusReport() }, provider.agent),
      );
      expect(statements.filter((sql) => /workspace_providers/.test(sql))).toHaveLength(1);
      await watcher.watch.settle();

      expect(watcher.about(provider.id)).toEqual(['CREATED', 'STATUS_CHANGED PENDING→READY']);
      expect(await statusEvents(env, provider.id)).toEqual(eventsBefore);
      const after = await server.db.workspaceProvider.findUniqueOrThrow({ where: { id: provider.id } });
      expect(after.lastHeartbeatAt!.getTime()).toBeGreaterThan(before.lastHeartbeatAt!.getTime());
      expect(after.lastReportAt!.getTime()).toBeGreaterThan(before.lastReportAt!.getTime());
      expect({ ...after, lastHeartbeatAt: null, lastReportAt: null, updatedAt: null }).toEqual({
        ...before,
        lastHeartbeatAt: null,
        lastReportAt: null,
        updatedAt: null,
      });

      // A report with new facts but the same status is one UPDATED, without a status event.
      await server.client.data(
        REPORT,
        { input: statusReport({ kubernetesVersion: 'v1.32.0' }) },
        provider.agent,
      );
      await watcher.watch.settle();
      expect(watcher.about(provider.id)).toEqual(['CREATED', 'STATUS_CHANGED PENDING→READY', 'UPDATED']);
      expect(await statusEvents(env, provider.id)).toEqual(eventsBefore);
    });

    it('stamps heartbeat and report times with the database clock, whatever the server process’s clock says', async () => {
      const provider = await readyProvider(env);
      const databaseNow = async () =>
        (await server.db.$queryRaw<[{ now: Date }]>`SELECT now() AS now`)[0].now.getTime();
      // The server's clock an hour behind the database's: the silence sweep compares with now(), so a
      // time from the application clock would make this provider look silent right after it reported.
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(Date.now() - 3_600_000);
        const skewedBefore = Date.now();
        const before = await databaseNow();
        await server.client.data(REPORT, { input: statusReport({ chartVersion: '0.1.1' }) }, provider.agent);
        const reported = await server.db.workspaceProvider.findUniqueOrThrow({ where: { id: provider.id } });
        const after = await databaseNow();
        expect(skewedBefore).toBeLessThan(before - 3_000_000); // the skew is real
        for (const stamp of [reported.lastHeartbeatAt!, reported.lastReportAt!]) {
          expect(stamp.getTime()).toBeGreaterThanOrEqual(before - 1);
          expect(stamp.getTime()).toBeLessThanOrEqual(after + 1);
        }
        await server.client.data(HEARTBEAT, {}, provider.agent);
        const beaten = await server.db.workspaceProvider.findUniqueOrThrow({ where: { id: provider.id } });
        expect(beaten.lastHeartbeatAt!.getTime()).toBeGreaterThanOrEqual(after - 1);
      } finally {
        vi.useRealTimers();
      }
    });
  });

  describe('untrusted input (apps/agent/PROTOCOL.md "Input limits")', () => {
    const longVersion = `v1.${'1'.repeat(10_000)}`;
    const REFUSED_REPORTS: Array<[string, Record<string, unknown>, string]> = [
      ['a negative node count', { nodeSummary: { ...NODE_SUMMARY, nodeCount: -1 } }, 'nodeSummary.nodeCount'],
      [
        'negative CPU',
        { nodeSummary: { ...NODE_SUMMARY, cpuMillicores: -5000 } },
        'nodeSummary.cpuMillicores',
      ],
      [
        'memory that is not a number',
        { nodeSummary: { ...NODE_SUMMARY, memoryBytes: 'lots' } },
        'nodeSummary.memoryBytes',
      ],
      ['negative memory', { nodeSummary: { ...NODE_SUMMARY, memoryBytes: '-1' } }, 'nodeSummary.memoryBytes'],
      [
        'memory with a leading zero',
        { nodeSummary: { ...NODE_SUMMARY, memoryBytes: '007' } },
        'nodeSummary.memoryBytes',
      ],
      ['a 10 kB kubernetesVersion', { kubernetesVersion: longVersion }, 'kubernetesVersion'],
      ['a 10 kB chartVersion', { chartVersion: longVersion }, 'chartVersion'],
      ['markup in a version', { agentVersion: '<b>1.0</b>' }, 'agentVersion'],
      ['protocol version 0', { protocolVersion: 0 }, 'protocolVersion'],
      ['no checks', { checks: [] }, 'checks'],
      ['a missing check', { checks: PASSING_CHECKS.slice(1) }, 'checks'],
      ['a check twice', { checks: [...PASSING_CHECKS, PASSING_CHECKS[0]] }, 'checks.name'],
      [
        'an unknown check',
        { checks: [...PASSING_CHECKS, { name: 'vibes', passed: true, message: 'ok' }] },
        'checks.name',
      ],
      [
        '1,000 checks',
        {
          checks: Array.from({ length: 1_000 }, (_, i) => ({
            name: `check-${i}`,
            passed: true,
            message: '',
          })),
        },
        'checks.name',
      ],
      [
        'a 2,001-character check message',
        { checks: PASSING_CHECKS.map((c) => ({ ...c, message: 'x'.repeat(2_001) })) },
        'checks.message',
      ],
      [
        'a control character in a check message',
        { checks: PASSING_CHECKS.map((c) => ({ ...c, message: 'bell\u0007' })) },
        'checks.message',
      ],
    ];

    it('refuses each out-of-range, malformed or incomplete report with BAD_USER_INPUT and stores nothing', async () => {
      const provider = await readyProvider(env);
      for (const [what, overrides, field] of REFUSED_REPORTS) {
        const response = await expectNoChange(server.db, () =>
          server.client.request(REPORT, { input: statusReport(overrides) }, provider.agent),
        );
        // Labelled, so a failure names the case.
        expect({ what, extensions: response.errors?.[0]?.extensions }).toMatchObject({
          what,
          extensions: { code: 'BAD_USER_INPUT', field },
        });
        expectGraphQLError(response, 'BAD_USER_INPUT', { field });
      }
      // `checks: []` used to turn a provider READY: it is refused, and the provider stays as it was.
      const row = await server.db.workspaceProvider.findUniqueOrThrow({ where: { id: provider.id } });
      expect(row.checkResults).toEqual(PASSING_CHECKS);
    });

    it('accepts what real clusters report: no nodes, thousands of nodes, vendor version strings', async () => {
      const provider = await readyProvider(env);
      const accepted = [
        { nodeSummary: { nodeCount: 0, cpuMillicores: 0, memoryBytes: '0' } },
        { nodeSummary: { nodeCount: 0, cpuMillicores: null, memoryBytes: null } },
        { nodeSummary: { nodeCount: 5_000, cpuMillicores: 2 ** 31 - 1, memoryBytes: '131941395333120000' } },
        { kubernetesVersion: 'v1.30.4-gke.1348000', chartVersion: '0.1.0-rc.1+build.5' },
        { kubernetesVersion: 'v1.31.1+k3s1', chartVersion: null },
        {
          checks: [...PASSING_CHECKS]
            .reverse()
            .map((c) => ({ ...c, message: `${'line\t'.repeat(50)}\n`.repeat(6) })),
        },
        { kubernetesVersion: 'v1.29.8-eks-a737599', nodeSummary: null },
      ];
      for (const overrides of accepted) {
        const { reportAgentStatus } = await server.client.data<any>(
          REPORT,
          { input: statusReport(overrides) },
          provider.agent,
        );
        expect(reportAgentStatus.status).toBe('READY');
      }
      const row = await server.db.workspaceProvider.findUniqueOrThrow({ where: { id: provider.id } });
      expect(row.kubernetesVersion).toBe('v1.29.8-eks-a737599');
      // A newer agent's protocol is not refused for checks this server does not know: it turns ERROR
      // saying what to upgrade.
      const { reportAgentStatus } = await server.client.data<any>(
        REPORT,
        {
          input: statusReport({
            protocolVersion: 2,
            checks: [{ name: 'future-check', passed: true, message: '' }],
          }),
        },
        provider.agent,
      );
      expect(reportAgentStatus.status).toBe('ERROR');
    });

    it('accepts whatever the real agent sends, however odd its cluster', async () => {
      const provider = await readyProvider(env);
      const odd = fitStatusReport({
        agentVersion: AGENT_VERSION,
        protocolVersion: AGENT_PROTOCOL_VERSION,
        kubernetesVersion: 'v1.31 custom build '.repeat(20),
        chartVersion: 'x'.repeat(500),
        nodeSummary: { nodeCount: 10_000_000, cpuMillicores: 2 ** 40, memoryBytes: (2n ** 100n).toString() },
        // Its cluster checks threw before producing a result for namespace and rbac.
        checks: [{ name: 'kubernetes-api', passed: false, message: 'refused\u0000'.repeat(1_000) }],
      });
      const { reportAgentStatus } = await server.client.data<any>(REPORT, { input: odd }, provider.agent);
      expect(reportAgentStatus.status).toBe('ERROR');
      const row = await server.db.workspaceProvider.findUniqueOrThrow({ where: { id: provider.id } });
      expect((row.checkResults as Array<{ name: string }>).map((c) => c.name).sort()).toEqual(
        [...REQUIRED_CHECK_NAMES].sort(),
      );
      expect(row.kubernetesVersion).toBeNull();
    });

    it('refuses malformed observations and workspaces that are not the provider’s, recording none of the batch', async () => {
      const member = world.personas.member.credentials;
      const provider = await readyProvider(env, [world.org.id]);
      const ws = await createWorkspace(env, member, world.org.id, provider.id);
      const good = { workspaceId: ws.id, phase: 'Running', message: null };
      const refused: Array<[unknown[], string]> = [
        [[good, { workspaceId: 'ws-1', phase: 'Running' }], 'workspaceId'], // every ID argument is a UUID
        [[good, { workspaceId: UNKNOWN_ID, phase: 'Running' }], 'observations.workspaceId'],
        [[good, { ...good, phase: 'Pending' }], 'observations.workspaceId'],
        [[{ ...good, phase: 'Terminating' }], 'observations.phase'],
        [[{ ...good, message: 'x'.repeat(2_001) }], 'observations.message'],
        [[{ ...good, message: 'bell\u0007' }], 'observations.message'],
        [Array.from({ length: 501 }, () => good), 'observations'],
      ];
      for (const [observations, field] of refused) {
        const response = await expectNoChange(server.db, () =>
          server.client.request(REPORT_WORKSPACES, { observations }, provider.agent),
        );
        expectGraphQLError(response, 'BAD_USER_INPUT', { field });
      }
      expect(
        (await server.client.data<any>(REPORT_WORKSPACES, { observations: [good] }, provider.agent))
          .reportWorkspaceStatus,
      ).toBe(1);
    });
  });

  describe('rotation and revocation', () => {
    it('turns a provider whose agent never connected ERROR on revocation, with a status event', async () => {
      const watcher = await watchProviders(env);
      const provider = await createAgentProvider(env);
      const { revokeAgentCredentials } = await server.client.data<any>(
        `mutation($id: ID!) { revokeAgentCredentials(providerId: $id) { status statusMessage } }`,
        { id: provider.id },
        env.admin,
      );
      expect(revokeAgentCredentials.status).toBe('ERROR');
      expect(revokeAgentCredentials.statusMessage).toMatch(/credentials were revoked/);
      expect((await statusEvents(env, provider.id)).map((e) => `${e.fromStatus}→${e.toStatus}`)).toEqual([
        'null→PENDING',
        'PENDING→ERROR',
      ]);
      await watcher.waitForTransition(provider.id, 'ERROR');
      expect(watcher.about(provider.id)).toEqual(['CREATED', 'STATUS_CHANGED PENDING→ERROR']);
      expectGraphQLError(
        await server.client.request(REGISTER, {}, { token: provider.token }),
        'UNAUTHENTICATED',
      );
    });

    it('rotates the credential: the old one works during the overlap and is refused once it expires', async () => {
      const provider = await readyProvider(env);
      const old = provider.agent;
      // The agent's connection stays open (its subscription holds it), authenticated with the old credential.
      const oldSocket = openSocket(server.client, old);
      const nudges = new SubscriptionRecorder(oldSocket, AGENT_EVENTS);
      expect((await overSocket(oldSocket, HEARTBEAT)).data?.agentHeartbeat.status).toBe('READY');

      const { rotateAgentCredential } = await server.client.data<any>(ROTATE, {}, old);
      expect(rotateAgentCredential).toEqual({
        providerId: provider.id,
        credential: expect.stringMatching(/^opag_/),
      });
      const fresh = { token: rotateAgentCredential.credential as string };
      expect(fresh.token).not.toBe(old.token);

      expect((await server.client.data<any>(HEARTBEAT, {}, fresh)).agentHeartbeat.status).toBe('READY');
      expect((await server.client.data<any>(HEARTBEAT, {}, old)).agentHeartbeat.status).toBe('READY');
      const oldRow = await credentialRow(env, old.token!);
      const overlapMs = oldRow.expiresAt!.getTime() - Date.now();
      expect(overlapMs).toBeGreaterThan(9 * 60_000);
      expect(overlapMs).toBeLessThanOrEqual(10 * 60_000);
      expect((await credentialRow(env, fresh.token)).expiresAt).toBeNull();

      // The overlap ends (moved into the past rather than waited for).
      await server.db.agentCredential.update({
        where: { id: oldRow.id },
        data: { expiresAt: new Date(Date.now() - 1000) },
      });
      expectGraphQLError(await server.client.request(HEARTBEAT, {}, old), 'UNAUTHENTICATED');
      expectGraphQLError(await overSocket(oldSocket, HEARTBEAT), 'UNAUTHENTICATED');
      // The refusal came over the same connection, still open: its subscription neither ended nor failed.
      expect({ completed: nudges.completed, errors: nudges.errors }).toEqual({
        completed: false,
        errors: [],
      });
      expect((await server.client.data<any>(HEARTBEAT, {}, fresh)).agentHeartbeat.status).toBe('READY');
    });

    it('revokes every secret: the provider turns ERROR saying how to recover, the agent is refused', async () => {
      const provider = await readyProvider(env);
      // The agent's one connection: it heartbeats and listens for nudges over it.
      const socket = openSocket(server.client, provider.agent);
      expect((await overSocket(socket, HEARTBEAT)).data?.agentHeartbeat.status).toBe('READY');
      const nudges = await watchNudges(env, socket, provider.id, world.org.id);
      await nudges.settle(); // every warm-up has arrived
      const received = nudges.recorder.events.length;
      // An unused registration token stops working too.
      const { issueProviderRegistrationToken: spare } = await server.client.data<any>(
        `mutation($id: ID!) { issueProviderRegistrationToken(providerId: $id) { token } }`,
        { id: provider.id },
        env.admin,
      );

      const { revokeAgentCredentials } = await server.client.data<any>(
        `mutation($id: ID!) { revokeAgentCredentials(providerId: $id) { id status statusMessage } }`,
        { id: provider.id },
        env.admin,
      );
      expect(revokeAgentCredentials.status).toBe('ERROR');
      expect(revokeAgentCredentials.statusMessage).toMatch(/revoked/);
      expect(revokeAgentCredentials.statusMessage).toContain('issueProviderRegistrationToken');
      expect(
        await server.db.agentCredential.count({ where: { providerId: provider.id, revokedAt: null } }),
      ).toBe(0);

      expectGraphQLError(await server.client.request(HEARTBEAT, {}, provider.agent), 'UNAUTHENTICATED');
      expectGraphQLError(await overSocket(socket, HEARTBEAT), 'UNAUTHENTICATED');
      expectGraphQLError(
        await server.client.request(REGISTER, {}, { token: spare.token }),
        'UNAUTHENTICATED',
      );
      // The refused heartbeats did not bring it back.
      const afterRevoke = await statusEvents(env, provider.id);
      expect(afterRevoke.map((e) => `${e.fromStatus}→${e.toStatus}`)).toEqual([
        'null→PENDING',
        'PENDING→READY',
        'READY→ERROR',
      ]);

      // The open subscription ends at its next event, without delivering it.
      await notify(server.db, {
        topic: 'workspace',
        type: 'UPDATED',
        workspaceId: UNKNOWN_ID,
        organizationId: world.org.id,
        providerId: provider.id,
      });
      await nudges.recorder.waitFor(() => nudges.recorder.completed);
      expect(nudges.recorder.events).toHaveLength(received);

      // Following the message recovers the provider.
      const { issueProviderRegistrationToken: next } = await server.client.data<any>(
        `mutation($id: ID!) { issueProviderRegistrationToken(providerId: $id) { token } }`,
        { id: provider.id },
        env.admin,
      );
      const agent = await register(env, next.token);
      expect(
        (await server.client.data<any>(REPORT, { input: statusReport() }, agent)).reportAgentStatus.status,
      ).toBe('READY');
    });
  });

  describe('the built-in provider', () => {
    it('publishes the message that says how to connect a cluster when it starts without one', async () => {
      const watcher = await watchProviders(env);
      // As at a first start: PENDING with the message of the bootstrap (written directly: publishes nothing).
      await server.db.workspaceProvider.update({
        where: { id: world.builtInId },
        data: { status: 'PENDING', statusMessage: 'Waiting for the built-in agent to connect.' },
      });
      const agent = await startBuiltInAgent({
        prisma: server.db,
        config: readConfig({}), // no KUBECONFIG, not in a cluster
        serverUrl: 'http://127.0.0.1:1',
        log: () => undefined,
      });
      expect(agent).toBeNull();
      await watcher.watch.waitFor(
        ({ workspaceProviderEvents: e }) => e.providerId === world.builtInId && e.type === 'UPDATED',
      );
      const builtIn = await server.db.workspaceProvider.findUniqueOrThrow({ where: { id: world.builtInId } });
      expect({ status: builtIn.status, statusMessage: builtIn.statusMessage }).toEqual({
        status: 'PENDING',
        statusMessage: NO_CLUSTER_MESSAGE,
      });
    });
  });

  describe('workspaces', () => {
    let p1: Awaited<ReturnType<typeof readyProvider>>;
    let p2: Awaited<ReturnType<typeof readyProvider>>;
    let member: Credentials;
    let ws1: { id: string; name: string };
    let ws2: { id: string; name: string };
    let ws3: { id: string; name: string };
    const listFor = async (agent: Credentials) =>
      (await server.client.data<any>(AGENT_WORKSPACES, {}, agent)).agentWorkspaces;
    const entry = (ws: { id: string; name: string }, desiredState = 'RUNNING') => ({
      id: ws.id,
      name: ws.name,
      organizationSlug: world.org.slug,
      desiredState,
    });
    const byId = <T extends { id: string }>(list: T[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));

    beforeAll(async () => {
      member = world.personas.member.credentials;
      p1 = await readyProvider(env, [world.org.id]);
      p2 = await readyProvider(env, [world.org.id]);
      ws1 = await createWorkspace(env, member, world.org.id, p1.id);
      ws2 = await createWorkspace(env, member, world.org.id, p1.id);
      ws3 = await createWorkspace(env, member, world.org.id, p2.id);
    });

    it('lists only the agent’s provider’s workspaces, DELETED ones until the agent confirms them gone', async () => {
      expect(await listFor(p1.agent)).toEqual(byId([entry(ws1), entry(ws2)]));
      expect(await listFor(p2.agent)).toEqual([entry(ws3)]);

      // Deleted before the agent ever observed it: still listed, so the agent removes its objects.
      await server.client.data(
        `mutation($id: ID!) { deleteWorkspace(id: $id) { id } }`,
        { id: ws2.id },
        member,
      );
      expect(await listFor(p1.agent)).toEqual(byId([entry(ws1), entry(ws2, 'DELETED')]));
      await server.client.data(
        REPORT_WORKSPACES,
        { observations: [{ workspaceId: ws2.id, phase: 'Deleting', message: 'deleting the pod' }] },
        p1.agent,
      );
      expect(await listFor(p1.agent)).toEqual(byId([entry(ws1), entry(ws2, 'DELETED')]));
      await server.client.data(
        REPORT_WORKSPACES,
        { observations: [{ workspaceId: ws2.id, phase: 'Deleted' }] },
        p1.agent,
      );
      expect(await listFor(p1.agent)).toEqual([entry(ws1)]);
      expect(await listFor(p2.agent)).toEqual([entry(ws3)]);
    });

    it('records observations, publishes UPDATED only on a change, and refuses other providers’ workspaces', async () => {
      const beaconWs = await createWorkspace(env, member, world.org.id, p2.id);
      const watch = await Watch.open<any>(
        openSocket(server.client, member),
        WORKSPACE_EVENTS,
        (beacon) =>
          notify(server.db, {
            topic: 'workspace',
            type: BEACON_TYPE[beacon],
            workspaceId: beaconWs.id,
            organizationId: world.org.id,
            providerId: p2.id,
          }),
        ({ workspaceEvents: e }) => beaconFrom(e.type, e.workspaceId === beaconWs.id),
      );
      const aboutWs1 = () =>
        watch.events
          .filter((event) => event.workspaceEvents.workspaceId === ws1.id)
          .map((event) => ({ type: event.workspaceEvents.type, ...event.workspaceEvents.workspace }));
      const observe = async (phase: string, message: string | null) =>
        (
          await server.client.data<any>(
            REPORT_WORKSPACES,
            { observations: [{ workspaceId: ws1.id, phase, message }] },
            p1.agent,
          )
        ).reportWorkspaceStatus;

      expect(await observe('Running', 'pod ready')).toBe(1);
      const { workspaces } = await server.client.data<any>(
        `query($p: ID!) { workspaces(providerId: $p) { id observedPhase observedMessage observedAt } }`,
        { p: p1.id },
        member,
      );
      expect(workspaces).toEqual([
        {
          id: ws1.id,
          observedPhase: 'Running',
          observedMessage: 'pod ready',
          observedAt: expect.any(String),
        },
      ]);
      // The agent repeats its observations every resync: unchanged ones write and publish nothing.
      const unchanged = await expectNoChange(server.db, () => observe('Running', 'pod ready'));
      expect(unchanged).toBe(0);
      await watch.settle();
      expect(aboutWs1()).toEqual([
        { type: 'UPDATED', observedPhase: 'Running', observedMessage: 'pod ready' },
      ]);

      expect(await observe('Running', null)).toBe(1);
      await watch.settle();
      expect(aboutWs1()).toEqual([
        { type: 'UPDATED', observedPhase: 'Running', observedMessage: 'pod ready' },
        { type: 'UPDATED', observedPhase: 'Running', observedMessage: null },
      ]);

      // A batch with another provider's workspace is refused as a whole.
      const refused = await expectNoChange(server.db, () =>
        server.client.request(
          REPORT_WORKSPACES,
          {
            observations: [
              { workspaceId: ws1.id, phase: 'Failed', message: 'should not be recorded' },
              { workspaceId: ws3.id, phase: 'Running' },
            ],
          },
          p1.agent,
        ),
      );
      expectGraphQLError(refused, 'FORBIDDEN');
      await watch.settle();
      expect(aboutWs1()).toHaveLength(2);

      // An id that names no workspace is refused as a whole too: workspace rows outlive their deletion for
      // as long as their provider, so it is not a deletion the agent raced with.
      const unknown = await expectNoChange(server.db, () =>
        server.client.request(
          REPORT_WORKSPACES,
          {
            observations: [
              { workspaceId: UNKNOWN_ID, phase: 'Running' },
              { workspaceId: ws1.id, phase: 'Failed', message: 'should not be recorded' },
            ],
          },
          p1.agent,
        ),
      );
      expectGraphQLError(unknown, 'BAD_USER_INPUT', { field: 'observations.workspaceId' });
      expect(await observe('Failed', 'image pull failed')).toBe(1);
      await watch.settle();
      expect(aboutWs1()).toHaveLength(3);
    });

    it('nudges the agent of the changed workspace’s provider, and no other', async () => {
      const agent1 = await watchNudges(env, openSocket(server.client, p1.agent), p1.id, world.org.id);
      const agent2 = await watchNudges(env, openSocket(server.client, p2.agent), p2.id, world.org.id);

      const ws4 = await createWorkspace(env, member, world.org.id, p1.id);
      await server.client.data(
        `mutation($id: ID!) { deleteWorkspace(id: $id) { id } }`,
        { id: ws4.id },
        member,
      );
      const ws5 = await createWorkspace(env, member, world.org.id, p2.id);
      await Promise.all([agent1.settle(), agent2.settle()]);

      const seen = (watch: Watch<AgentEvent>) => watch.events.map((event) => event.agentWorkspaceEvents);
      expect(seen(agent1)).toEqual([
        { workspaceId: ws4.id, type: 'CREATED' },
        { workspaceId: ws4.id, type: 'DELETED' },
      ]);
      expect(seen(agent2)).toEqual([{ workspaceId: ws5.id, type: 'CREATED' }]);
    });
  });
});

describe('a silent agent', () => {
  // Grace 1 s: the monitor runs every max(250 ms, grace / 5) = 250 ms.
  const GRACE_MS = 1000;
  const MONITOR_INTERVAL_MS = 250;
  const server = useTestServer({ config: { agents: { heartbeatGraceSeconds: GRACE_MS / 1000 } } });

  it('turns ERROR within grace + monitor interval, and READY again at its next heartbeat, each once', async () => {
    const email = 'silence@example.com';
    await server.client.data(
      `mutation($e: String!, $p: String!) { setupFirstAdmin(email: $e, name: "Admin", password: $p) { id } }`,
      { e: email, p: PASSWORD },
    );
    const env: Env = {
      client: server.client,
      db: server.db,
      admin: { token: await tokenFor(server.client, email) },
    };
    const watcher = await watchProviders(env);
    const provider = await readyProvider(env);
    const { lastHeartbeatAt } = await server.db.workspaceProvider.findUniqueOrThrow({
      where: { id: provider.id },
    });

    await watcher.waitForTransition(provider.id, 'ERROR', GRACE_MS + MONITOR_INTERVAL_MS + 3000);
    const silent = await server.db.workspaceProvider.findUniqueOrThrow({ where: { id: provider.id } });
    expect(silent.status).toBe('ERROR');
    expect(silent.statusMessage).toMatch(
      /^No heartbeat from the agent for more than 1 s: the control plane lost contact/,
    );
    const noticedAfter = silent.statusChangedAt.getTime() - lastHeartbeatAt!.getTime();
    expect(noticedAfter).toBeGreaterThanOrEqual(GRACE_MS);
    // Grace + one monitor interval, plus a little for the monitor's own transaction on a busy machine.
    expect(noticedAfter).toBeLessThan(GRACE_MS + MONITOR_INTERVAL_MS + 500);

    // The last report's checks passed, so a heartbeat alone brings it back.
    expect((await server.client.data<any>(HEARTBEAT, {}, provider.agent)).agentHeartbeat.status).toBe(
      'READY',
    );
    await watcher.waitForTransition(provider.id, 'READY');
    // Another heartbeat restarts the grace period, so nothing new is due when the beacon goes out.
    await server.client.data(HEARTBEAT, {}, provider.agent);
    await watcher.watch.settle();

    expect(watcher.about(provider.id)).toEqual([
      'CREATED',
      'STATUS_CHANGED PENDING→READY',
      'STATUS_CHANGED READY→ERROR',
      'STATUS_CHANGED ERROR→READY',
    ]);
    const history = await statusEvents(env, provider.id);
    expect(history.map((e) => `${e.fromStatus}→${e.toStatus}`)).toEqual([
      'null→PENDING',
      'PENDING→READY',
      'READY→ERROR',
      'ERROR→READY',
    ]);
    expect(history[3]!.message).toBe(READY_MESSAGE);
  });
});

describe('two server replicas', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let db: PrismaClient;
  let dropDatabase: () => Promise<void>;

  beforeAll(async () => {
    const database = await createTestDatabase();
    dropDatabase = database.drop;
    const env = {
      DATABASE_URL: database.url,
      OUTPOST_ADMIN_EMAIL: 'root@example.com',
      OUTPOST_ADMIN_PASSWORD: PASSWORD,
      OUTPOST_HEARTBEAT_GRACE: '1',
    };
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    db = createPrismaClient(database.url);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.$disconnect();
    await dropDatabase?.();
  });

  it('records a silent agent’s READY→ERROR once, although both replicas run the monitor', async () => {
    const admin = { token: await tokenFor(a.client, 'root@example.com') };
    // The agent talks to replica A; the admin watches on replica B.
    const onA: Env = { client: a.client, db, admin };
    const watcher = await watchProviders({ client: b.client, db, admin });

    const first = await readyProvider(onA);
    await watcher.waitForTransition(first.id, 'ERROR', 5000);
    // Both monitors tick every 250 ms. A second provider going silent only after the first one's
    // transition proves both have had several more turns at the first (an event to wait for, not a sleep).
    const second = await readyProvider(onA);
    await watcher.waitForTransition(second.id, 'ERROR', 5000);
    await watcher.watch.settle();

    for (const provider of [first, second]) {
      expect(watcher.about(provider.id)).toEqual([
        'CREATED',
        'STATUS_CHANGED PENDING→READY',
        'STATUS_CHANGED READY→ERROR',
      ]);
      const history = await statusEvents(onA, provider.id);
      expect(history.map((e) => `${e.fromStatus}→${e.toStatus}`)).toEqual([
        'null→PENDING',
        'PENDING→READY',
        'READY→ERROR',
      ]);
    }
  });
});

describe('markSilentProviders', () => {
  it('gives each silent provider one transition however many callers race', async () => {
    const database = await createTestDatabase();
    // Four clients, as four replicas would have, each with its own connection pool.
    const clients = Array.from({ length: 4 }, () => createPrismaClient(database.url));
    try {
      const db = clients[0]!;
      const make = (name: string, status: 'READY' | 'ERROR', lastHeartbeatAt: Date) =>
        db.workspaceProvider.create({
          data: {
            name,
            displayName: name,
            region: 'eu-west',
            namespace: 'workspaces',
            status,
            lastHeartbeatAt,
          },
        });
      const longAgo = new Date(Date.now() - 60_000);
      const silent = await Promise.all([1, 2, 3, 4, 5].map((i) => make(`silent-${i}`, 'READY', longAgo)));
      const fresh = await make('fresh', 'READY', new Date());
      const failed = await make('failed', 'ERROR', longAgo);

      const results = await Promise.all(
        Array.from({ length: 24 }, (_, i) => markSilentProviders(clients[i % clients.length]!, 30)),
      );

      expect(results.flat().sort()).toEqual(silent.map((p) => p.id).sort());
      const events = await db.providerStatusEvent.findMany();
      expect(events.map((e) => e.providerId).sort()).toEqual(silent.map((p) => p.id).sort());
      for (const event of events) {
        expect(event).toMatchObject({ fromStatus: 'READY', toStatus: 'ERROR' });
        expect(event.message).toContain('No heartbeat from the agent for more than 30 s');
      }
      const statuses = await db.workspaceProvider.findMany({ select: { id: true, status: true } });
      expect(Object.fromEntries(statuses.map((p) => [p.id, p.status]))).toEqual({
        ...Object.fromEntries(silent.map((p) => [p.id, 'ERROR'])),
        [fresh.id]: 'READY',
        [failed.id]: 'ERROR',
      });
    } finally {
      await Promise.all(clients.map((client) => client.$disconnect()));
      await database.drop();
    }
  });
});
