import { randomUUID } from 'node:crypto';
import type { CoreV1Api, V1ObjectMeta } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesClients } from './clients.js';
import { WorkspaceReconciler, type WorkspaceObservation } from './reconciler.js';
import { adminCore, agentClients, roleRules, startKubeCluster, type KubeCluster } from './test-cluster.js';
import {
  MANAGED_BY_LABEL,
  MANAGED_SELECTOR,
  WORKSPACE_ID_LABEL,
  workspaceObjectName,
  type DesiredWorkspace,
  type WorkspaceDesiredState,
} from './workspace-objects.js';

/**
 * The reconciler against a real kube-apiserver. Its input — the desired workspaces the server would
 * return from `agentWorkspaces` — is a plain stub function; Kubernetes is real.
 */

function workspace(name: string, desiredState: WorkspaceDesiredState = 'RUNNING'): DesiredWorkspace {
  return { id: randomUUID(), name, organizationSlug: 'acme', desiredState };
}

/** A reconciler whose desired list and reports the test controls and reads. */
function harness(clients: KubernetesClients, namespace: string) {
  const state = {
    desired: [] as DesiredWorkspace[],
    fetchError: null as Error | null,
    reports: [] as WorkspaceObservation[][],
  };
  const reconciler = new WorkspaceReconciler({
    core: clients.core,
    namespace,
    apiServerUrl: clients.apiServerUrl,
    resyncIntervalSeconds: 30,
    fetchDesiredWorkspaces: async () => {
      if (state.fetchError) throw state.fetchError;
      return state.desired.map((w) => ({ ...w }));
    },
    reportObservations: async (observations) => {
      state.reports.push(observations);
    },
  });
  return { state, reconciler };
}

/** name → labels of every managed object of one kind, as the admin sees them. */
async function managed(core: CoreV1Api, namespace: string) {
  const index = (items: Array<{ metadata?: V1ObjectMeta }>) =>
    Object.fromEntries(items.map((item) => [item.metadata!.name!, item.metadata!]));
  const labelSelector = MANAGED_SELECTOR;
  const [claims, pods, services] = await Promise.all([
    core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector }),
    core.listNamespacedPod({ namespace, labelSelector }),
    core.listNamespacedService({ namespace, labelSelector }),
  ]);
  return { claims: index(claims.items), pods: index(pods.items), services: index(services.items) };
}

const alive = (objects: Record<string, V1ObjectMeta>) =>
  Object.keys(objects).filter((name) => !objects[name]!.deletionTimestamp);

describe('workspace reconciler against a real kube-apiserver', () => {
  let cluster: KubeCluster;
  let admin: CoreV1Api;

  beforeAll(async () => {
    cluster = await startKubeCluster({ name: 'agent-reconciler' });
    admin = adminCore(cluster);
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('creates a labelled PVC, Pod and Service per running workspace and reports it Pending', async () => {
    const namespace = 'ws-create';
    const { state, reconciler } = harness(await agentClients(cluster, namespace), namespace);
    const dev = workspace('dev');
    state.desired = [dev];

    const result = await reconciler.reconcileOnce();
    expect(result.errors).toEqual([]);
    const name = workspaceObjectName(dev);
    expect(name).toBe(`ws-${dev.id.slice(0, 8)}-dev`);
    expect(result.created).toEqual(
      expect.arrayContaining([
        { resource: 'persistentvolumeclaims', name },
        { resource: 'pods', name },
        { resource: 'services', name },
      ]),
    );
    const objects = await managed(admin, namespace);
    for (const kind of [objects.claims, objects.pods, objects.services]) {
      expect(kind[name]?.labels).toMatchObject({
        [MANAGED_BY_LABEL]: 'outpost',
        [WORKSPACE_ID_LABEL]: dev.id,
      });
    }
    const pod = await admin.readNamespacedPod({ name, namespace });
    expect(pod.spec?.volumes?.[0]?.persistentVolumeClaim?.claimName).toBe(name);
    const service = await admin.readNamespacedService({ name, namespace });
    expect(service.spec?.selector).toEqual({ [MANAGED_BY_LABEL]: 'outpost', [WORKSPACE_ID_LABEL]: dev.id });

    // No kubelet runs here: the pod stays Pending, and the report says why.
    expect(state.reports).toEqual([
      [{ workspaceId: dev.id, phase: 'Pending', message: 'waiting for the pod to be scheduled' }],
    ]);

    // Level-triggered: a second pass changes nothing.
    const again = await reconciler.reconcileOnce();
    expect(again.created).toEqual([]);
    expect(again.deleted).toEqual([]);
    expect(again.errors).toEqual([]);
  });

  it('keeps the claim of a stopped workspace and deletes its pod; deletes everything of a deleted one', async () => {
    const namespace = 'ws-lifecycle';
    const { state, reconciler } = harness(await agentClients(cluster, namespace), namespace);
    const dev = workspace('dev');
    const name = workspaceObjectName(dev);
    state.desired = [dev];
    await reconciler.reconcileOnce();

    state.desired = [{ ...dev, desiredState: 'STOPPED' }];
    const stopped = await reconciler.reconcileOnce();
    expect(stopped.errors).toEqual([]);
    expect(stopped.observations).toEqual([{ workspaceId: dev.id, phase: 'Stopped', message: null }]);
    let objects = await managed(admin, namespace);
    expect(alive(objects.claims)).toEqual([name]);
    expect(alive(objects.pods)).toEqual([]);
    expect(alive(objects.services)).toEqual([]);

    state.desired = [{ ...dev, desiredState: 'RUNNING' }];
    await reconciler.reconcileOnce();
    expect(alive((await managed(admin, namespace)).pods)).toEqual([name]);

    state.desired = [{ ...dev, desiredState: 'DELETED' }];
    const deleted = await reconciler.reconcileOnce();
    expect(deleted.errors).toEqual([]);
    expect(deleted.observations).toEqual([{ workspaceId: dev.id, phase: 'Deleted', message: null }]);
    objects = await managed(admin, namespace);
    expect(alive(objects.claims)).toEqual([]);
    expect(alive(objects.pods)).toEqual([]);
    expect(alive(objects.services)).toEqual([]);
    expect(state.reports.at(-1)).toEqual([{ workspaceId: dev.id, phase: 'Deleted', message: null }]);
  });

  it('deletes the objects of a workspace that left the desired list, and labelled strays, but nothing else', async () => {
    const namespace = 'ws-strays';
    const { state, reconciler } = harness(await agentClients(cluster, namespace), namespace);
    const kept = workspace('kept');
    const dropped = workspace('dropped');
    state.desired = [kept, dropped];
    await reconciler.reconcileOnce();

    // Someone else's objects: a labelled one for an unknown workspace, and an unlabelled one.
    const strayId = randomUUID();
    await admin.createNamespacedService({
      namespace,
      body: {
        metadata: { name: 'stray', labels: { [MANAGED_BY_LABEL]: 'outpost', [WORKSPACE_ID_LABEL]: strayId } },
        spec: { ports: [{ port: 80 }] },
      },
    });
    await admin.createNamespacedService({
      namespace,
      body: { metadata: { name: 'not-ours', labels: { app: 'other' } }, spec: { ports: [{ port: 80 }] } },
    });

    state.desired = [kept];
    const result = await reconciler.reconcileOnce();
    expect(result.errors).toEqual([]);
    expect(result.deleted).toEqual(
      expect.arrayContaining([
        { resource: 'pods', name: workspaceObjectName(dropped) },
        { resource: 'services', name: workspaceObjectName(dropped) },
        { resource: 'persistentvolumeclaims', name: workspaceObjectName(dropped) },
        { resource: 'services', name: 'stray' },
      ]),
    );
    const objects = await managed(admin, namespace);
    expect(alive(objects.pods)).toEqual([workspaceObjectName(kept)]);
    expect(alive(objects.services)).toEqual([workspaceObjectName(kept)]);
    expect(alive(objects.claims)).toEqual([workspaceObjectName(kept)]);
    expect((await admin.readNamespacedService({ name: 'not-ours', namespace })).metadata?.name).toBe(
      'not-ours',
    );
    expect(state.reports.at(-1)?.map((o) => o.workspaceId)).toEqual([kept.id]);
  });

  it('deletes nothing when the desired list cannot be fetched', async () => {
    const namespace = 'ws-no-list';
    const { state, reconciler } = harness(await agentClients(cluster, namespace), namespace);
    const dev = workspace('dev');
    state.desired = [dev];
    await reconciler.reconcileOnce();
    await admin.createNamespacedPod({
      namespace,
      body: {
        metadata: {
          name: 'stray',
          labels: { [MANAGED_BY_LABEL]: 'outpost', [WORKSPACE_ID_LABEL]: randomUUID() },
        },
        spec: { containers: [{ name: 'main', image: 'busybox' }] },
      },
    });
    const before = await managed(admin, namespace);
    const reportsBefore = state.reports.length;

    // The server is unreachable — or answers an empty list only after failing: either way, hands off.
    state.desired = [];
    state.fetchError = new Error('not connected to the Outpost server');
    const result = await reconciler.reconcileOnce();
    expect(result.desiredFetched).toBe(false);
    expect(result.deleted).toEqual([]);
    expect(result.created).toEqual([]);
    expect(result.errors).toEqual([
      'cannot fetch the desired workspaces from the server: not connected to the Outpost server',
    ]);
    expect(state.reports.length).toBe(reportsBefore);
    expect(await managed(admin, namespace)).toEqual(before);
    expect(alive(before.pods).sort()).toEqual([workspaceObjectName(dev), 'stray'].sort());

    // Once the list is fetched again, the stray goes.
    state.fetchError = null;
    state.desired = [dev];
    const next = await reconciler.reconcileOnce();
    expect(next.deleted).toEqual([{ resource: 'pods', name: 'stray' }]);
  });

  it('reports a forbidden create on the workspace with what to grant, and retries it', async () => {
    const namespace = 'ws-forbidden';
    const clients = await agentClients(
      cluster,
      namespace,
      roleRules({ without: { verb: 'create', resource: 'pods' } }),
    );
    const { state, reconciler } = harness(clients, namespace);
    const dev = workspace('dev');
    state.desired = [dev];
    const result = await reconciler.reconcileOnce();
    expect(result.errors).toHaveLength(1);
    expect(result.observations).toEqual([
      {
        workspaceId: dev.id,
        phase: 'Error',
        message: expect.stringContaining(
          `cannot create pods in namespace ${namespace}: grant the outpost-provider Role`,
        ),
      },
    ]);
    expect(state.reports.at(-1)).toEqual(result.observations);

    // Widening the Role fixes it on the next pass.
    await cluster.updateRole(namespace, 'outpost-provider', roleRules());
    const fixed = await reconciler.reconcileOnce();
    expect(fixed.errors).toEqual([]);
    expect(fixed.observations[0]?.phase).toBe('Pending');
  });

  it('reports an unreachable API on every workspace (phase Unknown) and deletes nothing', async () => {
    const namespace = 'ws-api-down';
    const { state, reconciler } = harness(await agentClients(cluster, namespace), namespace);
    const dev = workspace('dev');
    state.desired = [dev];
    await reconciler.reconcileOnce();
    state.desired = [];
    await cluster.stopApiServer();
    try {
      state.desired = [dev];
      const result = await reconciler.reconcileOnce();
      expect(result.deleted).toEqual([]);
      expect(result.observations).toEqual([
        {
          workspaceId: dev.id,
          phase: 'Unknown',
          message: expect.stringMatching(
            new RegExp(`^cannot reach the Kubernetes API at ${cluster.server}: `),
          ),
        },
      ]);
    } finally {
      await cluster.startApiServer();
    }
    expect(alive((await managed(admin, namespace)).pods)).toEqual([workspaceObjectName(dev)]);
  }, 90_000);

  it('runs passes on its own once started, and at once when nudged', async () => {
    const namespace = 'ws-loop';
    const { state, reconciler } = harness(await agentClients(cluster, namespace), namespace);
    const first = workspace('first');
    state.desired = [first];
    reconciler.start();
    try {
      await expect
        .poll(async () => alive((await managed(admin, namespace)).pods), { timeout: 10_000 })
        .toEqual([workspaceObjectName(first)]);
      const second = workspace('second');
      state.desired = [first, second];
      reconciler.nudge();
      await expect
        .poll(async () => alive((await managed(admin, namespace)).pods).sort(), { timeout: 10_000 })
        .toEqual([workspaceObjectName(first), workspaceObjectName(second)].sort());
    } finally {
      await reconciler.stop();
    }
  });
});
