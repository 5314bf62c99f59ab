import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCredentialStore, startAgent, type AgentLogger, type RunningAgent } from '@outpost/agent';
import { startKubeCluster, type KubeCluster } from '@outpost/kube-testenv';
import { createPrismaClient, type PrismaClient } from '@outpost/prisma';
import type { Credentials } from '@outpost/testing';
import { AGENT_ROLE, AGENT_SERVICE_ACCOUNT, agentRules } from './support/agent.js';
import { ProviderEvents, WorkspaceEvents } from './support/events.js';
import { OutpostApi } from './support/outpost-api.js';
import { startOutpostServer, type OutpostServer } from './support/server.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { Teardown } from './support/teardown.js';

/**
 * The agent's session with the server (apps/agent/src/agent.ts), run in this process so the test can
 * look at its stop signal, against a real server process and a real kube-apiserver. The agent reaches
 * the server through a TCP proxy the test controls.
 *
 * - The server may end the agent's workspace event subscription with an error while the connection
 *   stays up (here SUBSCRIBER_TOO_SLOW, provoked for real by a burst of notifications). The agent must
 *   subscribe again, so a later workspace change still nudges it at once, not at the next resync.
 * - Every session used to add an abort listener to the agent's lifelong stop signal and never remove
 *   it; 50 reconnects must leave the listener count where it was.
 */

const NAMESPACE = 'agent-subscription';
/** So long that a reconcile within the test can only come from a nudge. */
const RESYNC_SECONDS = 3_600;
/** More than the server holds for a subscriber that falls behind (MAX_QUEUED_NOTIFICATIONS, 1,000). */
const BURST = 2_000;
const RECONNECTS = 50;

/** The agent's log, kept so the test can wait for a line (debug included). */
class RecordingLogger implements AgentLogger {
  readonly lines: string[] = [];
  private readonly waiters = new Set<() => void>();

  debug = (message: string) => this.add('DEBUG', message);
  info = (message: string) => this.add('INFO', message);
  warn = (message: string) => this.add('WARN', message);
  error = (message: string) => this.add('ERROR', message);

  count(pattern: RegExp, from = 0): number {
    return this.lines.slice(from).filter((line) => pattern.test(line)).length;
  }

  /** Waits for a line matching `pattern` at index `from` or later; resolves with the index after it. */
  async waitFor(pattern: RegExp, from: number, timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.lines.findIndex((line, i) => i >= from && pattern.test(line));
      if (index >= 0) return index + 1;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(
          `no agent log line ${pattern} within ${timeoutMs} ms; since then:\n${this.lines.slice(from).join('\n')}`,
        );
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, remaining);
        this.waiters.add(wake);
      });
    }
  }

  private add(level: string, message: string) {
    this.lines.push(`${level} ${message}`);
    for (const wake of [...this.waiters]) wake();
  }
}

describe('the agent’s session with the server', () => {
  const teardown = new Teardown();
  let cluster: KubeCluster;
  let server: OutpostServer;
  let link: TcpProxy;
  let database: PrismaClient;
  let api: OutpostApi;
  let member: Credentials;
  let organizationId: string;
  let providerId: string;
  let agent: RunningAgent;
  const log = new RecordingLogger();

  beforeAll(async () => {
    [cluster, server] = await Promise.all([
      teardown.track(startKubeCluster({ name: NAMESPACE }), (started) => started.stop()),
      teardown.track(
        // Heartbeats every 5 s (the agent gives one 10 s to be answered): the burst below keeps the
        // server busy for a few seconds, and a reconnect would hide what the first test looks at.
        startOutpostServer({ heartbeatIntervalSeconds: 5, heartbeatGraceSeconds: 60 }),
        (started) => started.stop(),
      ),
    ]);
    link = await teardown.track(TcpProxy.start({ upstreams: [server.port] }), (started) => started.stop());
    database = createPrismaClient(server.databaseUrl);
    teardown.defer(() => database.$disconnect());
    api = new OutpostApi(server.client, server.admin);
    const providerEvents = await teardown.track(ProviderEvents.open(api), (started) => started.close());
    organizationId = (await api.createOrganization(NAMESPACE)).id;
    member = await api.createMember(organizationId);
    const provider = await api.createProvider({
      name: NAMESPACE,
      namespace: NAMESPACE,
      clusterAddress: cluster.server,
      organizationIds: [organizationId],
    });
    providerId = provider.id;
    const kubeConfig = await cluster.serviceAccountKubeconfig({
      namespace: NAMESPACE,
      serviceAccount: AGENT_SERVICE_ACCOUNT,
      roleName: AGENT_ROLE,
      rules: agentRules(),
    });
    agent = await teardown.track(
      startAgent({
        serverUrl: link.url('http', '/graphql'),
        namespace: NAMESPACE,
        kubeConfig,
        registrationToken: provider.registrationToken,
        credentialStore: new MemoryCredentialStore(),
        resyncIntervalSeconds: RESYNC_SECONDS,
        logger: log,
      }),
      (started) => started.stop(),
    );
    await providerEvents.next(providerId, 'PENDING→READY', 30_000);
  });

  afterAll(() => teardown.run());

  it('subscribes again when the server ends its workspace event subscription with an error', async () => {
    let workspaceEvents: WorkspaceEvents | undefined;
    try {
      const connects = log.count(/connected to the server at/);
      const from = log.lines.length;
      // A burst of workspace notifications for the agent's provider, committed at once, as a busy
      // cluster's users would cause: the server checks the agent's credential per event and falls more
      // than 1,000 events behind, so it ends the agent's subscription with SUBSCRIBER_TOO_SLOW.
      await database.$executeRawUnsafe(
        `SELECT pg_notify('outpost_events', json_build_object(
           'topic', 'workspace', 'type', 'UPDATED', 'workspaceId', gen_random_uuid(),
           'organizationId', $1::uuid, 'providerId', $2::uuid)::text)
         FROM generate_series(1, $3::int)`,
        organizationId,
        providerId,
        BURST,
      );
      // (The agent logs the code; before it subscribed again, it logged only the server's message.)
      await log.waitFor(/SUBSCRIBER_TOO_SLOW|fell more than 1000 events behind/, from);
      workspaceEvents = new WorkspaceEvents(api, member);

      // A workspace created afterwards is reconciled at once (the resync is an hour away). The first
      // may still be caught by a pass the burst started; the second is created after that one was
      // reconciled, so only a workspace event can bring it to the agent's attention.
      for (const name of ['after-the-burst', 'later-still']) {
        const workspace = await api.createWorkspace(member, { organizationId, providerId, name });
        const observed = await workspaceEvents.waitFor(
          workspace.id,
          'an observed phase from the agent',
          (w) => w.observedPhase !== null,
          20_000,
        );
        expect(observed.observedPhase).toBe('Pending');
      }
      // Not by reconnecting (a new session reconciles at its start): the connection stayed up.
      expect(log.count(/connected to the server at/)).toBe(connects);
      expect(log.count(/reconcile pass failed/, from)).toBe(0);
      expect(agent.snapshot().connected).toBe(true);
    } finally {
      await workspaceEvents?.close();
    }
  }, 90_000);

  it('leaves the stop signal’s listener count as it was after 50 reconnects', async () => {
    // The agent's lifelong stop signal (private: nothing outside the agent may abort it).
    const stopSignal = (agent as unknown as { stopController: AbortController }).stopController.signal;
    expect(stopSignal).toBeInstanceOf(AbortSignal);
    const listeners = () => getEventListeners(stopSignal, 'abort').length;

    /** Waits until the session that just connected is fully up: its first reconcile pass is done. */
    const sessionUp = async (from: number) => {
      const connected = await log.waitFor(/connected to the server at/, from);
      return log.waitFor(/reconcile pass done/, connected);
    };
    let at = log.lines.length;
    // The session in place when this test starts is up.
    expect(agent.snapshot().connected).toBe(true);
    const before = listeners();

    for (let reconnect = 1; reconnect <= RECONNECTS; reconnect++) {
      // The link is cut (every connection reset), and restored once the agent has noticed.
      link.cut();
      at = await log.waitFor(/reconnecting to the server in/, at);
      link.restore();
      at = await sessionUp(at);
    }
    expect(log.count(/connected to the server at/)).toBeGreaterThanOrEqual(RECONNECTS + 1);
    expect(listeners()).toBe(before);
  }, 300_000);
});
