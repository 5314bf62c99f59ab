import { CHECK_NAMES, type CheckResult } from '../kubernetes/cluster-checks.js';
import type { NodeSummary } from '../kubernetes/node-summary.js';
import type { WorkspaceObservation, WorkspacePhase } from '../kubernetes/reconciler.js';
import type { AgentStatusInput } from './operations.js';

/**
 * What the server accepts from an agent (PROTOCOL.md "Input limits"). The server treats agent input as
 * untrusted — a compromised cluster controls its agent — and refuses anything outside these limits with
 * BAD_USER_INPUT (apps/server/src/agents/agent-input.ts enforces them, from these constants). The agent
 * fits what it observed into them before sending (the fit* functions below), so a real cluster — with no
 * nodes, thousands of nodes, long Kubernetes error messages, an odd version string — never has its report
 * refused. The limits are far above what real clusters produce.
 */
export const AGENT_INPUT_LIMITS = {
  /** agentVersion, kubernetesVersion, chartVersion: characters of version strings only. */
  version: { maxLength: 100, pattern: /^[0-9A-Za-z][0-9A-Za-z.+_~-]*$/ },
  /** Kubernetes supports 5,000 nodes per cluster. */
  nodeCount: { min: 0, max: 100_000 },
  /** The GraphQL Int range: 2,147,483 cores. */
  cpuMillicores: { min: 0, max: 2 ** 31 - 1 },
  /** A decimal byte count without sign or leading zeros, below 10^24 (a million exabytes). */
  memoryBytes: { pattern: /^(0|[1-9][0-9]{0,23})$/ },
  /** Check and observation messages: newlines and tabs allowed, other control characters not. */
  message: { maxLength: 2_000 },
  /** Checks of a report whose protocol version this server does not speak (it turns the provider ERROR). */
  foreignChecks: { max: 32, namePattern: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/ },
  /** Observations per reportWorkspaceStatus call; the reconciler sends batches of 100. */
  observations: { max: 500 },
} as const;

/** Every check a protocol-1 report carries, each exactly once (PROTOCOL.md "Checks"). */
export const REQUIRED_CHECK_NAMES: readonly string[] = Object.values(CHECK_NAMES);

/** The phases an agent reports for a workspace (PROTOCOL.md "Flow", step 5). */
export const WORKSPACE_PHASES = [
  'Pending',
  'Running',
  'Succeeded',
  'Failed',
  'Unknown',
  'Stopping',
  'Stopped',
  'Deleting',
  'Deleted',
  'Error',
] as const satisfies readonly WorkspacePhase[];

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_EXCEPT_NEWLINE_AND_TAB = /[\u0000-\u0008\u000b-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex -- as above, every occurrence
const EVERY_CONTROL_EXCEPT_NEWLINE_AND_TAB = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/** True when a message is within AGENT_INPUT_LIMITS.message. */
export function isValidMessage(message: string): boolean {
  return (
    message.length <= AGENT_INPUT_LIMITS.message.maxLength && !CONTROL_EXCEPT_NEWLINE_AND_TAB.test(message)
  );
}

/** A message as sent: control characters become spaces, and a too long one is cut with an ellipsis. */
export function fitMessage(message: string): string {
  const clean = message.replace(EVERY_CONTROL_EXCEPT_NEWLINE_AND_TAB, ' ');
  const max = AGENT_INPUT_LIMITS.message.maxLength;
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

export function isValidVersion(version: string): boolean {
  const { maxLength, pattern } = AGENT_INPUT_LIMITS.version;
  return version.length <= maxLength && pattern.test(version);
}

/** A version as sent: one the server would refuse is sent as unknown (null) rather than losing the report. */
export function fitVersion(version: string | null): string | null {
  return version !== null && isValidVersion(version) ? version : null;
}

/** Node counts and sums as sent: clamped into range (the sums are already rounded whole numbers). */
export function fitNodeSummary(summary: NodeSummary): NodeSummary {
  const clamp = (value: number, { min, max }: { min: number; max: number }) =>
    Math.min(max, Math.max(min, Math.floor(value)));
  const memoryBytes =
    summary.memoryBytes === null || AGENT_INPUT_LIMITS.memoryBytes.pattern.test(summary.memoryBytes)
      ? summary.memoryBytes
      : null;
  return {
    nodeCount: clamp(summary.nodeCount, AGENT_INPUT_LIMITS.nodeCount),
    cpuMillicores:
      summary.cpuMillicores === null ? null : clamp(summary.cpuMillicores, AGENT_INPUT_LIMITS.cpuMillicores),
    memoryBytes,
  };
}

/**
 * The checks as sent: each required check exactly once, in protocol order. One the agent has no result
 * for yet (its cluster checks threw before producing any) is sent as failed, which is the truth: the
 * provider must not turn READY on a check that did not run.
 */
export function fitChecks(checks: readonly CheckResult[]): CheckResult[] {
  return REQUIRED_CHECK_NAMES.map((name) => {
    const check = checks.find((candidate) => candidate.name === name);
    return check
      ? { name, passed: check.passed, message: fitMessage(check.message) }
      : { name, passed: false, message: 'not checked yet: the agent has no result for this check' };
  });
}

/** reportAgentStatus's input as the agent sends it: within every limit, whatever the cluster said. */
export function fitStatusReport(input: AgentStatusInput): AgentStatusInput {
  return {
    ...input,
    kubernetesVersion: fitVersion(input.kubernetesVersion),
    chartVersion: fitVersion(input.chartVersion),
    nodeSummary: input.nodeSummary && fitNodeSummary(input.nodeSummary),
    checks: fitChecks(input.checks),
  };
}

/** reportWorkspaceStatus's observations as sent: Kubernetes messages fitted into the message limit. */
export function fitObservations(observations: readonly WorkspaceObservation[]): WorkspaceObservation[] {
  return observations.map(({ workspaceId, phase, message }) => ({
    workspaceId,
    phase,
    message: message === null ? null : fitMessage(message),
  }));
}
