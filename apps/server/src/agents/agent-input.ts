import {
  AGENT_INPUT_LIMITS,
  isValidMessage,
  isValidVersion,
  REQUIRED_CHECK_NAMES,
  WORKSPACE_PHASES,
} from '@outpost/agent';
import { badInput } from '../graphql/errors.js';
import { requireWholeNumber } from '../graphql/validation.js';
import { SUPPORTED_AGENT_PROTOCOL_VERSIONS } from '../version.js';
import type { AgentReport, CheckResult } from '../providers/provider-status.js';
import type { AgentStatusInput, WorkspaceObservationInput } from './agent.types.js';

/**
 * Agent input is untrusted input: a compromised cluster controls its agent. Everything an agent sends
 * passes through here before anything is written, and is refused with BAD_USER_INPUT naming the field,
 * like a user's input (graphql/validation.ts). The limits are the protocol's own (AGENT_INPUT_LIMITS in
 * @outpost/agent, which the agent fits its input into before sending; apps/agent/PROTOCOL.md "Input
 * limits"), so the agent that sends and the server that refuses cannot disagree.
 */

/** The highest protocol version an agent may claim; unsupported ones below it turn the provider ERROR. */
const MAX_PROTOCOL_VERSION = 1_000;

function requireVersion(field: string, value: string): string {
  if (!isValidVersion(value)) {
    const { maxLength } = AGENT_INPUT_LIMITS.version;
    throw badInput(
      field,
      `${field} must be 1–${maxLength} characters of letters, digits and . + _ ~ -, starting with a letter or digit.`,
    );
  }
  return value;
}

function requireMessage(field: string, value: string): string {
  if (!isValidMessage(value)) {
    throw badInput(
      field,
      `${field} must be at most ${AGENT_INPUT_LIMITS.message.maxLength} characters, without control characters other than newline and tab.`,
    );
  }
  return value;
}

/** reportAgentStatus's input, checked whole; returns the report to store. */
export function parseAgentReport(input: AgentStatusInput): AgentReport {
  const protocolVersion = requireWholeNumber('protocolVersion', input.protocolVersion, {
    min: 1,
    max: MAX_PROTOCOL_VERSION,
  });
  const summary = input.nodeSummary;
  let nodeSummary: AgentReport['nodeSummary'] = null;
  if (summary) {
    const memoryBytes = summary.memoryBytes ?? null;
    if (memoryBytes !== null && !AGENT_INPUT_LIMITS.memoryBytes.pattern.test(memoryBytes)) {
      throw badInput(
        'nodeSummary.memoryBytes',
        'nodeSummary.memoryBytes must be a whole number of bytes in decimal digits, below 10^24 (e.g. "68719476736").',
      );
    }
    nodeSummary = {
      nodeCount: requireWholeNumber('nodeSummary.nodeCount', summary.nodeCount, AGENT_INPUT_LIMITS.nodeCount),
      cpuMillicores:
        summary.cpuMillicores == null
          ? null
          : requireWholeNumber(
              'nodeSummary.cpuMillicores',
              summary.cpuMillicores,
              AGENT_INPUT_LIMITS.cpuMillicores,
            ),
      memoryBytes,
    };
  }
  return {
    agentVersion: requireVersion('agentVersion', input.agentVersion),
    protocolVersion,
    kubernetesVersion:
      input.kubernetesVersion == null ? null : requireVersion('kubernetesVersion', input.kubernetesVersion),
    chartVersion: input.chartVersion == null ? null : requireVersion('chartVersion', input.chartVersion),
    nodeSummary,
    checks: parseChecks(protocolVersion, input.checks),
  };
}

/**
 * A report of a protocol this server speaks carries each of the protocol's checks exactly once and no
 * other, so READY always means every check ran and passed. A report of another protocol (a newer agent)
 * turns the provider ERROR with upgrade advice whatever its checks: those are only bounded in number,
 * names and messages, since this server cannot know a future protocol's checks.
 */
function parseChecks(protocolVersion: number, checks: readonly CheckResult[]): CheckResult[] {
  const known = SUPPORTED_AGENT_PROTOCOL_VERSIONS.includes(protocolVersion);
  const { max, namePattern } = AGENT_INPUT_LIMITS.foreignChecks;
  if (!known && checks.length > max) throw badInput('checks', `checks must be at most ${max} results.`);
  const seen = new Set<string>();
  const parsed = checks.map((check) => {
    if (known ? !REQUIRED_CHECK_NAMES.includes(check.name) : !namePattern.test(check.name)) {
      throw badInput(
        'checks.name',
        known
          ? `Unknown check "${check.name.slice(0, 80)}": protocol ${protocolVersion} checks are ${REQUIRED_CHECK_NAMES.join(', ')}.`
          : 'checks.name must be a DNS label (lowercase letters, digits and -, at most 63).',
      );
    }
    if (seen.has(check.name)) throw badInput('checks.name', `Check "${check.name}" is reported twice.`);
    seen.add(check.name);
    return {
      name: check.name,
      passed: check.passed,
      message: requireMessage('checks.message', check.message),
    };
  });
  const missing = known ? REQUIRED_CHECK_NAMES.filter((name) => !seen.has(name)) : [];
  if (missing.length > 0) {
    throw badInput(
      'checks',
      `A report must carry every check of protocol ${protocolVersion} exactly once; missing: ${missing.join(', ')}.`,
    );
  }
  return parsed;
}

export interface WorkspaceObservation {
  workspaceId: string;
  phase: (typeof WORKSPACE_PHASES)[number];
  message: string | null;
}

/**
 * reportWorkspaceStatus's observations, checked whole (that the workspaces are the provider's is checked
 * against the database by the caller). One observation per workspace per call, so the call means one thing.
 */
export function parseObservations(
  observations: readonly WorkspaceObservationInput[],
): WorkspaceObservation[] {
  const { max } = AGENT_INPUT_LIMITS.observations;
  if (observations.length > max) {
    throw badInput(
      'observations',
      `observations must be at most ${max} per call (got ${observations.length}).`,
    );
  }
  const seen = new Set<string>();
  return observations.map((observation) => {
    // Its UUID format was checked with every ID argument (graphql/ids.ts); compared as the database writes it.
    const workspaceId = observation.workspaceId.toLowerCase();
    if (seen.has(workspaceId)) {
      throw badInput('observations.workspaceId', `Workspace ${workspaceId} is observed twice in one call.`);
    }
    seen.add(workspaceId);
    const phase = WORKSPACE_PHASES.find((known) => known === observation.phase);
    if (!phase) {
      throw badInput(
        'observations.phase',
        `Unknown phase "${observation.phase.slice(0, 40)}": use one of ${WORKSPACE_PHASES.join(', ')}.`,
      );
    }
    const message =
      observation.message == null ? null : requireMessage('observations.message', observation.message);
    return { workspaceId, phase, message };
  });
}
