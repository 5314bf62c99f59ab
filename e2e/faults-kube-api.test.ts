import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RECONCILE_BACKOFF, WORKSPACE_ID_LABEL } from '@outpost/agent';
import { startKubeCluster, type KubeCluster } from '@outpost/kube-testenv';
import type { Credentials } from '@outpost/testing';
import {
  AGENT_ROLE,
  AGENT_SERVICE_ACCOUNT,
  agentRules,
  startAgentProcess,
  stopAgents,
  type AgentProcess,
} from './support/agent.js';
import { ProviderEvents, WorkspaceEvents } from './support/events.js';
import { KubeFaultProxy } from './support/kube-fault-proxy.js';
import {
  canI,
  createObject,
  identities,
  listObjects,
  managedObjects,
  objectsOfWorkspace,
  pollUntil,
} from './support/kube.js';
import { OutpostApi } from './support/outpost-api.js';
import { startOutpostServer, type OutpostServer } from './support/server.js';
import { Teardown } from './support/teardown.js';

/**
 * Issue 7, "kube-apiserver slow or returning 5xx/403 mid-reconcile": a real agent reconciles real
 * workspaces into a real kube-apiserver while the API refuses (a real 403: the agent's Role narrowed
 * with updateRole) or fails (HTTP 500 injected by an HTTPS proxy between the agent and the apiserver,
 * which also counts every request the agent makes). The agent must report the failure on the
 * workspace, retry with back-off rather than hot-loop, never delete what it could not confirm is a
 * stray, and converge once the API works again.
 */

const NAMESPACE = 'faults-kube';
const SERVICE_ACCOUNT_USER = `system:serviceaccount:${NAMESPACE}:${AGENT_SERVICE_ACCOUNT}`;
const POD_CREATES = new RegExp(`^/api/v1/namespaces/${NAMESPACE}/pods(\\?|$)`);
const WORKSPACE_LISTS = new RegExp(
  `^/api/v1/namespaces/${NAMESPACE}/(pods|services|persistentvolumeclaims)\\?.*labelSelector=`,
);

describe('the Kubernetes API failing mid-reconcile', () => {
  const teardown = new Teardown();
  let cluster: KubeCluster;
  let server: OutpostServer;
  let proxy: KubeFaultProxy;
  let api: OutpostApi;
  let member: Credentials;
  let organizationId: string;
  let providerId: string;
  let workspaceEvents: WorkspaceEvents;
  let agent: AgentProcess;

  /** Waits for the workspace's Error phase whose message is the apiserver's refusal to `verb` pods, and what to do. */
  async function expectForbiddenPhase(workspaceId: string, verb: 'create' | 'list') {
    const failed = await workspaceEvents.waitFor(
      workspaceId,
      'phase Error',
      (w) => w.observedPhase === 'Error',
    );
    expect(failed.observedMessage).toMatch(
      new RegExp(
        `^cannot ${verb} pods in namespace ${NAMESPACE}: grant the ${AGENT_ROLE} Role \\(pods is forbidden: User "${SERVICE_ACCOUNT_USER}" cannot ${verb} resource "pods"`,
      ),
    );
  }

  beforeAll(async () => {
    [cluster, server] = await Promise.all([
      teardown.track(startKubeCluster({ name: 'faults-kube' }), (started) => started.stop()),
      teardown.track(
        startOutpostServer({ heartbeatIntervalSeconds: 1, heartbeatGraceSeconds: 30 }),
        (started) => started.stop(),
      ),
    ]);
    proxy = await teardown.track(KubeFaultProxy.start(cluster), (started) => started.stop());
    teardown.defer(stopAgents);
    api = new OutpostApi(server.client, server.admin);
    const providerEvents = await teardown.track(ProviderEvents.open(api), (started) => started.close());
    const organization = await api.createOrganization('faults-kube');
    organizationId = organization.id;
    member = await api.createMember(organizationId);
    const provider = await api.createProvider({
      name: 'faults-kube',
      namespace: NAMESPACE,
      clusterAddress: cluster.server,
      organizationIds: [organizationId],
    });
    providerId = provider.id;
    agent = await startAgentProcess({
      label: 'faults-kube',
      serverUrl: server.url,
      cluster,
      namespace: NAMESPACE,
      registrationToken: provider.registrationToken,
      apiServer: { server: proxy.url, caCertPem: proxy.caCertPem },
      // Long resync: only nudges and the failure back-off start passes, so retries are countable.
      resyncIntervalSeconds: 60,
      // The checks would notice the narrowed Role and turn the provider ERROR; these tests are about
      // the reconciler meeting a Role changed between two checks.
      checkIntervalSeconds: 600,
    });
    await providerEvents.next(provider.id, 'PENDING→READY', 30_000);
    workspaceEvents = new WorkspaceEvents(api, member);
    teardown.defer(() => workspaceEvents.close());
  });

  afterAll(() => teardown.run());

  const createWorkspace = (name: string) => api.createWorkspace(member, { organizationId, providerId, name });

  it('reports a 403 on creating the pod on the workspace, retries with back-off, and converges once the Role allows it', async () => {
    await cluster.updateRole(NAMESPACE, AGENT_ROLE, agentRules({ verb: 'create', resource: 'pods' }));
    // Whatever this test finds, the tests after it start from the full Role.
    onTestFinished(() => cluster.updateRole(NAMESPACE, AGENT_ROLE, agentRules()));
    await pollUntil(
      'RBAC to deny creating pods',
      () => canI(cluster, SERVICE_ACCOUNT_USER, 'create', 'pods', NAMESPACE),
      (allowed) => !allowed,
      10_000,
    );
    const from = proxy.requests.length;
    const logFrom = agent.output().length;
    const workspace = await createWorkspace('forbidden-pod');

    // The Kubernetes message itself, and what to do about it.
    await expectForbiddenPhase(workspace.id, 'create');
    // What it was allowed to create, it created; the pod it could not.
    const partial = await objectsOfWorkspace(cluster, workspace.id);
    expect(partial.map((o) => o.resource)).toEqual(['persistentvolumeclaims']);

    // Retries on the reconciler's back-off (apps/agent/src/backoff.ts): retry k waits a random time in
    // the upper half of min(max, initial·2^k). Asserted on the schedule itself, whatever the machine's
    // speed: each wait the agent chose lies in its window, and the last retry came no sooner than its
    // wait. (A nudge — the event of the agent's own first failure report — may bring an early retry
    // forward; by the last one the report no longer changes, so nothing but the back-off schedules it.)
    const RETRIES = 4;
    // Status 0 is a request the apiserver has not answered yet: wait for the answers, not just the asks.
    const attempts = await pollUntil(
      `${RETRIES + 1} refused pod creations`,
      async () => proxy.count('POST', POD_CREATES, from).slice(0, RETRIES + 1),
      (seen) => seen.length === RETRIES + 1 && seen.every((attempt) => attempt.status !== 0),
      60_000,
    );
    expect(attempts.map((attempt) => attempt.status)).toEqual(attempts.map(() => 403));
    const ceilingMs = (k: number) => Math.min(RECONCILE_BACKOFF.maxMs, RECONCILE_BACKOFF.initialMs * 2 ** k);
    const waitsMs = [
      ...agent
        .output()
        .slice(logFrom)
        .matchAll(/reconcile pass failed; retrying in ([\d.]+) s/g),
    ].map((match) => Number(match[1]) * 1000);
    expect(waitsMs.length).toBeGreaterThanOrEqual(RETRIES);
    waitsMs.slice(0, RETRIES).forEach((waitMs, k) => {
      // The log rounds to 0.1 s.
      expect(waitMs).toBeGreaterThanOrEqual(ceilingMs(k) / 2 - 50);
      expect(waitMs).toBeLessThanOrEqual(ceilingMs(k) + 50);
    });
    const lastGap = attempts[RETRIES]!.at - attempts[RETRIES - 1]!.at;
    // Timers may fire a few milliseconds early.
    expect(lastGap).toBeGreaterThanOrEqual(waitsMs[RETRIES - 1]! - 60);

    await cluster.updateRole(NAMESPACE, AGENT_ROLE, agentRules());
    // The next retry is at most the back-off ceiling reached so far away (8–16 s after ~5 failures).
    const converged = await workspaceEvents.waitFor(
      workspace.id,
      'phase Pending',
      (w) => w.observedPhase === 'Pending',
      30_000,
    );
    expect(converged.observedMessage).toBe('waiting for the pod to be scheduled');
    const objects = await objectsOfWorkspace(cluster, workspace.id);
    expect(objects.map((o) => o.resource)).toEqual(['persistentvolumeclaims', 'pods', 'services']);
    // The claim made during the failure is the one kept: nothing was deleted and made again.
    expect(objects[0]!.uid).toBe(partial[0]!.uid);
    expect(proxy.count('DELETE', /./, from)).toEqual([]);
  }, 90_000);

  it('a slow API: the create that times out is reported on the workspace, and the retry converges to one pod', async () => {
    const from = proxy.requests.length;
    // Longer than the agent's 10 s Kubernetes request timeout; the request still reaches the API late.
    proxy.inject({
      match: ({ method, path }) => method === 'POST' && POD_CREATES.test(path),
      delayMs: 12_000,
      times: 1,
    });
    const workspace = await createWorkspace('slow-pod');

    const unknown = await workspaceEvents.waitFor(
      workspace.id,
      'phase Unknown',
      (w) => w.observedPhase === 'Unknown',
      20_000,
    );
    expect(unknown.observedMessage).toBe(
      `cannot reach the Kubernetes API at ${proxy.url}: no answer before the request timed out`,
    );
    const converged = await workspaceEvents.waitFor(
      workspace.id,
      'phase Pending',
      (w) => w.observedPhase === 'Pending',
      30_000,
    );
    expect(converged.observedMessage).toBe('waiting for the pod to be scheduled');
    // Past the moment the held request went on to the API: still exactly one pod, and it is fine.
    const released = proxy.count('POST', POD_CREATES, from)[0]!.at + 12_000 + 1_000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, released - Date.now())));
    const creates = proxy.count('POST', POD_CREATES, from);
    expect(creates.length).toBeGreaterThanOrEqual(2);
    const objects = await objectsOfWorkspace(cluster, workspace.id);
    expect(objects.map((o) => o.resource)).toEqual(['persistentvolumeclaims', 'pods', 'services']);
    expect(proxy.count('DELETE', /./, from)).toEqual([]);
  }, 90_000);

  it('deletes nothing while listing fails with HTTP 500, not even objects that look like strays, and removes real strays once listing works', async () => {
    const before = await managedObjects(cluster, NAMESPACE);
    expect(before.length).toBeGreaterThan(0);
    const stopFault = proxy.inject({
      match: ({ method, path }) => method === 'GET' && WORKSPACE_LISTS.test(path),
      status: 500,
    });
    const from = proxy.requests.length;
    const strayId = randomUUID();
    let blindId: string;
    try {
      // Objects that look like the agent's but belong to no workspace appear while the agent is blind.
      const strayLabels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [WORKSPACE_ID_LABEL]: strayId };
      await createObject(cluster, 'pods', NAMESPACE, 'stray', strayLabels);
      await createObject(cluster, 'services', NAMESPACE, 'stray', strayLabels);
      const withStrays = await managedObjects(cluster, NAMESPACE);

      // A new workspace nudges the agent into a pass that cannot see the cluster.
      const blind = await createWorkspace('while-blind');
      blindId = blind.id;
      const unknown = await workspaceEvents.waitFor(
        blind.id,
        'phase Unknown',
        (w) => w.observedPhase === 'Unknown',
      );
      expect(unknown.observedMessage).toMatch(
        new RegExp(
          `^the Kubernetes API failed to list (pods|services|persistentvolumeclaims) in namespace ${NAMESPACE} \\(HTTP 500\\)`,
        ),
      );
      // Several passes, each refused its lists…
      await pollUntil(
        'three passes refused their pod list',
        async () => proxy.count('GET', /\/pods\?/, from).length,
        (passes) => passes >= 3,
        20_000,
      );
      expect(proxy.count('GET', WORKSPACE_LISTS, from).every((r) => r.injected && r.status === 500)).toBe(
        true,
      );
      // …and none deleted, created or changed anything.
      expect(proxy.count('DELETE', /./, from)).toEqual([]);
      expect(identities(await managedObjects(cluster, NAMESPACE))).toEqual(identities(withStrays));
      expect(await objectsOfWorkspace(cluster, blind.id)).toEqual([]);
    } finally {
      stopFault();
    }

    // Listing works again: the next retry removes the strays, and only them, and catches up.
    await pollUntil(
      'the stray pod and service removed',
      () => listObjects(cluster, `${WORKSPACE_ID_LABEL}=${strayId}`, NAMESPACE),
      (objects) => objects.length === 0,
      30_000,
    );
    const deletes = proxy.count('DELETE', /./, from).map((r) => r.path.replace(/\?.*$/, ''));
    expect(deletes.sort()).toEqual([
      `/api/v1/namespaces/${NAMESPACE}/pods/stray`,
      `/api/v1/namespaces/${NAMESPACE}/services/stray`,
    ]);
    const after = await managedObjects(cluster, NAMESPACE);
    const kept = after.filter((o) => before.some((b) => b.uid === o.uid));
    expect(identities(kept)).toEqual(identities(before));
    await workspaceEvents.waitFor(blindId!, 'phase Pending', (w) => w.observedPhase === 'Pending', 15_000);
    expect((await objectsOfWorkspace(cluster, blindId!)).map((o) => o.resource)).toEqual([
      'persistentvolumeclaims',
      'pods',
      'services',
    ]);
  }, 90_000);

  it('a real 403 on listing pods: deletes no pod, not even a stray one, until it can list them again', async () => {
    const before = await managedObjects(cluster, NAMESPACE);
    await cluster.updateRole(NAMESPACE, AGENT_ROLE, agentRules({ verb: 'list', resource: 'pods' }));
    let blindId: string;
    const strayId = randomUUID();
    const from = proxy.requests.length;
    try {
      await pollUntil(
        'RBAC to deny listing pods',
        () => canI(cluster, SERVICE_ACCOUNT_USER, 'list', 'pods', NAMESPACE),
        (allowed) => !allowed,
        10_000,
      );
      // The agent itself is refused first (a new workspace nudges it into a pass): the strays below appear
      // only once its own pod list is known to be forbidden, so no pass that listed pods before the Role
      // changed can be in flight when they do.
      const blind = await createWorkspace('cannot-list-pods');
      blindId = blind.id;
      await expectForbiddenPhase(blind.id, 'list');

      const strayLabels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [WORKSPACE_ID_LABEL]: strayId };
      await createObject(cluster, 'pods', NAMESPACE, 'stray-pod', strayLabels);
      await createObject(cluster, 'services', NAMESPACE, 'stray-service', strayLabels);
      const strays = proxy.requests.length;
      await pollUntil(
        'two passes since the strays appeared refused their pod list',
        async () => proxy.count('GET', /\/pods\?/, strays).filter((r) => r.status === 403).length,
        (passes) => passes >= 2,
        20_000,
      );
      // …and so was every pod list since.
      // (Status 0: a list still in flight, not answered yet.)
      const podLists = proxy.count('GET', /\/pods\?/, strays).filter((r) => r.status !== 0);
      expect(podLists.map((r) => r.status)).toEqual(podLists.map(() => 403));
      // The service list was complete, so the stray service is a confirmed stray and goes; the pods
      // could not be listed, so no pod is touched, the stray one included.
      expect(proxy.count('DELETE', /./, from).map((r) => r.path.replace(/\?.*$/, ''))).toEqual([
        `/api/v1/namespaces/${NAMESPACE}/services/stray-service`,
      ]);
      const pods = (await managedObjects(cluster, NAMESPACE)).filter((o) => o.resource === 'pods');
      expect(pods.map((o) => o.name).sort()).toEqual(
        [...before.filter((o) => o.resource === 'pods').map((o) => o.name), 'stray-pod'].sort(),
      );
    } finally {
      await cluster.updateRole(NAMESPACE, AGENT_ROLE, agentRules());
    }

    await pollUntil(
      'the stray pod removed',
      () => listObjects(cluster, `${WORKSPACE_ID_LABEL}=${strayId}`, NAMESPACE),
      (objects) => objects.length === 0,
      30_000,
    );
    await workspaceEvents.waitFor(blindId!, 'phase Pending', (w) => w.observedPhase === 'Pending', 15_000);
    const kept = (await managedObjects(cluster, NAMESPACE)).filter((o) =>
      before.some((b) => b.uid === o.uid),
    );
    expect(identities(kept)).toEqual(identities(before));
  }, 90_000);
});
