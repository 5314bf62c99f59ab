import { CHECK_NAMES, type CheckResult } from '../kubernetes/cluster-checks.js';
import { errorMessage } from '../logger.js';
import { AGENT_PROTOCOL_VERSION, AGENT_VERSION } from '../version.js';
import type { ServerInfo } from './operations.js';

/**
 * The `server-version` check (PROTOCOL.md "Checks"): passes when the server speaks this agent's
 * protocol version. Different release versions on the same protocol are only mentioned (the server
 * shows skew as a warning, not an error).
 */
export function serverVersionCheck(info: ServerInfo | null, error?: unknown): CheckResult {
  const name = CHECK_NAMES.serverVersion;
  if (!info) {
    return {
      name,
      passed: false,
      message: `cannot read serverInfo from the Outpost server: ${errorMessage(error)}`,
    };
  }
  if (info.agentProtocolVersion !== AGENT_PROTOCOL_VERSION) {
    const upgrade =
      info.agentProtocolVersion > AGENT_PROTOCOL_VERSION
        ? 'upgrade the agent (helm upgrade the outpost-provider chart to the release matching the server)'
        : 'upgrade the Outpost server, or install the outpost-provider chart release matching it';
    return {
      name,
      passed: false,
      message: `the Outpost server ${info.version} speaks agent protocol ${info.agentProtocolVersion}, this agent ${AGENT_VERSION} speaks ${AGENT_PROTOCOL_VERSION}: ${upgrade}`,
    };
  }
  const skew =
    info.version === AGENT_VERSION
      ? ''
      : ` (releases differ: server ${info.version}, agent ${AGENT_VERSION}; upgrade the agent when convenient)`;
  return {
    name,
    passed: true,
    message: `the Outpost server ${info.version} speaks agent protocol ${AGENT_PROTOCOL_VERSION}, like this agent${skew}.`,
  };
}
