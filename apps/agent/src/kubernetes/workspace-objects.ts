import type {
  V1ObjectMeta,
  V1PersistentVolumeClaim,
  V1Pod,
  V1ResourceRequirements,
  V1Service,
  V1Toleration,
} from '@kubernetes/client-node';

/**
 * The Kubernetes objects of one workspace — a PersistentVolumeClaim for its home directory, a Pod and a
 * Service — as pure builders: no API calls here (reconciler.ts applies them).
 */

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'outpost';
export const WORKSPACE_ID_LABEL = 'outpost.dev/workspace-id';
/** Selects every object the agent manages (and may delete as a stray). */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

export const WORKSPACE_NAME_ANNOTATION = 'outpost.dev/workspace-name';
export const ORGANIZATION_ANNOTATION = 'outpost.dev/organization';

export type WorkspaceDesiredState = 'RUNNING' | 'STOPPED' | 'DELETED';

/** One entry of `agentWorkspaces`: what the server wants for a workspace. */
export interface DesiredWorkspace {
  id: string;
  name: string;
  organizationSlug: string;
  desiredState: WorkspaceDesiredState;
}

/** How workspace pods and claims are built (OUTPOST_WORKSPACE_* in config.ts). */
export interface WorkspaceTemplate {
  image: string;
  /** Size requested by each workspace's PersistentVolumeClaim, e.g. `10Gi`. */
  storageSize: string;
  /** null: the cluster's default StorageClass. */
  storageClassName: string | null;
  /** The port the workspace serves on, exposed by its Service. */
  port: number;
  /** The workspace pod's nodeSelector; empty: any node. */
  nodeSelector: Record<string, string>;
  /** The workspace pod's tolerations. */
  tolerations: V1Toleration[];
  /** The workspace container's requests and limits; empty: none. */
  resources: V1ResourceRequirements;
}

export const DEFAULT_WORKSPACE_TEMPLATE: WorkspaceTemplate = {
  image: 'codercom/enterprise-base:ubuntu',
  storageSize: '10Gi',
  storageClassName: null,
  port: 8080,
  nodeSelector: {},
  tolerations: [],
  resources: {},
};

const HOME_VOLUME = 'home';
const HOME_PATH = '/home/coder';
const DNS_LABEL_MAX = 63;

/**
 * `ws-<first 8 of id>-<name>`, made a valid DNS-1035 label (lowercase alphanumerics and "-", starts
 * with a letter, at most 63 characters) — valid for a Pod, a Service and a PersistentVolumeClaim. The id
 * prefix keeps names unique per workspace even when names repeat across organizations.
 */
export function workspaceObjectName(workspace: Pick<DesiredWorkspace, 'id' | 'name'>): string {
  const clean = (value: string) =>
    value
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/-+/g, '-')
      .replace(/^-|-$/g, '');
  const idPrefix = clean(workspace.id).replace(/-/g, '').slice(0, 8);
  const name = clean(workspace.name);
  const full = ['ws', idPrefix, name].filter(Boolean).join('-');
  return full.slice(0, DNS_LABEL_MAX).replace(/-+$/, '');
}

/** The labels every object of the workspace carries; the first two are what the agent selects on. */
export function workspaceLabels(workspace: Pick<DesiredWorkspace, 'id'>): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [WORKSPACE_ID_LABEL]: workspace.id,
    'app.kubernetes.io/name': 'outpost-workspace',
  };
}

/** Which pod a workspace's Service routes to. */
export function workspaceSelector(workspace: Pick<DesiredWorkspace, 'id'>): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [WORKSPACE_ID_LABEL]: workspace.id };
}

function metadata(workspace: DesiredWorkspace, namespace: string, component: string): V1ObjectMeta {
  return {
    name: workspaceObjectName(workspace),
    namespace,
    labels: { ...workspaceLabels(workspace), 'app.kubernetes.io/component': component },
    annotations: {
      [WORKSPACE_NAME_ANNOTATION]: workspace.name,
      [ORGANIZATION_ANNOTATION]: workspace.organizationSlug,
    },
  };
}

export function buildPersistentVolumeClaim(
  workspace: DesiredWorkspace,
  namespace: string,
  template: WorkspaceTemplate,
): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: metadata(workspace, namespace, 'home'),
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: template.storageSize } },
      ...(template.storageClassName ? { storageClassName: template.storageClassName } : {}),
    },
  };
}

/** `claimName`: the workspace's existing claim when it has one under another name (it was renamed). */
export function buildPod(
  workspace: DesiredWorkspace,
  namespace: string,
  template: WorkspaceTemplate,
  claimName: string = workspaceObjectName(workspace),
): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadata(workspace, namespace, 'workspace'),
    spec: {
      restartPolicy: 'Always',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      hostname: workspaceObjectName(workspace),
      securityContext: { fsGroup: 1000 },
      ...(Object.keys(template.nodeSelector).length > 0 ? { nodeSelector: template.nodeSelector } : {}),
      ...(template.tolerations.length > 0 ? { tolerations: template.tolerations } : {}),
      containers: [
        {
          name: 'workspace',
          image: template.image,
          command: ['sleep', 'infinity'],
          ports: [{ name: 'http', containerPort: template.port, protocol: 'TCP' }],
          env: [
            { name: 'OUTPOST_WORKSPACE_ID', value: workspace.id },
            { name: 'OUTPOST_WORKSPACE_NAME', value: workspace.name },
            { name: 'OUTPOST_ORGANIZATION', value: workspace.organizationSlug },
          ],
          volumeMounts: [{ name: HOME_VOLUME, mountPath: HOME_PATH }],
          ...(template.resources.requests || template.resources.limits
            ? { resources: template.resources }
            : {}),
        },
      ],
      volumes: [{ name: HOME_VOLUME, persistentVolumeClaim: { claimName } }],
    },
  };
}

export function buildService(
  workspace: DesiredWorkspace,
  namespace: string,
  template: WorkspaceTemplate,
): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(workspace, namespace, 'workspace'),
    spec: {
      type: 'ClusterIP',
      selector: workspaceSelector(workspace),
      ports: [{ name: 'http', port: template.port, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}
