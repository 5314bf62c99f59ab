import { readFileSync } from 'node:fs';

/** The server's release version, from its package.json. */
export const SERVER_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * Agent protocol versions this server speaks (apps/agent/PROTOCOL.md). An agent on another version is
 * an ERROR; an agent of another release on a supported protocol is only a version warning.
 */
export const AGENT_PROTOCOL_VERSION = 1;
export const SUPPORTED_AGENT_PROTOCOL_VERSIONS: readonly number[] = [1];
