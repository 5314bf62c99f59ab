import type { V1PolicyRule } from '@kubernetes/client-node';

/**
 * THE list of what the agent does in its namespace. The reconciler manages exactly
 * `AGENT_PERMISSIONS.workspaceObjects.resources`, the credential store uses
 * `AGENT_PERMISSIONS.credential`, the `rbac` check asks a SelfSubjectAccessReview for every verb ×
 * resource here, and the outpost-provider chart's Role must grant `agentRoleRules()` — so the checks,
 * the code and the Role cannot drift apart.
 */
export const AGENT_PERMISSIONS = {
  /** A PersistentVolumeClaim, a Pod and a Service per workspace. */
  workspaceObjects: {
    apiGroup: '',
    resources: ['persistentvolumeclaims', 'pods', 'services'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'],
  },
  /** The Secret `outpost-agent-credential` holding the agent's credential. */
  credential: {
    apiGroup: '',
    resources: ['secrets'],
    verbs: ['get', 'create', 'update'],
  },
} as const;

/** A resource the reconciler creates per workspace. */
export type WorkspaceResource = (typeof AGENT_PERMISSIONS.workspaceObjects.resources)[number];

export const WORKSPACE_RESOURCES: readonly WorkspaceResource[] = AGENT_PERMISSIONS.workspaceObjects.resources;

/**
 * Cluster-scoped reads that only enrich the report (node count and capacity). Granting them is
 * optional: without them the agent reports nodeCount 0 and no capacity, and no check fails.
 */
export const OPTIONAL_CLUSTER_PERMISSIONS = [
  { apiGroup: '', resources: ['nodes'], verbs: ['list'] },
] as const;

/** Every (group, resource, verb) the `rbac` check verifies in the agent's namespace. */
export interface RequiredAccess {
  group: string;
  resource: string;
  verb: string;
}

export function requiredNamespaceAccess(): RequiredAccess[] {
  return Object.values(AGENT_PERMISSIONS).flatMap((rule) =>
    rule.resources.flatMap((resource) =>
      rule.verbs.map((verb) => ({ group: rule.apiGroup, resource, verb })),
    ),
  );
}

/** The rules of the outpost-provider Role (namespaced) that satisfy the `rbac` check. */
export function agentRoleRules(): V1PolicyRule[] {
  return Object.values(AGENT_PERMISSIONS).map((rule) => ({
    apiGroups: [rule.apiGroup],
    resources: [...rule.resources],
    verbs: [...rule.verbs],
  }));
}
