import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentRoleRules } from '@outpost/agent';
import type { KubeCluster, PolicyRule } from '@outpost/kube-testenv';
import { inheritedEnvironment, TestProcess, type Exit } from './process.js';

/**
 * The provider agent as its own process (`node apps/agent/dist/main.js`, what the outpost-provider
 * chart runs), configured by environment variables, against a real kube-apiserver with the
 * credentials of a ServiceAccount bound to the outpost-provider Role.
 */

const AGENT_MAIN = fileURLToPath(new URL('../../apps/agent/dist/main.js', import.meta.url));

/** The Role the chart installs, and the ServiceAccount the agent runs as. */
export const AGENT_ROLE = 'outpost-provider';
export const AGENT_SERVICE_ACCOUNT = 'outpost-agent';

/** The outpost-provider Role's rules (`agentRoleRules()`), optionally without one verb on one resource. */
export function agentRules(without?: { verb: string; resource: string }): PolicyRule[] {
  const rules: PolicyRule[] = agentRoleRules().map((rule) => ({
    apiGroups: rule.apiGroups ?? [''],
    resources: rule.resources ?? [],
    verbs: rule.verbs,
  }));
  if (!without) return rules;
  return rules.flatMap((rule) => {
    if (!rule.resources?.includes(without.resource)) return [rule];
    const others = rule.resources.filter((resource) => resource !== without.resource);
    return [
      ...(others.length > 0 ? [{ ...rule, resources: others }] : []),
      { ...rule, resources: [without.resource], verbs: rule.verbs.filter((verb) => verb !== without.verb) },
    ];
  });
}

export interface AgentProcessOptions {
  /** Names the process in failure output. */
  label: string;
  /** The server's URL (OUTPOST_SERVER_URL). */
  serverUrl: string;
  cluster: KubeCluster;
  namespace: string;
  /** OUTPOST_REGISTRATION_TOKEN; an agent with a stored credential does not need it. */
  registrationToken?: string;
  /** The Role's rules. Default: all the agent needs (agentRules()). */
  rules?: PolicyRule[];
  heartbeatIntervalSeconds?: number;
  checkIntervalSeconds?: number;
  resyncIntervalSeconds?: number;
  /**
   * Reach the Kubernetes API here instead of `cluster.server` (a fault-injecting proxy in front of it):
   * the kubeconfig keeps the ServiceAccount's token but names this server and trusts this CA.
   */
  apiServer?: { server: string; caCertPem: string };
}

export interface AgentProcess {
  process: TestProcess;
  namespace: string;
  output(): string;
  waitForLog(pattern: RegExp, options?: { timeoutMs?: number; from?: number }): Promise<RegExpExecArray>;
  /** SIGTERM; the agent must stop cleanly with exit code 0. */
  stop(): Promise<Exit>;
  /** SIGKILL: as when its node dies; no goodbye to the server. */
  kill(): Promise<Exit>;
}

/** Agents started by a test file; `stopAgents()` in afterAll stops whatever a failed test left running. */
const started = new Set<AgentProcess>();

/**
 * Creates the ServiceAccount with the outpost-provider Role in `namespace` (the namespace too) and
 * starts an agent process with that account's kubeconfig; resolves once the process is running.
 */
export async function startAgentProcess(options: AgentProcessOptions): Promise<AgentProcess> {
  let kubeconfig = await options.cluster.serviceAccountKubeconfig({
    namespace: options.namespace,
    serviceAccount: AGENT_SERVICE_ACCOUNT,
    roleName: AGENT_ROLE,
    rules: options.rules ?? agentRules(),
  });
  if (options.apiServer) {
    kubeconfig = kubeconfig
      .replace(/^(\s+server: ).*$/m, `$1${JSON.stringify(options.apiServer.server)}`)
      .replace(
        /^(\s+certificate-authority-data: ).*$/m,
        `$1${Buffer.from(options.apiServer.caCertPem).toString('base64')}`,
      );
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-agent-'));
  const kubeconfigFile = await options.cluster.writeKubeconfig(path.join(dir, 'kubeconfig'), kubeconfig);
  const env: Record<string, string> = {
    ...inheritedEnvironment(),
    KUBECONFIG: kubeconfigFile,
    OUTPOST_SERVER_URL: options.serverUrl,
    OUTPOST_NAMESPACE: options.namespace,
    OUTPOST_HEARTBEAT_INTERVAL: String(options.heartbeatIntervalSeconds ?? 1),
    OUTPOST_CHECK_INTERVAL: String(options.checkIntervalSeconds ?? 1),
    OUTPOST_RESYNC_INTERVAL: String(options.resyncIntervalSeconds ?? 30),
    OUTPOST_LOG_LEVEL: 'info',
  };
  if (options.registrationToken) env.OUTPOST_REGISTRATION_TOKEN = options.registrationToken;
  const child = new TestProcess(`agent ${options.label}`, process.execPath, [AGENT_MAIN], env);
  void child.exited.then(() => rmSync(dir, { recursive: true, force: true }));
  const agent: AgentProcess = {
    process: child,
    namespace: options.namespace,
    output: () => child.output(),
    waitForLog: (pattern, waitOptions) => child.waitForOutput(pattern, waitOptions),
    stop: async () => {
      started.delete(agent);
      return child.stop();
    },
    kill: async () => {
      started.delete(agent);
      return child.kill();
    },
  };
  started.add(agent);
  return agent;
}

/** Stops every agent still running (SIGKILL: a test that failed may have left one in any state). */
export async function stopAgents(): Promise<void> {
  await Promise.all([...started].map((agent) => agent.kill()));
}
