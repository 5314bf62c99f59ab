import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { CredentialStore } from './credential-store.js';
import { LOG_LEVELS, type AgentLogger, type LogLevel } from './logger.js';
import type { V1ResourceRequirements, V1Toleration } from '@kubernetes/client-node';
import { DEFAULT_WORKSPACE_TEMPLATE, type WorkspaceTemplate } from './kubernetes/workspace-objects.js';

/**
 * Everything the agent is configured with, in one place: the options `startAgent` takes, their
 * validation, and how the process entry (main.ts) reads them from its environment and mounted files.
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `OUTPOST_SERVER_URL` | the Outpost server, `https://…` or `wss://…` (`/graphql` is added when no path is given) | required |
 * | `OUTPOST_REGISTRATION_TOKEN` / `OUTPOST_REGISTRATION_TOKEN_FILE` | one-time `oprg_` token (value, or a mounted file re-read when needed) | needed until a credential is stored |
 * | `OUTPOST_NAMESPACE` | namespace for workspaces and the credential Secret | the pod's own namespace in a cluster |
 * | `OUTPOST_HEARTBEAT_INTERVAL` | seconds between heartbeats (the server's AgentAck wins) | 5 |
 * | `OUTPOST_RESYNC_INTERVAL` | seconds between full workspace reconciles | 30 |
 * | `OUTPOST_CHECK_INTERVAL` | seconds between cluster checks + status reports | 30 |
 * | `OUTPOST_CHART_VERSION` | the outpost-provider chart version, reported to the server | none |
 * | `OUTPOST_WORKSPACE_IMAGE` | container image of workspace pods | `DEFAULT_WORKSPACE_TEMPLATE.image` |
 * | `OUTPOST_WORKSPACE_STORAGE_SIZE` | size of each workspace's PersistentVolumeClaim | `10Gi` |
 * | `OUTPOST_WORKSPACE_STORAGE_CLASS` | StorageClass of those claims | the cluster default |
 * | `OUTPOST_WORKSPACE_NODE_SELECTOR` | workspace pods' nodeSelector, a JSON object of strings | none |
 * | `OUTPOST_WORKSPACE_TOLERATIONS` | workspace pods' tolerations, a JSON array | none |
 * | `OUTPOST_WORKSPACE_RESOURCES` | workspace containers' resources, JSON `{"requests": …, "limits": …}` | none |
 * | `OUTPOST_HEALTH_FILE` | file whose time is set on every server acknowledgement (for probes) | none |
 * | `OUTPOST_LOG_LEVEL` | `debug`, `info`, `warn`, `error` or `silent` | `info` |
 * | `KUBECONFIG` | kubeconfig file(s) when running outside a cluster | `~/.kube/config` |
 */

export const DEFAULT_HEARTBEAT_INTERVAL_SECONDS = 5;
export const DEFAULT_RESYNC_INTERVAL_SECONDS = 30;
export const DEFAULT_CHECK_INTERVAL_SECONDS = 30;
export const DEFAULT_KUBERNETES_REQUEST_TIMEOUT_MS = 10_000;

/** Where Kubernetes mounts the pod's own namespace. */
export const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** A configuration the agent cannot start with; `problems` lists every one found, each saying how to fix it. */
export class AgentConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? `Agent configuration: ${problems[0]}`
        : `Agent configuration has ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'AgentConfigError';
  }
}

/** The registration token itself, or a function that reads it when needed (e.g. from a mounted Secret). */
export type RegistrationTokenSource = string | (() => string | undefined | Promise<string | undefined>);

/** What `startAgent` is given. Only `serverUrl` and `namespace` are required. */
export interface AgentOptions {
  /** The Outpost server: `https://host`, `http://127.0.0.1:4000`, or a full `wss://host/graphql`. */
  serverUrl: string;
  /** The namespace the agent owns: workspace objects and its credential Secret live here. */
  namespace: string;
  /** A KubeConfig, or kubeconfig YAML. Default: in-cluster config inside a pod, else KUBECONFIG/~/.kube/config. */
  kubeConfig?: KubeConfig | string;
  /** One-time `oprg_` token, exchanged for a credential on first contact. */
  registrationToken?: RegistrationTokenSource;
  /** An `opag_` credential to use as is (skips registration and the credential store's stored one). */
  credential?: string;
  /** Where the credential is kept across restarts. Default: the Secret `outpost-agent-credential`. */
  credentialStore?: CredentialStore;
  heartbeatIntervalSeconds?: number;
  resyncIntervalSeconds?: number;
  checkIntervalSeconds?: number;
  /** The outpost-provider chart version that deployed the agent, when it did. */
  chartVersion?: string;
  /** How workspace pods and claims are built. */
  workspaceTemplate?: Partial<WorkspaceTemplate>;
  logger?: AgentLogger;
  /** Every Kubernetes API request is abandoned after this long. */
  kubernetesRequestTimeoutMs?: number;
  /** A file the agent writes the current ISO time to whenever the server acknowledges it (for probes). */
  healthFile?: string;
}

/** Options after validation, with defaults filled in. */
export interface AgentSettings {
  /** The graphql-ws endpoint, `ws(s)://…/graphql`. */
  graphqlUrl: string;
  namespace: string;
  heartbeatIntervalSeconds: number;
  resyncIntervalSeconds: number;
  checkIntervalSeconds: number;
  chartVersion: string | null;
  workspaceTemplate: WorkspaceTemplate;
  kubernetesRequestTimeoutMs: number;
  /** null: no health file. */
  healthFile: string | null;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

/** Validates `startAgent`'s options; throws AgentConfigError naming every problem. */
export function resolveAgentSettings(options: AgentOptions): AgentSettings {
  const problems: string[] = [];
  let graphqlUrl = '';
  try {
    graphqlUrl = graphqlWebSocketUrl(options.serverUrl);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (!DNS_LABEL.test(options.namespace ?? '')) {
    problems.push(
      `namespace must be a Kubernetes namespace name (lowercase letters, digits and "-", at most 63), got "${options.namespace ?? ''}".`,
    );
  }
  const interval = (name: string, value: number | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    if (!Number.isFinite(value) || value <= 0)
      problems.push(`${name} must be a positive number of seconds, got ${value}.`);
    return value;
  };
  const template: WorkspaceTemplate = { ...DEFAULT_WORKSPACE_TEMPLATE, ...options.workspaceTemplate };
  if (!template.image.trim()) problems.push('workspaceTemplate.image must name a container image.');
  if (!QUANTITY.test(template.storageSize)) {
    problems.push(
      `workspaceTemplate.storageSize must be a Kubernetes quantity such as 10Gi, got "${template.storageSize}".`,
    );
  }
  const settings: AgentSettings = {
    graphqlUrl,
    namespace: options.namespace,
    heartbeatIntervalSeconds: interval(
      'heartbeatIntervalSeconds',
      options.heartbeatIntervalSeconds,
      DEFAULT_HEARTBEAT_INTERVAL_SECONDS,
    ),
    resyncIntervalSeconds: interval(
      'resyncIntervalSeconds',
      options.resyncIntervalSeconds,
      DEFAULT_RESYNC_INTERVAL_SECONDS,
    ),
    checkIntervalSeconds: interval(
      'checkIntervalSeconds',
      options.checkIntervalSeconds,
      DEFAULT_CHECK_INTERVAL_SECONDS,
    ),
    chartVersion: options.chartVersion?.trim() || null,
    workspaceTemplate: template,
    kubernetesRequestTimeoutMs: options.kubernetesRequestTimeoutMs ?? DEFAULT_KUBERNETES_REQUEST_TIMEOUT_MS,
    healthFile: options.healthFile?.trim() || null,
  };
  if (problems.length > 0) throw new AgentConfigError(problems);
  return settings;
}

/**
 * The graphql-ws URL for a server URL: http → ws, https → wss, and `/graphql` when the URL has no path.
 * Throws with a message naming OUTPOST_SERVER_URL when it is not such a URL.
 */
export function graphqlWebSocketUrl(serverUrl: string): string {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new Error(
      `OUTPOST_SERVER_URL must be the Outpost server's URL (https://outpost.example.com), got "${serverUrl ?? ''}".`,
    );
  }
  const protocols: Record<string, string> = {
    'http:': 'ws:',
    'https:': 'wss:',
    'ws:': 'ws:',
    'wss:': 'wss:',
  };
  const protocol = protocols[url.protocol];
  if (!protocol) {
    throw new Error(
      `OUTPOST_SERVER_URL must start with https://, http://, wss:// or ws://, got "${serverUrl}".`,
    );
  }
  url.protocol = protocol;
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/graphql';
  url.hash = '';
  return url.toString();
}

/** What main.ts runs with: the options for startAgent (minus the KubeConfig) and the log level. */
export interface EnvironmentConfig {
  options: Omit<AgentOptions, 'kubeConfig' | 'logger'>;
  logLevel: LogLevel;
}

/**
 * Reads the agent's configuration from environment variables and mounted files (table above). Throws
 * AgentConfigError listing every problem at once, so a misconfigured pod says everything in one log.
 */
export function agentOptionsFromEnvironment(env: NodeJS.ProcessEnv = process.env): EnvironmentConfig {
  const problems: string[] = [];
  const text = (name: string) => env[name]?.trim() || undefined;

  const serverUrl = text('OUTPOST_SERVER_URL');
  if (!serverUrl)
    problems.push('OUTPOST_SERVER_URL is not set: set it to the Outpost server URL (https://…).');
  else {
    try {
      graphqlWebSocketUrl(serverUrl);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }

  const inCluster = !!env.KUBERNETES_SERVICE_HOST;
  let namespace = text('OUTPOST_NAMESPACE');
  if (!namespace && inCluster && existsSync(SERVICE_ACCOUNT_NAMESPACE_FILE)) {
    namespace = readFileSync(SERVICE_ACCOUNT_NAMESPACE_FILE, 'utf8').trim() || undefined;
  }
  if (!namespace) {
    problems.push('OUTPOST_NAMESPACE is not set: set it to the namespace the agent deploys workspaces into.');
  } else if (!DNS_LABEL.test(namespace)) {
    problems.push(`OUTPOST_NAMESPACE must be a Kubernetes namespace name, got "${namespace}".`);
  }

  const seconds = (name: string, fallback: number): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) {
      problems.push(`${name} must be a positive number of seconds, got "${raw}".`);
      return fallback;
    }
    return value;
  };

  const tokenValue = text('OUTPOST_REGISTRATION_TOKEN');
  const tokenFile = text('OUTPOST_REGISTRATION_TOKEN_FILE');
  let registrationToken: RegistrationTokenSource | undefined;
  if (tokenValue && tokenFile) {
    problems.push('Set only one of OUTPOST_REGISTRATION_TOKEN and OUTPOST_REGISTRATION_TOKEN_FILE.');
  } else if (tokenValue) {
    registrationToken = tokenValue;
  } else if (tokenFile) {
    registrationToken = () => readRegistrationTokenFile(tokenFile);
  }

  const storageSize = text('OUTPOST_WORKSPACE_STORAGE_SIZE') ?? DEFAULT_WORKSPACE_TEMPLATE.storageSize;
  if (!QUANTITY.test(storageSize)) {
    problems.push(
      `OUTPOST_WORKSPACE_STORAGE_SIZE must be a Kubernetes quantity such as 10Gi, got "${storageSize}".`,
    );
  }
  const json = <T>(name: string, valid: (value: unknown) => boolean, expected: string): T | undefined => {
    const raw = text(name);
    if (raw === undefined) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      problems.push(`${name} must be ${expected} in JSON, got "${raw}".`);
      return undefined;
    }
    if (!valid(value)) {
      problems.push(`${name} must be ${expected} in JSON, got ${raw}.`);
      return undefined;
    }
    return value as T;
  };
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  const nodeSelector = json<Record<string, string>>(
    'OUTPOST_WORKSPACE_NODE_SELECTOR',
    (value) => isObject(value) && Object.values(value).every((v) => typeof v === 'string'),
    'an object of strings',
  );
  const tolerations = json<V1Toleration[]>(
    'OUTPOST_WORKSPACE_TOLERATIONS',
    (value) => Array.isArray(value) && value.every(isObject),
    'an array of tolerations',
  );
  const resources = json<V1ResourceRequirements>(
    'OUTPOST_WORKSPACE_RESOURCES',
    (value) =>
      isObject(value) &&
      Object.keys(value).every((key) => key === 'requests' || key === 'limits') &&
      Object.values(value).every(isObject),
    'an object {"requests": {…}, "limits": {…}}',
  );

  const logLevel = (text('OUTPOST_LOG_LEVEL')?.toLowerCase() ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(
      `OUTPOST_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.OUTPOST_LOG_LEVEL}".`,
    );
  }

  const options: EnvironmentConfig['options'] = {
    serverUrl: serverUrl ?? '',
    namespace: namespace ?? '',
    registrationToken,
    heartbeatIntervalSeconds: seconds('OUTPOST_HEARTBEAT_INTERVAL', DEFAULT_HEARTBEAT_INTERVAL_SECONDS),
    resyncIntervalSeconds: seconds('OUTPOST_RESYNC_INTERVAL', DEFAULT_RESYNC_INTERVAL_SECONDS),
    checkIntervalSeconds: seconds('OUTPOST_CHECK_INTERVAL', DEFAULT_CHECK_INTERVAL_SECONDS),
    chartVersion: text('OUTPOST_CHART_VERSION'),
    workspaceTemplate: {
      image: text('OUTPOST_WORKSPACE_IMAGE') ?? DEFAULT_WORKSPACE_TEMPLATE.image,
      storageSize,
      storageClassName: text('OUTPOST_WORKSPACE_STORAGE_CLASS') ?? null,
      nodeSelector: nodeSelector ?? DEFAULT_WORKSPACE_TEMPLATE.nodeSelector,
      tolerations: tolerations ?? DEFAULT_WORKSPACE_TEMPLATE.tolerations,
      resources: resources ?? DEFAULT_WORKSPACE_TEMPLATE.resources,
    },
    healthFile: text('OUTPOST_HEALTH_FILE'),
  };
  if (problems.length > 0) throw new AgentConfigError(problems);
  return { options, logLevel };
}

/** Reads a mounted registration token; a missing or empty file means "no token". */
function readRegistrationTokenFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new Error(`OUTPOST_REGISTRATION_TOKEN_FILE (${file}) cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * The KubeConfig for the agent's cluster: the pod's service account when running inside Kubernetes
 * (KUBERNETES_SERVICE_HOST is set), otherwise KUBECONFIG or ~/.kube/config.
 */
export function loadKubeConfig(env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  if (env.KUBERNETES_SERVICE_HOST) {
    try {
      kc.loadFromCluster();
    } catch (error) {
      throw new AgentConfigError([
        `cannot load the in-cluster Kubernetes configuration: ${(error as Error).message}`,
      ]);
    }
    return kc;
  }
  const files = (env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
  const defaultFile = path.join(env.HOME || os.homedir(), '.kube', 'config');
  if (files.length === 0 && !existsSync(defaultFile)) {
    throw new AgentConfigError([
      `no Kubernetes configuration: set KUBECONFIG to a kubeconfig file (there is no ${defaultFile}), or run the agent inside a cluster.`,
    ]);
  }
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length > 0 && missing.length === files.length) {
    throw new AgentConfigError([`KUBECONFIG names ${missing.join(', ')}, which does not exist.`]);
  }
  try {
    const [first = defaultFile, ...rest] = files.filter((file) => existsSync(file));
    kc.loadFromFile(first);
    for (const file of rest) {
      const other = new KubeConfig();
      other.loadFromFile(file);
      kc.mergeConfig(other, true);
    }
  } catch (error) {
    throw new AgentConfigError([
      `cannot load the kubeconfig (${files.join(path.delimiter) || defaultFile}): ${(error as Error).message}`,
    ]);
  }
  return checkedKubeConfig(kc, files.join(path.delimiter) || defaultFile);
}

/** A library caller's KubeConfig, or kubeconfig YAML parsed into one. */
export function toKubeConfig(input: KubeConfig | string): KubeConfig {
  if (typeof input !== 'string') return checkedKubeConfig(input, 'the KubeConfig given');
  const kc = new KubeConfig();
  try {
    kc.loadFromString(input);
  } catch (error) {
    throw new AgentConfigError([`the kubeconfig YAML given cannot be parsed: ${(error as Error).message}`]);
  }
  return checkedKubeConfig(kc, 'the kubeconfig YAML given');
}

function checkedKubeConfig(kc: KubeConfig, source: string): KubeConfig {
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw new AgentConfigError([
      `${source} selects no cluster: set its current-context to a context whose cluster has a server URL.`,
    ]);
  }
  return kc;
}
