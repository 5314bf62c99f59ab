import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeCluster, type KubeCluster } from '@outpost/kube-testenv';
import type { Credentials } from '@outpost/testing';
import { startAgentProcess, stopAgents, type AgentProcess } from './support/agent.js';
import { WorkspaceEvents } from './support/events.js';
import { managedObjects, objectsOfWorkspace } from './support/kube.js';
import { OutpostApi } from './support/outpost-api.js';
import { startOutpostServer, type OutpostServer, type ServerSettings } from './support/server.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { Teardown } from './support/teardown.js';

/**
 * Issue 7, "server restarted (and one of two replicas killed)": two server processes share one
 * PostgreSQL database, behind a load balancer (a loopback TCP proxy: the agent is configured with one
 * server URL, as with a Kubernetes Service or an ingress in front of the replicas). The agent must
 * reconnect with back-off, the provider must not flip to ERROR when the agent is back within the grace
 * period, and what users did while the agent was away must reach the cluster — the agent's
 * level-triggered resync converges, no event needed.
 */

// The grace must outlast a restart of a replica on a loaded two-core machine (its boot included).
const SETTINGS: ServerSettings = { heartbeatIntervalSeconds: 1, heartbeatGraceSeconds: 15 };
const NAMESPACE = 'faults-restart';
const RESOURCES = ['persistentvolumeclaims', 'pods', 'services'];

describe('server replicas killed and restarted under a connected agent', () => {
  const teardown = new Teardown();
  let cluster: KubeCluster;
  let replicaA: OutpostServer;
  let replicaB: OutpostServer;
  let balancer: TcpProxy;
  let api: OutpostApi;
  let agent: AgentProcess;
  let providerId: string;
  let organizationId: string;
  let member: Credentials;

  beforeAll(async () => {
    [cluster, replicaA] = await Promise.all([
      teardown.track(startKubeCluster({ name: 'faults-restart' }), (started) => started.stop()),
      teardown.track(startOutpostServer(SETTINGS, { label: 'replica A' }), (started) => started.stop()),
    ]);
    replicaB = await teardown.track(
      startOutpostServer(SETTINGS, { sharing: replicaA, label: 'replica B' }),
      (started) => started.stop(),
    );
    // Only A behind the balancer at first, so the agent is certainly connected to the replica killed.
    balancer = await teardown.track(TcpProxy.start({ upstreams: [replicaA.port] }), (started) =>
      started.stop(),
    );
    teardown.defer(stopAgents);
    // The test talks to B: A is the one that dies.
    api = new OutpostApi(replicaB.client, replicaB.admin);
    const organization = await api.createOrganization('faults-restart');
    organizationId = organization.id;
    member = await api.createMember(organizationId);
    const provider = await api.createProvider({
      name: NAMESPACE,
      namespace: NAMESPACE,
      clusterAddress: cluster.server,
      organizationIds: [organizationId],
    });
    providerId = provider.id;
    agent = await startAgentProcess({
      label: NAMESPACE,
      serverUrl: balancer.url('http', '/graphql'),
      cluster,
      namespace: NAMESPACE,
      registrationToken: provider.registrationToken,
      heartbeatIntervalSeconds: SETTINGS.heartbeatIntervalSeconds,
      // Long resync: what the agent missed must come from its resync on reconnecting, not a timer.
      resyncIntervalSeconds: 300,
    });
    await waitForStatus('READY', 30_000);
  });

  afterAll(() => teardown.run());

  async function waitForStatus(status: string, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const view = await api.provider(providerId);
      if (view.status === status) return view;
      if (Date.now() > deadline) throw new Error(`provider not ${status}: ${JSON.stringify(view)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  const createWorkspace = (name: string) => api.createWorkspace(member, { organizationId, providerId, name });

  it('kill -9 of the replica the agent is on: the agent fails over within the grace period, no ERROR, and what changed meanwhile is reconciled', async () => {
    const workspaceEvents = new WorkspaceEvents(api, member);
    try {
      const kept = await createWorkspace('kept');
      const doomed = await createWorkspace('doomed');
      for (const { id } of [kept, doomed]) {
        await workspaceEvents.waitFor(id, 'phase Pending', (w) => w.observedPhase === 'Pending');
      }
      const logFrom = agent.output().length;

      const killedAt = Date.now();
      await replicaA.kill();
      // The balancer has not noticed yet: the agent's reconnects fail, and it backs off.
      await agent.waitForLog(/lost the connection to the server/, { from: logFrom });
      await agent.waitForLog(/cannot connect to the Outpost server/, { from: logFrom });

      // Meanwhile users go on working through replica B.
      const createdAway = await createWorkspace('created-while-away');
      await api.deleteWorkspace(member, doomed.id);
      expect((await objectsOfWorkspace(cluster, createdAway.id)).length).toBe(0);

      // The balancer's health check takes A out.
      balancer.setUpstreams([replicaB.port]);
      await agent.waitForLog(/connected to the server at/, { from: logFrom });
      const backAfterMs = Date.now() - killedAt;
      expect(backAfterMs).toBeLessThan(SETTINGS.heartbeatGraceSeconds * 1000);

      const created = await workspaceEvents.waitFor(
        createdAway.id,
        'phase Pending',
        (w) => w.observedPhase === 'Pending',
      );
      expect(created.observedMessage).toBe('waiting for the pod to be scheduled');
      expect((await objectsOfWorkspace(cluster, createdAway.id)).map((o) => o.resource)).toEqual(RESOURCES);
      await workspaceEvents.waitFor(doomed.id, 'phase Deleted', (w) => w.observedPhase === 'Deleted');
      const left = await objectsOfWorkspace(cluster, doomed.id);
      // The claim may stay Terminating (no controller-manager lifts pvc-protection here).
      expect(left.every((o) => o.resource === 'persistentvolumeclaims' && o.terminating)).toBe(true);
      expect((await objectsOfWorkspace(cluster, kept.id)).map((o) => o.resource)).toEqual(RESOURCES);

      // Past the grace period since the kill: the provider never left READY (what B's monitor and
      // the status history say, not just what it is now).
      const waitMs = killedAt + SETTINGS.heartbeatGraceSeconds * 1000 + 2_000 - Date.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      expect((await api.provider(providerId)).status).toBe('READY');
      expect(await api.statusHistory(providerId)).toEqual(['→PENDING', 'PENDING→READY']);
      expect(agent.process.running).toBe(true);
    } finally {
      await workspaceEvents.close();
    }
  }, 90_000);

  it('SIGTERM restart of the server on the same address: the agent reconnects, no ERROR, and events work again', async () => {
    const before = await managedObjects(cluster, NAMESPACE);
    const logFrom = agent.output().length;
    const stoppedAt = Date.now();
    await replicaB.stop(); // Graceful: expects exit code 0.
    await agent.waitForLog(/lost the connection to the server/, { from: logFrom });

    const restarted = await teardown.track(
      startOutpostServer(SETTINGS, {
        sharing: replicaA,
        port: replicaB.port,
        label: 'replica B (restarted)',
      }),
      (started) => started.stop(),
    );
    const serverBackAt = Date.now();
    api = new OutpostApi(restarted.client, restarted.admin);
    await agent.waitForLog(/connected to the server at/, { from: logFrom, timeoutMs: 20_000 });
    const workspaceEvents = new WorkspaceEvents(api, member);
    try {
      // The agent's part: back within one back-off step of the server answering again (how long the
      // server takes to boot depends on the machine, not on the agent).
      expect(Date.now() - serverBackAt).toBeLessThan(SETTINGS.heartbeatGraceSeconds * 1000);
      // The restarted server's event stream reaches the agent: a new workspace lands at once (the
      // resync is 5 minutes away).
      const fresh = await createWorkspace('after-restart');
      await workspaceEvents.waitFor(fresh.id, 'phase Pending', (w) => w.observedPhase === 'Pending');
      expect((await objectsOfWorkspace(cluster, fresh.id)).map((o) => o.resource)).toEqual(RESOURCES);
      // Nothing that existed before was touched.
      const after = await managedObjects(cluster, NAMESPACE);
      expect(after.filter((o) => o.workspaceId !== fresh.id)).toEqual(before);

      const waitMs = stoppedAt + SETTINGS.heartbeatGraceSeconds * 1000 + 2_000 - Date.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      expect((await api.provider(providerId)).status).toBe('READY');
      expect(await api.statusHistory(providerId)).toEqual(['→PENDING', 'PENDING→READY']);
      expect(agent.process.running).toBe(true);
    } finally {
      await workspaceEvents.close();
    }
  }, 90_000);
});
