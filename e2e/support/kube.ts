import {
  CREDENTIAL_SECRET_KEY,
  CREDENTIAL_SECRET_NAME,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  WORKSPACE_ID_LABEL,
} from '@outpost/agent';
import type { KubeCluster } from '@outpost/kube-testenv';

/**
 * Looking at a cluster the way its admin would (`kubectl get … -l …`), with the cluster's admin client.
 */

export const WORKSPACE_RESOURCES = ['persistentvolumeclaims', 'pods', 'services'] as const;
export type WorkspaceResource = (typeof WORKSPACE_RESOURCES)[number];

export interface ObjectSummary {
  resource: WorkspaceResource;
  namespace: string;
  name: string;
  workspaceId: string | undefined;
  /** Deletion requested; a finalizer (e.g. pvc-protection) still holds it. */
  terminating: boolean;
  /** Same uid and resourceVersion later: the very same object, not modified (nor deleted and re-made). */
  uid: string;
  resourceVersion: string;
}

interface KubeList {
  items: Array<{
    metadata: {
      name: string;
      namespace: string;
      uid: string;
      resourceVersion: string;
      labels?: Record<string, string>;
      deletionTimestamp?: string;
    };
  }>;
}

/** Workspace objects matching `labelSelector`, in one namespace or (without one) the whole cluster. */
export async function listObjects(
  cluster: KubeCluster,
  labelSelector: string,
  namespace?: string,
): Promise<ObjectSummary[]> {
  const lists = await Promise.all(
    WORKSPACE_RESOURCES.map(async (resource) => {
      const where = namespace ? `/namespaces/${namespace}` : '';
      const list = await cluster.requestOk<KubeList>(
        'GET',
        `/api/v1${where}/${resource}?labelSelector=${encodeURIComponent(labelSelector)}`,
      );
      return list.items.map(({ metadata }): ObjectSummary => ({
        resource,
        namespace: metadata.namespace,
        name: metadata.name,
        workspaceId: metadata.labels?.[WORKSPACE_ID_LABEL],
        terminating: !!metadata.deletionTimestamp,
        uid: metadata.uid,
        resourceVersion: metadata.resourceVersion,
      }));
    }),
  );
  return lists.flat().sort((a, b) => `${a.resource}/${a.name}`.localeCompare(`${b.resource}/${b.name}`));
}

/** Every object the agent manages (`app.kubernetes.io/managed-by=outpost`) in the cluster. */
export function managedObjects(cluster: KubeCluster, namespace?: string): Promise<ObjectSummary[]> {
  return listObjects(cluster, `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`, namespace);
}

/** The objects labelled `outpost.dev/workspace-id=<id>` anywhere in the cluster. */
export function objectsOfWorkspace(cluster: KubeCluster, workspaceId: string): Promise<ObjectSummary[]> {
  return listObjects(cluster, `${WORKSPACE_ID_LABEL}=${workspaceId}`);
}

/** The credential the agent stored in its namespace's Secret, or null when there is none. */
export async function storedCredential(cluster: KubeCluster, namespace: string): Promise<string | null> {
  const response = await cluster.request<{ data?: Record<string, string> }>(
    'GET',
    `/api/v1/namespaces/${namespace}/secrets/${CREDENTIAL_SECRET_NAME}`,
  );
  if (response.status === 404) return null;
  const encoded = response.body.data?.[CREDENTIAL_SECRET_KEY];
  return encoded ? Buffer.from(encoded, 'base64').toString('utf8') : null;
}

/** Creates a Pod, Service or PersistentVolumeClaim by hand, as an admin with kubectl would. */
export async function createObject(
  cluster: KubeCluster,
  resource: WorkspaceResource,
  namespace: string,
  name: string,
  labels: Record<string, string>,
): Promise<void> {
  const metadata = { name, namespace, labels };
  const bodies: Record<WorkspaceResource, unknown> = {
    pods: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata,
      spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', 'infinity'] }] },
    },
    services: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: { selector: { app: name }, ports: [{ port: 80 }] },
    },
    persistentvolumeclaims: {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata,
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    },
  };
  await cluster.requestOk('POST', `/api/v1/namespaces/${namespace}/${resource}`, bodies[resource]);
}

/**
 * Polls `read` until `done` holds for what it returns. For cluster state only: nothing in this
 * environment publishes Kubernetes changes to the test (no watch helper), and reads are cheap.
 */
export async function pollUntil<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Whether RBAC lets `user` do `verb` on `resource` in `namespace` right now (a SubjectAccessReview, as
 * `kubectl auth can-i --as` does): a Role change reaches the authorizer's cache a moment later.
 */
export async function canI(
  cluster: KubeCluster,
  user: string,
  verb: string,
  resource: string,
  namespace: string,
): Promise<boolean> {
  const review = await cluster.requestOk<{ status?: { allowed?: boolean } }>(
    'POST',
    '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user, resourceAttributes: { namespace, verb, resource } },
    },
  );
  return review.status?.allowed === true;
}

/** `resource/name` → uid@resourceVersion: equal later means the same objects, none modified. */
export function identities(objects: ObjectSummary[]): Record<string, string> {
  return Object.fromEntries(objects.map((o) => [`${o.resource}/${o.name}`, `${o.uid}@${o.resourceVersion}`]));
}
