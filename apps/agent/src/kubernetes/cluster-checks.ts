import type { KubernetesClients } from './clients.js';
import {
  describeFailedRequest,
  describeKubernetesError,
  isConflict,
  isNotFound,
  unreachableMessage,
} from './errors.js';
import { requiredNamespaceAccess, type RequiredAccess } from './permissions.js';

/**
 * The checks of PROTOCOL.md "Checks" that look at the cluster: `kubernetes-api`, `namespace` and
 * `rbac`. (`server-version` needs the server and lives in agent.ts.) Each result's message is what an
 * admin reads on the provider page, so a failure says what to do.
 */

export interface CheckResult {
  name: string;
  passed: boolean;
  message: string;
}

export const CHECK_NAMES = {
  kubernetesApi: 'kubernetes-api',
  namespace: 'namespace',
  rbac: 'rbac',
  serverVersion: 'server-version',
} as const;

export interface ClusterCheckReport {
  checks: CheckResult[];
  /** `gitVersion` from /version, when the API answered. */
  kubernetesVersion: string | null;
}

/** The Role the chart installs; named in messages so admins know what to grant. */
export const AGENT_ROLE_NAME = 'outpost-provider';

export async function runClusterChecks(
  clients: KubernetesClients,
  namespace: string,
): Promise<ClusterCheckReport> {
  const api = await checkKubernetesApi(clients);
  if (!api.check.passed) {
    const skipped = (name: string): CheckResult => ({
      name,
      passed: false,
      message: `not checked: the Kubernetes API at ${clients.apiServerUrl} did not answer`,
    });
    return {
      checks: [api.check, skipped(CHECK_NAMES.namespace), skipped(CHECK_NAMES.rbac)],
      kubernetesVersion: null,
    };
  }
  const [namespaceCheck, rbacCheck] = await Promise.all([
    checkNamespace(clients, namespace),
    checkRbac(clients, namespace),
  ]);
  return { checks: [api.check, namespaceCheck, rbacCheck], kubernetesVersion: api.version };
}

/** `kubernetes-api`: the cluster's API answers /version. */
export async function checkKubernetesApi(
  clients: KubernetesClients,
): Promise<{ check: CheckResult; version: string | null }> {
  const name = CHECK_NAMES.kubernetesApi;
  try {
    const info = await clients.version.getCode();
    return {
      check: {
        name,
        passed: true,
        message: `Kubernetes ${info.gitVersion} answers at ${clients.apiServerUrl}.`,
      },
      version: info.gitVersion,
    };
  } catch (error) {
    const failure = describeKubernetesError(error);
    let message: string;
    if (failure.kind === 'unreachable') message = unreachableMessage(clients.apiServerUrl, failure);
    else if (failure.kind === 'unauthorized') {
      message = `the Kubernetes API at ${clients.apiServerUrl} rejected the agent's credentials (401): check its service account token or kubeconfig user`;
    } else {
      message = `the Kubernetes API at ${clients.apiServerUrl} answered /version with an error${failure.status ? ` (HTTP ${failure.status})` : ''}: ${failure.reason}`;
    }
    return { check: { name, passed: false, message }, version: null };
  }
}

/**
 * `namespace`: the configured namespace exists. Reads the Namespace object; an agent whose Role does
 * not allow that (it needs no such permission) is answered by a server-side dry-run create of a
 * Secret in the namespace instead, which Kubernetes refuses with NotFound when the namespace is missing.
 */
export async function checkNamespace(clients: KubernetesClients, namespace: string): Promise<CheckResult> {
  const name = CHECK_NAMES.namespace;
  const missing: CheckResult = {
    name,
    passed: false,
    message: `namespace ${namespace} does not exist: create it (kubectl create namespace ${namespace}) or point the agent at an existing one (OUTPOST_NAMESPACE)`,
  };
  const exists: CheckResult = { name, passed: true, message: `namespace ${namespace} exists.` };
  try {
    const found = await clients.core.readNamespace({ name: namespace });
    if (found.status?.phase === 'Terminating') {
      return {
        name,
        passed: false,
        message: `namespace ${namespace} is being deleted: recreate it once it is gone, or point the agent at another namespace`,
      };
    }
    return exists;
  } catch (error) {
    if (isNotFound(error)) return missing;
    const failure = describeKubernetesError(error);
    if (failure.kind !== 'forbidden') {
      return {
        name,
        passed: false,
        message: describeFailedRequest(error, `read namespace ${namespace}`, context(clients, namespace))
          .message,
      };
    }
  }
  try {
    await clients.core.createNamespacedSecret({
      namespace,
      dryRun: 'All',
      body: { metadata: { name: 'outpost-namespace-probe', namespace }, type: 'Opaque' },
    });
    return exists;
  } catch (error) {
    if (isConflict(error)) return exists;
    if (isNotFound(error)) return missing;
    return {
      name,
      passed: false,
      message: `cannot tell whether namespace ${namespace} exists: ${describeFailedRequest(error, 'create secrets', context(clients, namespace)).message}`,
    };
  }
}

/** `rbac`: a SelfSubjectAccessReview allows every verb × resource of AGENT_PERMISSIONS in the namespace. */
export async function checkRbac(clients: KubernetesClients, namespace: string): Promise<CheckResult> {
  const name = CHECK_NAMES.rbac;
  const required = requiredNamespaceAccess();
  let results: Array<{ access: RequiredAccess; allowed: boolean }>;
  try {
    results = await Promise.all(
      required.map(async (access) => {
        const review = await clients.authorization.createSelfSubjectAccessReview({
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: {
              resourceAttributes: {
                namespace,
                group: access.group,
                resource: access.resource,
                verb: access.verb,
              },
            },
          },
        });
        return { access, allowed: review.status?.allowed === true };
      }),
    );
  } catch (error) {
    const detail = describeFailedRequest(
      error,
      'create selfsubjectaccessreviews',
      context(clients, namespace),
    ).message;
    return { name, passed: false, message: `could not check the agent's permissions: ${detail}` };
  }
  const denied = results.filter((result) => !result.allowed).map((result) => result.access);
  if (denied.length === 0) {
    return {
      name,
      passed: true,
      message: `the agent may do all it needs in namespace ${namespace} (${required.length} verb × resource pairs allowed).`,
    };
  }
  return {
    name,
    passed: false,
    message: `cannot ${summarize(denied)} in namespace ${namespace}: grant the ${AGENT_ROLE_NAME} Role (it lists every verb the agent needs) to the agent's service account`,
  };
}

/** "create pods, persistentvolumeclaims; delete services" — grouped by verb, in the constant's order. */
function summarize(accesses: RequiredAccess[]): string {
  const byVerb = new Map<string, string[]>();
  for (const access of accesses)
    byVerb.set(access.verb, [...(byVerb.get(access.verb) ?? []), access.resource]);
  return [...byVerb].map(([verb, resources]) => `${verb} ${resources.join(', ')}`).join('; ');
}

function context(clients: KubernetesClients, namespace: string) {
  return { namespace, apiServerUrl: clients.apiServerUrl };
}
