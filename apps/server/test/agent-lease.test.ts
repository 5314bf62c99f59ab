import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentConnections } from '../src/agents/agent-connections.js';
import { createNotificationPubSub } from '../src/events/notifications.js';
import { DatabaseHealth } from '../src/database/availability.js';
import { createWorld, startServerProcess, useTestServer, type ServerProcess } from './helpers.js';
import {
  agentProvider as agentProviderOf,
  closeAgentSockets,
  connectAgent,
  providerStatus,
  HEARTBEAT,
  PASSING_CHECKS,
  report,
  REPORT,
} from './agent-sockets.js';

/**
 * The agent lease on the server (src/agents/agent-lease.ts, agent-connections.ts), with agent
 * connections made the way the agent makes them (graphql-ws, credential and agentInstanceId in
 * connectionParams) to two replicas sharing one database: exactly one connection holds the lease however
 * many ask at once through either replica; a standby is refused everything that acts for the provider;
 * a released lease reaches a standby at once; with no agent left the provider turns ERROR after the
 * reconnect grace unless an agent is back; a replica shutting down releases nothing and marks nothing.
 */

const RECONNECT_GRACE_SECONDS = 1;
const server = useTestServer({
  config: { agents: { reconnectGraceSeconds: RECONNECT_GRACE_SECONDS, heartbeatGraceSeconds: 60 } },
});
let replica: ServerProcess;
let admin: { token: string };

afterEach(closeAgentSockets);

beforeAll(async () => {
  const world = await createWorld(server);
  admin = world.personas.siteAdmin.credentials as { token: string };
  replica = await startServerProcess({
    DATABASE_URL: server.databaseUrl,
    OUTPOST_AGENT_RECONNECT_GRACE: String(RECONNECT_GRACE_SECONDS),
    OUTPOST_HEARTBEAT_GRACE: '60',
  });
});
afterAll(() => replica?.stop());

const agentProvider = () => agentProviderOf(server.client, admin);

const readAgentsConfig = () => ({
  heartbeatIntervalSeconds: 5,
  heartbeatGraceSeconds: 60,
  reconnectGraceSeconds: RECONNECT_GRACE_SECONDS,
  registrationTokenTtlHours: 24,
  credentialOverlapMinutes: 10,
});

const { status, waitForStatus } = providerStatus(server);

describe('the agent lease', () => {
  it('exactly one of many connections asking at once through two replicas holds the lease', async () => {
    const provider = await agentProvider();
    const sockets = Array.from({ length: 8 }, (_, i) =>
      connectAgent(
        i % 2 === 0 ? server.outpost.http.websocketUrl : replica.client.websocketUrl,
        provider.credential,
      ),
    );
    const roles = await Promise.all(sockets.map((socket) => socket.nextRole(1)));
    expect(roles.filter((role) => role === 'HOLDER')).toHaveLength(1);
    const holder = sockets[roles.indexOf('HOLDER')]!;
    const [lease] = await server.db.agentLease.findMany({ where: { providerId: provider.id } });
    expect(lease?.holderInstanceId).toBe(holder.instanceId);
    // Heartbeats agree with the subscription, for the holder and every standby.
    for (const [i, socket] of sockets.entries()) {
      expect((await socket.request(HEARTBEAT)).data?.agentHeartbeat.lease).toBe(roles[i]);
    }
    const { workspaceProvider } = await server.client.data<any>(
      `query($id: ID!) { workspaceProvider(id: $id) { agents { leaseHolder { instanceId } standbyCount } } }`,
      { id: provider.id },
      admin,
    );
    expect(workspaceProvider.agents).toEqual({
      leaseHolder: { instanceId: holder.instanceId },
      standbyCount: 7,
    });
  });

  it('a standby is refused everything that acts for the provider, and its heartbeats keep nothing alive', async () => {
    const provider = await agentProvider();
    const holder = connectAgent(server.outpost.http.websocketUrl, provider.credential);
    expect(await holder.nextRole(1)).toBe('HOLDER');
    expect((await holder.request(REPORT, report)).data?.reportAgentStatus).toEqual({
      status: 'READY',
      lease: 'HOLDER',
    });
    const standby = connectAgent(replica.client.websocketUrl, provider.credential);
    expect(await standby.nextRole(1)).toBe('STANDBY');
    const before = await server.db.workspaceProvider.findUniqueOrThrow({ where: { id: provider.id } });

    const refused = [
      await standby.request(REPORT, {
        input: {
          ...report.input,
          checks: PASSING_CHECKS.map((c) => (c.name === 'rbac' ? { ...c, passed: false, message: 'no' } : c)),
        },
      }),
      await standby.request(`{ agentWorkspaces { id } }`),
      await standby.request(
        `mutation($o: [WorkspaceObservationInput!]!) { reportWorkspaceStatus(observations: $o) }`,
        {
          o: [{ workspaceId: randomUUID(), phase: 'Running' }],
        },
      ),
    ];
    for (const response of refused) expect(response.errors?.[0]?.extensions?.code).toBe('AGENT_STANDBY');
    expect((await standby.request(HEARTBEAT)).data?.agentHeartbeat).toEqual({
      status: 'READY',
      lease: 'STANDBY',
    });
    const after = await server.db.workspaceProvider.findUniqueOrThrow({ where: { id: provider.id } });
    expect(after).toEqual(before);
  });

  it('the holder closing hands the lease to a standby at once; with nobody left, ERROR after the reconnect grace', async () => {
    const provider = await agentProvider();
    const holder = connectAgent(server.outpost.http.websocketUrl, provider.credential);
    expect(await holder.nextRole(1)).toBe('HOLDER');
    await holder.request(REPORT, report);
    const standby = connectAgent(replica.client.websocketUrl, provider.credential);
    expect(await standby.nextRole(1)).toBe('STANDBY');

    const closedAt = Date.now();
    await holder.close();
    expect(await standby.nextRole(2)).toBe('HOLDER');
    // Through the other replica's LISTEN connection, long before any heartbeat or grace period.
    expect(Date.now() - closedAt).toBeLessThan(RECONNECT_GRACE_SECONDS * 1000);
    expect((await standby.request(REPORT, report)).data?.reportAgentStatus.lease).toBe('HOLDER');

    const lastClosedAt = Date.now();
    await standby.close();
    await waitForStatus(provider.id, 'ERROR', 10_000);
    expect(Date.now() - lastClosedAt).toBeGreaterThanOrEqual(RECONNECT_GRACE_SECONDS * 1000 - 100);
    const row = await server.db.workspaceProvider.findUniqueOrThrow({ where: { id: provider.id } });
    expect(row.statusMessage).toMatch(
      new RegExp(
        `^The agent's connection to the control plane closed at .* no agent has reconnected within ${RECONNECT_GRACE_SECONDS} s`,
      ),
    );
  });

  it('an agent back within the reconnect grace, through the other replica, cancels the pending ERROR', async () => {
    const provider = await agentProvider();
    const marker = await agentProvider();
    const first = connectAgent(server.outpost.http.websocketUrl, provider.credential);
    expect(await first.nextRole(1)).toBe('HOLDER');
    await first.request(REPORT, report);
    const markerAgent = connectAgent(server.outpost.http.websocketUrl, marker.credential);
    expect(await markerAgent.nextRole(1)).toBe('HOLDER');
    await markerAgent.request(REPORT, report);

    // Both close together; only the provider's agent comes back (same process, other replica).
    await Promise.all([first.close(), markerAgent.close()]);
    const back = connectAgent(replica.client.websocketUrl, provider.credential, first.instanceId);
    expect(await back.nextRole(1)).toBe('HOLDER');
    // The marker's ERROR comes from the same replica's timer of the same length: once it is there,
    // the provider's check has run too.
    await waitForStatus(marker.id, 'ERROR', 10_000);
    expect(await status(provider.id)).toBe('READY');
  });

  it('a replica that began shutting down keeps the lease of a connection closing on it; one that runs releases it', async () => {
    const provider = await agentProvider();
    const holder = connectAgent(server.outpost.http.websocketUrl, provider.credential);
    expect(await holder.nextRole(1)).toBe('HOLDER');
    await holder.request(REPORT, report);
    const standby = connectAgent(server.outpost.http.websocketUrl, provider.credential);
    expect(await standby.nextRole(1)).toBe('STANDBY');
    const lease = await server.db.agentLease.findUniqueOrThrow({ where: { providerId: provider.id } });
    const closing = {
      connectionId: lease.holderConnectionId,
      instanceId: lease.holderInstanceId,
      replicaId: lease.holderReplicaId,
    };
    // The replica side of the holder's socket, as when the socket closes during that replica's stop.
    const side = () =>
      new AgentConnections(
        server.db,
        server.kysely,
        readAgentsConfig(),
        createNotificationPubSub(),
        new DatabaseHealth(),
        () => undefined,
      );
    const stopping = side();
    await stopping.beginShutdown();
    await stopping.closed(closing);
    expect(await server.db.agentLease.findUniqueOrThrow({ where: { providerId: provider.id } })).toEqual(
      lease,
    );
    // The same close on a replica that keeps running releases it: the standby hears at once. That is
    // also the marker that nothing from the stopping side was on its way to the standby.
    const running = side();
    await running.closed(closing);
    expect(await standby.nextRole(2)).toBe('HOLDER');
    expect(standby.roles).toEqual(['STANDBY', 'HOLDER']);
    await running.beginShutdown();
  });

  it('a replica shutting down releases no lease and marks nothing', async () => {
    const provider = await agentProvider();
    const marker = await agentProvider();
    const stopping = await startServerProcess({
      DATABASE_URL: server.databaseUrl,
      OUTPOST_AGENT_RECONNECT_GRACE: String(RECONNECT_GRACE_SECONDS),
    });
    try {
      const holder = connectAgent(stopping.client.websocketUrl, provider.credential);
      expect(await holder.nextRole(1)).toBe('HOLDER');
      await holder.request(REPORT, report);
      const standby = connectAgent(server.outpost.http.websocketUrl, provider.credential);
      expect(await standby.nextRole(1)).toBe('STANDBY');
      const markerHolder = connectAgent(server.outpost.http.websocketUrl, marker.credential);
      expect(await markerHolder.nextRole(1)).toBe('HOLDER');
      const markerStandby = connectAgent(server.outpost.http.websocketUrl, marker.credential);
      expect(await markerStandby.nextRole(1)).toBe('STANDBY');

      await stopping.stop(); // SIGTERM; its sockets close during the shutdown
      // Positive marker: a release after the shutdown reaches a standby, in commit order, after any
      // release the stopping replica would have made.
      await markerHolder.close();
      expect(await markerStandby.nextRole(2)).toBe('HOLDER');
      expect(standby.roles).toEqual(['STANDBY']);
      const [lease] = await server.db.agentLease.findMany({ where: { providerId: provider.id } });
      expect(lease?.holderInstanceId).toBe(holder.instanceId);
      expect(await status(provider.id)).toBe('READY');
      // The agent reconnects elsewhere and keeps its lease.
      const back = connectAgent(server.outpost.http.websocketUrl, provider.credential, holder.instanceId);
      expect(await back.nextRole(1)).toBe('HOLDER');
      expect(standby.roles).toEqual(['STANDBY']);
    } finally {
      await stopping.stop();
    }
  }, 90_000);
});
