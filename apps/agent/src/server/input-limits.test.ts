import { describe, expect, it } from 'vitest';
import { AGENT_PROTOCOL_VERSION, AGENT_VERSION } from '../version.js';
import {
  AGENT_INPUT_LIMITS,
  fitObservations,
  fitStatusReport,
  isValidMessage,
  isValidVersion,
} from './input-limits.js';

// The server refuses agent input outside AGENT_INPUT_LIMITS (apps/server/test/agent-protocol.test.ts and
// bad-input.property.test.ts send fitted reports to a real server); these pin what fitting does.

const report = (overrides: Partial<Parameters<typeof fitStatusReport>[0]> = {}) =>
  fitStatusReport({
    agentVersion: AGENT_VERSION,
    protocolVersion: AGENT_PROTOCOL_VERSION,
    kubernetesVersion: 'v1.31.2',
    nodeSummary: { nodeCount: 3, cpuMillicores: 12_000, memoryBytes: '68719476736' },
    checks: [
      { name: 'kubernetes-api', passed: true, message: 'answers' },
      { name: 'namespace', passed: true, message: 'exists' },
      { name: 'rbac', passed: true, message: 'allowed' },
      { name: 'server-version', passed: true, message: 'speaks 1' },
    ],
    chartVersion: '0.1.0',
    ...overrides,
  });

describe('what the agent sends fits the server’s input limits', () => {
  it('leaves a real cluster’s report as it is, the agent’s own version included', () => {
    expect(isValidVersion(AGENT_VERSION)).toBe(true);
    const fitted = report({ kubernetesVersion: 'v1.30.4-gke.1348000' });
    expect(fitted.kubernetesVersion).toBe('v1.30.4-gke.1348000');
    expect(fitted.nodeSummary).toEqual({ nodeCount: 3, cpuMillicores: 12_000, memoryBytes: '68719476736' });
    expect(fitted.checks.map((check) => check.name)).toEqual([
      'kubernetes-api',
      'namespace',
      'rbac',
      'server-version',
    ]);
  });

  it('sends versions it cannot vouch for as unknown, and clamps node counts and sums', () => {
    const fitted = report({
      kubernetesVersion: 'v1.31 custom',
      chartVersion: 'x'.repeat(101),
      nodeSummary: { nodeCount: 10_000_000, cpuMillicores: 2 ** 40, memoryBytes: (2n ** 100n).toString() },
    });
    expect(fitted.kubernetesVersion).toBeNull();
    expect(fitted.chartVersion).toBeNull();
    expect(fitted.nodeSummary).toEqual({
      nodeCount: AGENT_INPUT_LIMITS.nodeCount.max,
      cpuMillicores: AGENT_INPUT_LIMITS.cpuMillicores.max,
      memoryBytes: null,
    });
    expect(
      report({ nodeSummary: { nodeCount: 0, cpuMillicores: null, memoryBytes: null } }).nodeSummary,
    ).toEqual({
      nodeCount: 0,
      cpuMillicores: null,
      memoryBytes: null,
    });
  });

  it('sends every check once, a missing one as failed, and messages within the limit', () => {
    const fitted = report({
      checks: [
        { name: 'kubernetes-api', passed: false, message: `refused\u0000\u001b[31m${'x'.repeat(5_000)}` },
      ],
    });
    expect(fitted.checks.map(({ name, passed }) => [name, passed])).toEqual([
      ['kubernetes-api', false],
      ['namespace', false],
      ['rbac', false],
      ['server-version', false],
    ]);
    for (const check of fitted.checks) expect(isValidMessage(check.message)).toBe(true);
    expect(fitted.checks[0]!.message).toHaveLength(AGENT_INPUT_LIMITS.message.maxLength);
    expect(fitted.checks[0]!.message.startsWith('refused  [31m')).toBe(true);

    const [observation] = fitObservations([
      { workspaceId: 'w', phase: 'Error', message: 'line one\nline two\tand\u0007more' },
    ]);
    expect(observation!.message).toBe('line one\nline two\tand more');
  });
});
