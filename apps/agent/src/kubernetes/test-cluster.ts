import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startKubeCluster, type KubeCluster, type PolicyRule } from '@outpost/kube-testenv';
import { createKubernetesClients, type KubernetesClients } from './clients.js';
import { agentRoleRules } from './permissions.js';

/**
 * Test helpers over a real kube-apiserver (@outpost/kube-testenv): the agent's clients for a
 * ServiceAccount bound to a Role, and an admin client to arrange and inspect the cluster.
 */

export { startKubeCluster, type KubeCluster };

/** The outpost-provider Role's rules (AGENT_PERMISSIONS), optionally without some verb × resource. */
export function roleRules(options: { without?: { verb: string; resource: string } } = {}): PolicyRule[] {
  const rules: PolicyRule[] = agentRoleRules().map((rule) => ({
    apiGroups: rule.apiGroups ?? [''],
    resources: rule.resources ?? [],
    verbs: rule.verbs,
  }));
  const without = options.without;
  if (!without) return rules;
  return rules.flatMap((rule) => {
    if (!rule.resources?.includes(without.resource) || !rule.verbs.includes(without.verb)) return [rule];
    const others = rule.resources.filter((resource) => resource !== without.resource);
    return [
      ...(others.length ? [{ ...rule, resources: others }] : []),
      { ...rule, resources: [without.resource], verbs: rule.verbs.filter((verb) => verb !== without.verb) },
    ];
  });
}

/** The clients the agent would build for a ServiceAccount with `rules` in `namespace`. */
export async function agentClients(
  cluster: KubeCluster,
  namespace: string,
  rules: PolicyRule[] = roleRules(),
  serviceAccount = 'outpost-agent',
): Promise<KubernetesClients> {
  const yaml = await cluster.serviceAccountKubeconfig({
    namespace,
    serviceAccount,
    rules,
    roleName: 'outpost-provider',
  });
  const kc = new KubeConfig();
  kc.loadFromString(yaml);
  return createKubernetesClients(kc, { requestTimeoutMs: 5_000 });
}

export function adminCore(cluster: KubeCluster): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromString(cluster.adminKubeconfig);
  return kc.makeApiClient(CoreV1Api);
}
