import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeCluster, type KubeCluster } from '@outpost/kube-testenv';
import type { Credentials } from '@outpost/testing';
import { startAgentProcess, stopAgents, type AgentProcess } from './support/agent.js';
import { ProviderEvents, WorkspaceEvents } from './support/events.js';
import { identities, managedObjects } from './support/kube.js';
import { OutpostApi, type WorkspaceView } from './support/outpost-api.js';
import { startOutpostServer, type OutpostServer } from './support/server.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { Teardown } from './support/teardown.js';

/**
 * Issue 7, "agent's link to the server cut and restored": the agent reaches the server only through a
 * loopback TCP proxy the test controls. While the link is down the provider must turn ERROR once the
 * grace period has passed, saying the control plane lost contact with the agent; once the link is back
 * it must turn READY again without anyone restarting the agent; and the workspaces in the cluster —
 * which are the cluster's business, not the link's — must not be touched at all.
 */

const HEARTBEAT_SECONDS = 1;
const GRACE_SECONDS = 3;
/** The server's silent-agent monitor runs every max(250 ms, grace / 5). */
const MONITOR_MS = Math.max(250, (GRACE_SECONDS * 1000) / 5);
const NAMESPACE = 'faults-link';
/**
 * OUTPOST_AGENT_RECONNECT_GRACE: a closed connection and no agent back within it. Shorter than the
 * heartbeat grace, so which of the two turned the provider ERROR shows in the message.
 */
const RECONNECT_GRACE_SECONDS = 1;

describe('the link between an agent and the server', () => {
  const teardown = new Teardown();
  let cluster: KubeCluster;
  let server: OutpostServer;
  let link: TcpProxy;
  let api: OutpostApi;
  let events: ProviderEvents;
  let agent: AgentProcess;
  let providerId: string;
  let member: Credentials;
  let workspace: WorkspaceView;

  beforeAll(async () => {
    [cluster, server] = await Promise.all([
      teardown.track(startKubeCluster({ name: 'faults-link' }), (started) => started.stop()),
      teardown.track(
        startOutpostServer({
          heartbeatIntervalSeconds: HEARTBEAT_SECONDS,
          heartbeatGraceSeconds: GRACE_SECONDS,
          reconnectGraceSeconds: RECONNECT_GRACE_SECONDS,
        }),
        (started) => started.stop(),
      ),
    ]);
    link = await teardown.track(TcpProxy.start({ upstreams: [server.port] }), (started) => started.stop());
    teardown.defer(stopAgents);
    api = new OutpostApi(server.client, server.admin);
    events = await teardown.track(ProviderEvents.open(api), (started) => started.close());
    const organization = await api.createOrganization('faults-link');
    member = await api.createMember(organization.id);
    const provider = await api.createProvider({
      name: NAMESPACE,
      namespace: NAMESPACE,
      clusterAddress: cluster.server,
      organizationIds: [organization.id],
    });
    providerId = provider.id;
    agent = await startAgentProcess({
      label: NAMESPACE,
      serverUrl: link.url('http', '/graphql'),
      cluster,
      namespace: NAMESPACE,
      registrationToken: provider.registrationToken,
      heartbeatIntervalSeconds: HEARTBEAT_SECONDS,
      // Frequent resyncs: any pass that would touch the workspace while the link flaps gets its chance.
      resyncIntervalSeconds: 1,
    });
    await events.next(providerId, 'PENDING→READY', 30_000);

    const workspaceEvents = new WorkspaceEvents(api, member);
    teardown.defer(() => workspaceEvents.close());
    workspace = await api.createWorkspace(member, {
      organizationId: organization.id,
      providerId,
      name: 'survives-partitions',
    });
    await workspaceEvents.waitFor(workspace.id, 'phase Pending', (w) => w.observedPhase === 'Pending');
  });

  afterAll(() => teardown.run());

  async function expectWorkspaceUntouched(before: Record<string, string>) {
    expect(identities(await managedObjects(cluster, NAMESPACE))).toEqual(before);
    const [view] = (await api.workspaces(member)).filter((w) => w.id === workspace.id);
    expect(view).toMatchObject({
      observedPhase: 'Pending',
      observedMessage: 'waiting for the pod to be scheduled',
    });
  }

  /** Silent since at most one heartbeat before `cutAt`; noticed within grace + one monitor run. */
  async function expectLostContact(cutAt: number) {
    const error = await events.next(providerId, 'READY→ERROR', 20_000);
    expect(error.message).toMatch(
      new RegExp(
        `^No heartbeat from the agent for more than ${GRACE_SECONDS} s: the control plane lost contact with it\\. ` +
          'It has not heard from the agent since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\.',
      ),
    );
    const view = await api.provider(providerId);
    expect(view.status).toBe('ERROR');
    expect(view.statusMessage).toBe(error.message);
    // The time in the message is the last heartbeat the server got.
    const lastHeartbeat = new Date(view.lastHeartbeatAt!);
    expect(error.message).toContain(
      `since ${lastHeartbeat.toISOString().slice(0, 19).replace('T', ' ')} UTC`,
    );
    expect(lastHeartbeat.getTime()).toBeLessThanOrEqual(cutAt + 100);
    expect(error.receivedAt - cutAt).toBeLessThanOrEqual(
      (HEARTBEAT_SECONDS + GRACE_SECONDS) * 1000 + MONITOR_MS + 1500,
    );
    expect(Date.parse(view.statusChangedAt) - lastHeartbeat.getTime()).toBeGreaterThanOrEqual(
      GRACE_SECONDS * 1000,
    );
  }

  it('blackholed (packets dropped, nothing reset): ERROR after the grace period, READY after the link heals, workspace untouched', async () => {
    const before = identities(await managedObjects(cluster, NAMESPACE));
    expect(Object.keys(before)).toHaveLength(3);
    const logFrom = agent.output().length;

    const cutAt = Date.now();
    link.blackhole();
    try {
      await expectLostContact(cutAt);
      // Nothing was reset: the agent noticed by itself that its heartbeats went unanswered.
      await agent.waitForLog(/AgentHeartbeat: no answer from the server within 2 s/, { from: logFrom });
      // Stay down a little longer than it took to notice: the agent keeps trying, nothing else changes.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await expectWorkspaceUntouched(before);
    } finally {
      link.restore();
    }
    const restoredAt = Date.now();

    const ready = await events.next(providerId, 'ERROR→READY', 20_000);
    expect(ready.message).toBe('Agent connected; all checks pass.');
    // A connection attempt held by the partition goes through as it heals; else the next back-off step.
    expect(ready.receivedAt - restoredAt).toBeLessThan(10_000);
    expect((await api.provider(providerId)).status).toBe('READY');
    expect(agent.process.running).toBe(true);
    expect(agent.output().match(/Outpost agent \S+ \(protocol \d+\) for namespace/g)).toHaveLength(1);

    // Reconnected and resynced (every second) at least twice since: still the very same objects.
    await agent.waitForLog(/connected to the server at/, { from: logFrom });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await expectWorkspaceUntouched(before);
    await events.settle();
    expect(events.transitions(providerId).slice(-2)).toEqual(['READY→ERROR', 'ERROR→READY']);
  }, 60_000);

  it('cut (connections reset, new ones refused): ERROR after the reconnect grace, READY once restored, workspace untouched', async () => {
    const before = identities(await managedObjects(cluster, NAMESPACE));
    const logFrom = agent.output().length;

    const cutAt = Date.now();
    link.cut();
    try {
      await agent.waitForLog(/lost the connection to the server/, { from: logFrom });
      // A reset reaches the server too: it sees the agent's connection close, as when the agent dies,
      // and does not wait for the heartbeat grace (issue 11 point 12, "a crash is not a partition").
      const error = await events.next(providerId, 'READY→ERROR', 20_000);
      expect(error.message).toMatch(
        new RegExp(
          "^The agent's connection to the control plane closed at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC " +
            `and no agent has reconnected within ${RECONNECT_GRACE_SECONDS} s`,
        ),
      );
      expect(error.receivedAt - cutAt).toBeLessThanOrEqual(RECONNECT_GRACE_SECONDS * 1000 + 2_000);
      expect((await api.provider(providerId)).status).toBe('ERROR');
      await expectWorkspaceUntouched(before);
    } finally {
      link.restore();
    }
    const restoredAt = Date.now();

    const ready = await events.next(providerId, 'ERROR→READY', 30_000);
    // The agent retries with back-off (0.5 s doubling, with jitter): a few seconds into the outage
    // the next attempt is at most 8 s away.
    expect(ready.receivedAt - restoredAt).toBeLessThan(12_000);
    expect(agent.process.running).toBe(true);
    const reconnects =
      agent
        .output()
        .slice(logFrom)
        .match(/reconnecting to the server in (\d+\.\d) s/g) ?? [];
    // Back-off, not a hot loop: a handful of attempts in the few seconds the link was down.
    expect(reconnects.length).toBeGreaterThanOrEqual(2);
    expect(reconnects.length).toBeLessThanOrEqual(8);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await expectWorkspaceUntouched(before);
    await events.settle();
    expect(events.transitions(providerId)).toEqual([
      'PENDING→READY',
      'READY→ERROR',
      'ERROR→READY',
      'READY→ERROR',
      'ERROR→READY',
    ]);
  }, 60_000);
});
