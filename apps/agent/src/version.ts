import { readFileSync } from 'node:fs';

/** This agent's release version, read from its package.json (shipped beside dist/ in the image). */
export const AGENT_VERSION: string = readPackageVersion();

/**
 * The agent ↔ server protocol this agent speaks (PROTOCOL.md). The server answers with the version it
 * supports in `serverInfo` and every `AgentAck`; a mismatch fails the `server-version` check.
 */
export const AGENT_PROTOCOL_VERSION = 1;

function readPackageVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof manifest.version === 'string' ? manifest.version : '0.0.0-unknown';
  } catch {
    return '0.0.0-unknown';
  }
}
