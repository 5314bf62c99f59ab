import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, WORKSPACE_ID_LABEL } from '@outpost/agent';
import { startKubeCluster, type KubeCluster } from '@outpost/kube-testenv';
import type { Credentials } from '@outpost/testing';
import { startAgentProcess, stopAgents, type AgentProcess } from './support/agent.js';
import { ProviderEvents, WorkspaceEvents } from './support/events.js';
import { createObject, identities, managedObjects, objectsOfWorkspace, pollUntil } from './support/kube.js';
import { OutpostApi } from './support/outpost-api.js';
import { startOutpostServer, type OutpostServer } from './support/server.js';
import { Teardown } from './support/teardown.js';

/**
 * Issue 11 point 12, the agent lease: two agent processes of one provider (a rolling upgrade, a stuck
 * old pod) against one real kube-apiserver. Exactly one holds the lease and acts; the other stands by
 * and touches no Kubernetes object even while the holder is frozen. When the holder is killed its
 * kernel closes the socket, and the standby takes over at once — far sooner than the heartbeat grace a
 * silent link waits for. With no standby, a kill turns the provider ERROR after the short reconnect grace.
 */

const HEARTBEAT_SECONDS = 1;
/** Long, so that "well under the heartbeat grace" is a wide margin on a loaded machine. */
const GRACE_SECONDS = 30;
const RECONNECT_GRACE_SECONDS = 2;
const RESYNC_SECONDS = 1;
const NAMESPACE = 'agent-lease';
const RESOURCES = ['persistentvolumeclaims', 'pods', 'services'];

describe('two agents of one provider: the agent lease', () => {
  const teardown = new Teardown();
  let cluster: KubeCluster;
  let server: OutpostServer;
  let api: OutpostApi;
  let events: ProviderEvents;
  let workspaceEvents: WorkspaceEvents;
  let member: Credentials;
  let organizationId: string;
  let providerId: string;
  let registrationToken: string;
  /** The agent the first test leaves running, alone: the lease holder. */
  let survivor: AgentProcess;

  const startAgent = (label: string) =>
    startAgentProcess({
      label,
      serverUrl: server.url,
      cluster,
      namespace: NAMESPACE,
      // The first registers; the others find the credential it stored in the namespace's Secret.
      registrationToken,
      heartbeatIntervalSeconds: HEARTBEAT_SECONDS,
      resyncIntervalSeconds: RESYNC_SECONDS,
    });
  const instanceOf = async (agent: AgentProcess) => (await agent.waitForLog(/agent instance (\S+)/))[1]!;

  beforeAll(async () => {
    [cluster, server] = await Promise.all([
      teardown.track(startKubeCluster({ name: 'agent-lease' }), (started) => started.stop()),
      teardown.track(
        startOutpostServer({
          heartbeatIntervalSeconds: HEARTBEAT_SECONDS,
          heartbeatGraceSeconds: GRACE_SECONDS,
          reconnectGraceSeconds: RECONNECT_GRACE_SECONDS,
        }),
        (started) => started.stop(),
      ),
    ]);
    teardown.defer(stopAgents);
    api = new OutpostApi(server.client, server.admin);
    events = await teardown.track(ProviderEvents.open(api), (started) => started.close());
    const organization = await api.createOrganization('agent-lease');
    organizationId = organization.id;
    member = await api.createMember(organizationId);
    workspaceEvents = new WorkspaceEvents(api, member);
    teardown.defer(() => workspaceEvents.close());
    const provider = await api.createProvider({
      name: NAMESPACE,
      namespace: NAMESPACE,
      clusterAddress: cluster.server,
      organizationIds: [organizationId],
    });
    providerId = provider.id;
    registrationToken = provider.registrationToken;
  });

  afterAll(() => teardown.run());

  it('one holds the lease, the standby touches nothing even with the holder frozen, and takes over at once when the holder is killed', async () => {
    const first = await startAgent('first');
    await events.next(providerId, 'PENDING→READY', 60_000);
    await first.waitForLog(/holding the agent lease: acting for the provider/, { timeoutMs: 60_000 });
    const kept = await api.createWorkspace(member, { organizationId, providerId, name: 'kept' });
    await workspaceEvents.waitFor(kept.id, 'phase Pending', (w) => w.observedPhase === 'Pending');

    const second = await startAgent('second');
    await second.waitForLog(/standing by: another agent of this provider holds the agent lease/, {
      timeoutMs: 60_000,
    });
    const [firstInstance, secondInstance] = [await instanceOf(first), await instanceOf(second)];
    const agents = await pollUntil(
      'both agents listed',
      () => api.agents(providerId),
      (view) => view.standbyCount === 1,
      30_000,
    );
    expect(agents.leaseHolder).toMatchObject({ instanceId: firstInstance, holdsLease: true });
    expect(agents.standbys).toEqual([
      expect.objectContaining({ instanceId: secondInstance, holdsLease: false }),
    ]);

    // Freeze the holder (its socket stays open, its lease stays valid): whatever needs doing now is
    // the standby's chance to do it wrongly. A user creates a workspace, and a stray object appears.
    first.process.child.kill('SIGSTOP');
    teardown.defer(async () => {
      first.process.child.kill('SIGCONT');
    });
    const waiting = await api.createWorkspace(member, { organizationId, providerId, name: 'waiting' });
    const strayName = `stray-${randomUUID().slice(0, 8)}`;
    await createObject(cluster, 'services', NAMESPACE, strayName, {
      [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
      [WORKSPACE_ID_LABEL]: randomUUID(),
    });
    const frozen = identities(await managedObjects(cluster, NAMESPACE));
    const secondLogFrom = second.output().length;
    // The positive marker: the standby heartbeat at least three times since (the server saw it), each
    // a resync interval in which an acting agent would have created `waiting`'s objects and deleted the stray.
    const since = Date.now();
    await pollUntil(
      'three standby heartbeats',
      async () => (await api.agents(providerId)).standbys[0]?.lastSeenAt,
      (lastSeenAt) => !!lastSeenAt && Date.parse(lastSeenAt) >= since + 3 * HEARTBEAT_SECONDS * 1000,
      30_000,
    );
    expect(identities(await managedObjects(cluster, NAMESPACE))).toEqual(frozen);
    expect(await objectsOfWorkspace(cluster, waiting.id)).toEqual([]);
    expect(second.output()).not.toMatch(/created |deleted |restoring the labels/);
    expect((await api.workspaces(member)).find((w) => w.id === waiting.id)?.observedPhase).toBeNull();

    // SIGKILL the frozen holder: its kernel closes the socket, the server releases the lease, the
    // standby gets it through its agentLease subscription.
    const killedAt = Date.now();
    await first.kill();
    await second.waitForLog(/took over the agent lease: acting for the provider now/, {
      from: secondLogFrom,
      timeoutMs: GRACE_SECONDS * 1000,
    });
    // Well under the heartbeat grace a silent holder would be given (on an idle machine: well under a second).
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan((GRACE_SECONDS * 1000) / 3);
    // …and reconciles: the waiting workspace's objects appear, the stray goes.
    await workspaceEvents.waitFor(waiting.id, 'phase Pending', (w) => w.observedPhase === 'Pending');
    expect((await objectsOfWorkspace(cluster, waiting.id)).map((o) => o.resource)).toEqual(RESOURCES);
    await pollUntil(
      'the stray deleted',
      () => managedObjects(cluster, NAMESPACE),
      (objects) => !objects.some((o) => o.name === strayName),
      30_000,
    );
    // The kept workspace's objects are the very same ones.
    const keptNow = identities(await objectsOfWorkspace(cluster, kept.id));
    for (const [key, identity] of Object.entries(keptNow)) expect(frozen[key]).toBe(identity);
    const after = await api.agents(providerId);
    expect(after.leaseHolder?.instanceId).toBe(secondInstance);
    expect(after.standbyCount).toBe(0);
    survivor = second;
    // The provider never left READY: a handover is not an outage.
    await events.settle();
    expect(events.transitions(providerId)).toEqual(['PENDING→READY']);
    expect(Date.now() - killedAt).toBeLessThan(GRACE_SECONDS * 1000);
  }, 240_000);

  it('with no standby, a killed agent turns the provider ERROR after the reconnect grace, not the heartbeat grace', async () => {
    const view = await api.agents(providerId);
    expect(view.standbyCount).toBe(0);
    expect(view.leaseHolder?.instanceId).toBe(await instanceOf(survivor));

    const killedAt = Date.now();
    await survivor.kill();
    const error = await events.next(providerId, 'READY→ERROR', GRACE_SECONDS * 1000);
    const detectedMs = error.receivedAt - killedAt;
    expect(error.message).toMatch(
      new RegExp(
        `^The agent's connection to the control plane closed at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC ` +
          `and no agent has reconnected within ${RECONNECT_GRACE_SECONDS} s`,
      ),
    );
    expect(detectedMs).toBeGreaterThanOrEqual(RECONNECT_GRACE_SECONDS * 1000 - 250);
    expect(detectedMs).toBeLessThan(RECONNECT_GRACE_SECONDS * 1000 + 5_000);
    expect(detectedMs).toBeLessThan((GRACE_SECONDS * 1000) / 3);
    expect((await api.agents(providerId)).leaseHolder).toBeNull();

    // A new pod comes up: it takes the free lease and the provider is READY again.
    const replacement = await startAgent('replacement');
    await replacement.waitForLog(/holding the agent lease: acting for the provider/, { timeoutMs: 60_000 });
    await events.next(providerId, 'ERROR→READY', 60_000);
  }, 180_000);
});
