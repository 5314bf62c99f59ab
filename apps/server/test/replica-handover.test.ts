import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, startServerProcess, useTestServer, type ServerProcess } from './helpers.js';
import {
  agentProvider as agentProviderOf,
  closeAgentSockets,
  connectAgent,
  providerStatus,
  HEARTBEAT,
  report,
  REPORT,
  type AgentSocket,
} from './agent-sockets.js';

/**
 * A server replica shutting down (a rolling update) hands its agents over (src/agents/agent-lease.ts
 * handOverLeases): while they re-home on another replica — which, with a thousand of them arriving at
 * once, takes longer than the heartbeat grace — the silence monitor blames none of them; an agent that
 * never comes back is blamed once the agents' longest reconnect back-off has passed.
 */

const GRACE_SECONDS = 2;
/** The agents' longest reconnect back-off (AGENT_MAX_RECONNECT_BACKOFF_SECONDS): the allowance. */
const ALLOWANCE_SECONDS = 30;
const server = useTestServer({ config: { agents: { heartbeatGraceSeconds: GRACE_SECONDS } } });
let admin: { token: string };
let stopping: ServerProcess | undefined;

afterEach(closeAgentSockets);
beforeAll(async () => {
  admin = (await createWorld(server)).personas.siteAdmin.credentials as { token: string };
});
afterAll(() => stopping?.stop());

const { status, waitForStatus } = providerStatus(server);

/** Heartbeats every half grace over the socket, as an agent at work does, until the returned stop. */
function heartbeating(socket: AgentSocket): () => void {
  const timer = setInterval(() => void socket.request(HEARTBEAT).catch(() => undefined), 500);
  return () => clearInterval(timer);
}

describe('a server replica shutting down', () => {
  it('hands its agents over: none is marked ERROR while re-homing; one that never comes back is, after the allowance', async () => {
    const provider = await agentProviderOf(server.client, admin);
    const lost = await agentProviderOf(server.client, admin);
    const marker = await agentProviderOf(server.client, admin);
    stopping = await startServerProcess({
      DATABASE_URL: server.databaseUrl,
      OUTPOST_HEARTBEAT_GRACE: String(GRACE_SECONDS),
    });
    // Two agents on the replica that will stop; the marker's on the replica that stays.
    const onStopping = [provider, lost].map((p) => connectAgent(stopping!.client.websocketUrl, p.credential));
    const markerAgent = connectAgent(server.outpost.http.websocketUrl, marker.credential);
    const agents = [...onStopping, markerAgent];
    for (const agent of agents) {
      expect(await agent.nextRole(1)).toBe('HOLDER');
      expect((await agent.request(REPORT, report)).data?.reportAgentStatus.status).toBe('READY');
    }
    const stops = agents.map(heartbeating);

    // The rolling update stops the replica; the marker's agent falls silent at the same moment, on
    // the replica that keeps running (nothing hands it over).
    await stopping.stop();
    const silentFrom = Date.now();
    stops.forEach((stop) => stop());

    // The marker turns ERROR after the grace: the sweep has judged this silence, and passed over the
    // agents of the replica that went away.
    await waitForStatus(marker.id, 'ERROR', (GRACE_SECONDS + 10) * 1000);
    expect(await status(provider.id)).toBe('READY');
    expect(await status(lost.id)).toBe('READY');

    // One agent re-homes on the running replica, the same process (instance id) as before.
    const back = connectAgent(
      server.outpost.http.websocketUrl,
      provider.credential,
      onStopping[0]!.instanceId,
    );
    expect(await back.nextRole(1)).toBe('HOLDER');
    expect((await back.request(REPORT, report)).data?.reportAgentStatus.status).toBe('READY');
    const stopBack = heartbeating(back);
    try {
      // The other never comes back: ERROR once the allowance has passed, with the silence message.
      await waitForStatus(lost.id, 'ERROR', (ALLOWANCE_SECONDS + GRACE_SECONDS + 15) * 1000);
      expect(Date.now() - silentFrom).toBeGreaterThanOrEqual((ALLOWANCE_SECONDS - 1) * 1000);
      const row = await server.db.workspaceProvider.findUniqueOrThrow({ where: { id: lost.id } });
      expect(row.statusMessage).toMatch(/^No heartbeat from the agent for more than 2 s/);
      // The re-homed agent, heartbeating on the running replica, was never blamed.
      expect(await status(provider.id)).toBe('READY');
      const events = await server.db.providerStatusEvent.findMany({ where: { providerId: provider.id } });
      expect(events.map((e) => e.toStatus)).toEqual(['PENDING', 'READY']);
    } finally {
      stopBack();
    }
  }, 120_000);
});
