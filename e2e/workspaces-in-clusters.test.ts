import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, WORKSPACE_ID_LABEL, workspaceObjectName } from '@outpost/agent';
import { startKubeCluster, type KubeCluster } from '@outpost/kube-testenv';
import type { Credentials } from '@outpost/testing';
import { startAgentProcess, stopAgents } from './support/agent.js';
import { ProviderEvents, WorkspaceEvents } from './support/events.js';
import {
  createObject,
  listObjects,
  managedObjects,
  objectsOfWorkspace,
  pollUntil,
  type ObjectSummary,
} from './support/kube.js';
import { OutpostApi, type WorkspaceView } from './support/outpost-api.js';
import { startOutpostServer, type OutpostServer } from './support/server.js';
import { Teardown } from './support/teardown.js';

/**
 * Workspaces, level-triggered (apps/agent/PROTOCOL.md "Flow", step 6; docs/architecture.md "Agents:
 * protocol and lease"): two providers, each a cluster of its own with its own agent.
 * A member's workspace lands in the cluster of the provider it was created in and nowhere else, its
 * observed phase comes back to the server, deleting it removes its objects, and an object that looks
 * like the agent's but belongs to no workspace is removed at the next resync.
 */

const RESYNC_SECONDS = 2;

interface Region {
  name: 'eu-west' | 'us-east';
  namespace: string;
  cluster: KubeCluster;
  providerId: string;
}

describe('workspaces in two clusters', () => {
  const teardown = new Teardown();
  let server: OutpostServer;
  let api: OutpostApi;
  let euWest: Region;
  let usEast: Region;
  let member: Credentials;
  let organization: { id: string; slug: string };
  let workspaceEvents: WorkspaceEvents;
  let inEu: WorkspaceView;
  let inUs: WorkspaceView;

  beforeAll(async () => {
    let euCluster: KubeCluster;
    let usCluster: KubeCluster;
    [euCluster, usCluster, server] = await Promise.all([
      teardown.track(startKubeCluster({ name: 'eu-west' }), (started) => started.stop()),
      teardown.track(startKubeCluster({ name: 'us-east' }), (started) => started.stop()),
      teardown.track(
        startOutpostServer({ heartbeatIntervalSeconds: 1, heartbeatGraceSeconds: 30 }),
        (started) => started.stop(),
      ),
    ]);
    teardown.defer(stopAgents);
    api = new OutpostApi(server.client, server.admin);
    const providerEvents = await teardown.track(ProviderEvents.open(api), (started) => started.close());
    organization = await api.createOrganization('acme');
    member = await api.createMember(organization.id);

    // An admin registers both providers for the organization; each cluster's admin deploys the agent.
    const deploy = async (name: Region['name'], cluster: KubeCluster): Promise<Region> => {
      const namespace = `workspaces-${name}`;
      const provider = await api.createProvider({
        name,
        region: name,
        namespace,
        clusterAddress: cluster.server,
        organizationIds: [organization.id],
      });
      await startAgentProcess({
        label: name,
        serverUrl: server.url,
        cluster,
        namespace,
        registrationToken: provider.registrationToken,
        resyncIntervalSeconds: RESYNC_SECONDS,
      });
      await providerEvents.next(provider.id, 'PENDING→READY');
      return { name, namespace, cluster, providerId: provider.id };
    };
    [euWest, usEast] = await Promise.all([deploy('eu-west', euCluster), deploy('us-east', usCluster)]);
    workspaceEvents = new WorkspaceEvents(api, member);
    teardown.defer(() => workspaceEvents.close());
  });

  afterAll(() => teardown.run());

  const summary = (objects: ObjectSummary[]) =>
    objects.map(({ resource, namespace, name, workspaceId }) => ({ resource, namespace, name, workspaceId }));
  const expectedObjects = (region: Region, workspace: WorkspaceView) =>
    (['persistentvolumeclaims', 'pods', 'services'] as const).map((resource) => ({
      resource,
      namespace: region.namespace,
      name: workspaceObjectName(workspace),
      workspaceId: workspace.id,
    }));

  it('creates a workspace’s claim, pod and service in its provider’s cluster only, and reports its phase', async () => {
    inEu = await api.createWorkspace(member, {
      organizationId: organization.id,
      providerId: euWest.providerId,
      name: 'dev-eu',
    });
    inUs = await api.createWorkspace(member, {
      organizationId: organization.id,
      providerId: usEast.providerId,
      name: 'dev-us',
    });
    expect(inEu.observedPhase).toBeNull();

    // The agent reports after it has made the cluster match: once the phase is back, the objects exist.
    // (No kubelet runs in these clusters, so the pod is never scheduled and stays Pending.)
    const observed = await workspaceEvents.waitFor(
      inEu.id,
      'an observed phase',
      (w) => w.observedPhase !== null,
    );
    expect(observed).toMatchObject({
      providerId: euWest.providerId,
      desiredState: 'RUNNING',
      observedPhase: 'Pending',
      observedMessage: 'waiting for the pod to be scheduled',
    });
    await workspaceEvents.waitFor(inUs.id, 'an observed phase', (w) => w.observedPhase !== null);
    const listed = await api.workspaces(member);
    expect(listed.find((w) => w.id === inEu.id)?.observedPhase).toBe('Pending');

    expect(summary(await objectsOfWorkspace(euWest.cluster, inEu.id))).toEqual(expectedObjects(euWest, inEu));
    expect(await objectsOfWorkspace(usEast.cluster, inEu.id)).toEqual([]);
    // Each cluster holds its own provider's workspace and nothing else.
    expect(summary(await managedObjects(euWest.cluster))).toEqual(expectedObjects(euWest, inEu));
    expect(summary(await managedObjects(usEast.cluster))).toEqual(expectedObjects(usEast, inUs));
  });

  it('removes a deleted workspace’s objects and confirms it gone', async () => {
    await api.deleteWorkspace(member, inEu.id);

    const deleted = await workspaceEvents.waitFor(
      inEu.id,
      'phase Deleted',
      (w) => w.observedPhase === 'Deleted',
    );
    expect(deleted.desiredState).toBe('DELETED');
    expect((await api.workspaces(member)).map((w) => w.id)).toEqual([inUs.id]);

    // Pod and service are gone. The claim's deletion is accepted, but without a controller-manager
    // nothing lifts its kubernetes.io/pvc-protection finalizer, so it may stay Terminating.
    const left = await objectsOfWorkspace(euWest.cluster, inEu.id);
    expect(left.filter((object) => object.resource !== 'persistentvolumeclaims')).toEqual([]);
    expect(left.every((object) => object.terminating)).toBe(true);
    // The other cluster's workspace is untouched.
    expect(summary(await managedObjects(usEast.cluster))).toEqual(expectedObjects(usEast, inUs));
  });

  it('removes a labelled object that belongs to no workspace at the next resync, and leaves others alone', async () => {
    const { cluster, namespace } = euWest;
    const strayId = randomUUID();
    const strayLabels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [WORKSPACE_ID_LABEL]: strayId };
    const createdAt = Date.now();
    await createObject(cluster, 'pods', namespace, 'stray', strayLabels);
    await createObject(cluster, 'services', namespace, 'stray', strayLabels);
    // Not the agent's: no managed-by label, so not its to delete.
    await createObject(cluster, 'services', namespace, 'not-outposts', { [WORKSPACE_ID_LABEL]: strayId });

    // Nothing nudges the agent about objects made in the cluster: only its periodic resync finds them.
    await pollUntil(
      'the stray pod and service removed',
      () =>
        listObjects(
          cluster,
          `${WORKSPACE_ID_LABEL}=${strayId},${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
          namespace,
        ),
      (objects) => objects.length === 0,
      RESYNC_SECONDS * 1000 * 2 + 5_000,
    );
    expect(Date.now() - createdAt).toBeLessThan(RESYNC_SECONDS * 1000 + 5_000);
    expect(summary(await listObjects(cluster, `${WORKSPACE_ID_LABEL}=${strayId}`, namespace))).toEqual([
      { resource: 'services', namespace, name: 'not-outposts', workspaceId: strayId },
    ]);
    // The live workspace in the other cluster keeps its objects.
    expect(summary(await managedObjects(usEast.cluster))).toEqual(expectedObjects(usEast, inUs));
  });
});
