import { writeFile } from 'node:fs/promises';

/**
 * The health file the chart's liveness and readiness probes read (OUTPOST_HEALTH_FILE): the agent writes
 * the current ISO time to it whenever the server acknowledges a heartbeat or status report, so its
 * modification time says when the agent last heard from the server.
 */
export async function writeHealthFile(file: string, now: Date = new Date()): Promise<void> {
  await writeFile(file, `${now.toISOString()}\n`, 'utf8');
}
