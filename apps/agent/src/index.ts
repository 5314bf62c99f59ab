/** @outpost/agent as a library: the server runs the built-in provider's agent in-process with startAgent. */
export { startAgent, type AgentSnapshot, type RunningAgent, type StartAgentOptions } from './agent.js';
export {
  AgentConfigError,
  agentOptionsFromEnvironment,
  graphqlWebSocketUrl,
  loadKubeConfig,
  resolveAgentSettings,
  toKubeConfig,
  type AgentOptions,
  type AgentSettings,
  type EnvironmentConfig,
  type RegistrationTokenSource,
} from './config.js';
export {
  CREDENTIAL_SECRET_KEY,
  CREDENTIAL_SECRET_NAME,
  KubernetesSecretCredentialStore,
  MemoryCredentialStore,
  type CredentialStore,
} from './credential-store.js';
export { RECONCILE_BACKOFF, RECONNECT_BACKOFF, type BackoffPolicy } from './backoff.js';
export { consoleLogger, silentLogger, type AgentLogger, type LogLevel } from './logger.js';
export { createKubernetesClients, type KubernetesClients } from './kubernetes/clients.js';
export {
  AGENT_ROLE_NAME,
  CHECK_NAMES,
  runClusterChecks,
  type CheckResult,
} from './kubernetes/cluster-checks.js';
export {
  AGENT_PERMISSIONS,
  agentRoleRules,
  OPTIONAL_CLUSTER_PERMISSIONS,
  requiredNamespaceAccess,
  WORKSPACE_RESOURCES,
} from './kubernetes/permissions.js';
export {
  WorkspaceReconciler,
  type ReconcilePassResult,
  type WorkspaceObservation,
  type WorkspacePhase,
} from './kubernetes/reconciler.js';
export {
  DEFAULT_WORKSPACE_TEMPLATE,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  WORKSPACE_ID_LABEL,
  workspaceObjectName,
  type DesiredWorkspace,
  type WorkspaceTemplate,
} from './kubernetes/workspace-objects.js';
export {
  AGENT_INPUT_LIMITS,
  fitStatusReport,
  isValidMessage,
  isValidVersion,
  REQUIRED_CHECK_NAMES,
  WORKSPACE_PHASES,
} from './server/input-limits.js';
export { AGENT_PROTOCOL_VERSION, AGENT_VERSION } from './version.js';
