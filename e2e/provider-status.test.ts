import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeCluster, type KubeCluster } from '@outpost/kube-testenv';
import { AGENT_ROLE, agentRules, startAgentProcess, stopAgents, type AgentProcess } from './support/agent.js';
import { ProviderEvents } from './support/events.js';
import { storedCredential } from './support/kube.js';
import { OutpostApi } from './support/outpost-api.js';
import { startOutpostServer, type OutpostServer } from './support/server.js';
import { Teardown } from './support/teardown.js';

/**
 * docs/architecture.md "Status of a provider", end to end: a real server process, real agent processes and a
 * real kube-apiserver. Each test deploys the agent of a provider of its own into a namespace of its
 * own, breaks something the way it breaks in production, and watches the provider's status through
 * the admin's `workspaceProviderEvents` subscription.
 */

const HEARTBEAT_SECONDS = 1;
const GRACE_SECONDS = 3;
/** A lease holder's connection closed (a crash): ERROR this long after, unless an agent reconnects. */
// Shorter than the heartbeat grace minus one interval, so the crash path is the one that fires first.
const RECONNECT_GRACE_SECONDS = 1;
/** The agent re-runs its checks (and reports them) this often. */
const CHECK_SECONDS = 1;
const READY_MESSAGE = 'Agent connected; all checks pass.';

describe('provider status with real agents', () => {
  const teardown = new Teardown();
  let cluster: KubeCluster;
  let server: OutpostServer;
  let api: OutpostApi;
  let events: ProviderEvents;

  beforeAll(async () => {
    [cluster, server] = await Promise.all([
      teardown.track(startKubeCluster({ name: 'provider-status' }), (started) => started.stop()),
      teardown.track(
        startOutpostServer({
          heartbeatIntervalSeconds: HEARTBEAT_SECONDS,
          heartbeatGraceSeconds: GRACE_SECONDS,
          reconnectGraceSeconds: RECONNECT_GRACE_SECONDS,
        }),
        (started) => started.stop(),
      ),
    ]);
    teardown.defer(stopAgents);
    api = new OutpostApi(server.client, server.admin);
    events = await teardown.track(ProviderEvents.open(api), (started) => started.close());
  });

  afterAll(() => teardown.run());

  /** `outpost providers create` + the chart: a provider whose agent runs in `namespace` of the cluster. */
  async function deployAgent(namespace: string, rules = agentRules()) {
    const provider = await api.createProvider({ name: namespace, namespace, clusterAddress: cluster.server });
    const agent = await startAgentProcess({
      label: namespace,
      serverUrl: server.url,
      cluster,
      namespace,
      registrationToken: provider.registrationToken,
      rules,
      heartbeatIntervalSeconds: HEARTBEAT_SECONDS,
      checkIntervalSeconds: CHECK_SECONDS,
    });
    return { provider, agent };
  }

  async function expectCleanStop(agent: AgentProcess) {
    expect(await agent.stop(), agent.output()).toEqual({ code: 0, signal: null });
  }

  it('turns READY when an agent with the outpost-provider Role connects and its checks pass', async () => {
    const { provider, agent } = await deployAgent('status-ready');

    const ready = await events.next(provider.id, 'PENDING→READY');
    expect(ready.message).toBe(READY_MESSAGE);
    const view = await api.provider(provider.id);
    expect(view.status).toBe('READY');
    expect(view.statusMessage).toBe(READY_MESSAGE);
    expect(view.checkResults?.map(({ name, passed }) => ({ name, passed }))).toEqual([
      { name: 'kubernetes-api', passed: true },
      { name: 'namespace', passed: true },
      { name: 'rbac', passed: true },
      { name: 'server-version', passed: true },
    ]);
    expect(view.checkResults?.[0]?.message).toContain(cluster.server);
    await agent.waitForLog(/registered as provider status-ready/);

    await events.settle();
    expect(events.transitions(provider.id)).toEqual(['PENDING→READY']);
    await expectCleanStop(agent);
  });

  it('turns ERROR naming the missing permission, and READY once the Role is fixed, without restarting the agent', async () => {
    const namespace = 'status-rbac';
    const { provider, agent } = await deployAgent(
      namespace,
      agentRules({ verb: 'create', resource: 'pods' }),
    );

    const error = await events.next(provider.id, 'PENDING→ERROR');
    // Only the rbac check fails, and it names exactly the verb × resource the Role lacks.
    expect(error.message).toMatch(
      new RegExp(`^rbac: cannot create pods in namespace ${namespace}: grant the ${AGENT_ROLE} Role`),
    );
    expect(error.message.split('\n')).toHaveLength(1);
    let view = await api.provider(provider.id);
    expect(view.status).toBe('ERROR');
    expect(view.statusMessage).toBe(error.message);
    expect(view.checkResults?.filter((check) => !check.passed).map((check) => check.name)).toEqual(['rbac']);

    const fixedAt = Date.now();
    await cluster.updateRole(namespace, AGENT_ROLE, agentRules());
    const ready = await events.next(provider.id, 'ERROR→READY');
    // The agent noticed at its next periodic check, not at a restart.
    expect(ready.receivedAt - fixedAt).toBeLessThan(CHECK_SECONDS * 1000 + 3000);
    expect(ready.message).toBe(READY_MESSAGE);
    view = await api.provider(provider.id);
    expect(view.status).toBe('READY');
    expect(view.checkResults?.every((check) => check.passed)).toBe(true);
    expect(agent.process.running).toBe(true);
    expect(agent.output().match(/Outpost agent \S+ \(protocol \d+\) for namespace/g)).toHaveLength(1);
    expect(agent.output()).toMatch(/check rbac passed/);

    await events.settle();
    expect(events.transitions(provider.id)).toEqual(['PENDING→ERROR', 'ERROR→READY']);
    await expectCleanStop(agent);
  });

  it('turns ERROR while the Kubernetes API is unreachable, and READY once it answers again', async () => {
    const { provider, agent } = await deployAgent('status-api');
    await events.next(provider.id, 'PENDING→READY');

    await cluster.stopApiServer();
    try {
      const error = await events.next(provider.id, 'READY→ERROR');
      expect(error.message).toContain(`kubernetes-api: cannot reach the Kubernetes API at ${cluster.server}`);
      const view = await api.provider(provider.id);
      expect(view.status).toBe('ERROR');
      expect(view.statusMessage).toContain(`cannot reach the Kubernetes API at ${cluster.server}`);
      expect(view.checkResults?.find((check) => check.name === 'kubernetes-api')?.passed).toBe(false);
    } finally {
      await cluster.startApiServer();
    }

    const ready = await events.next(provider.id, 'ERROR→READY');
    expect(ready.message).toBe(READY_MESSAGE);
    expect((await api.provider(provider.id)).status).toBe('READY');
    expect(agent.process.running).toBe(true);

    await events.settle();
    expect(events.transitions(provider.id)).toEqual(['PENDING→READY', 'READY→ERROR', 'ERROR→READY']);
    await expectCleanStop(agent);
  });

  it('turns ERROR after the reconnect grace when the agent is killed, and READY when it restarts with its stored credential', async () => {
    const namespace = 'status-kill';
    const { provider, agent } = await deployAgent(namespace);
    await events.next(provider.id, 'PENDING→READY');
    const credential = await storedCredential(cluster, namespace);
    expect(credential).toMatch(/^opag_/);
    const credentialsBefore = (await api.provider(provider.id)).agentCredentials;

    const killedAt = Date.now();
    expect(await agent.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    const error = await events.next(provider.id, 'READY→ERROR', 20_000);
    // A killed process's socket is closed by its kernel: the server sees a crash, not a silent link (that
    // one waits for the heartbeat grace: faults-server-link.test.ts), and says so after the reconnect grace.
    expect(error.message).toMatch(
      new RegExp(
        `^The agent's connection to the control plane closed at .* no agent has reconnected within ${RECONNECT_GRACE_SECONDS} s`,
      ),
    );
    // The grace is counted from the moment the server saw the close, which is after the kill; the rest is
    // the check's transaction and the event's delivery on a busy two-core machine.
    const noticedAfterMs = error.receivedAt - killedAt;
    expect(noticedAfterMs).toBeGreaterThanOrEqual(RECONNECT_GRACE_SECONDS * 1000 - 50);
    expect(noticedAfterMs).toBeLessThan(GRACE_SECONDS * 1000 + RECONNECT_GRACE_SECONDS * 1000);
    const silent = await api.provider(provider.id);
    expect(silent.status).toBe('ERROR');
    expect(Date.parse(silent.lastHeartbeatAt!)).toBeLessThanOrEqual(killedAt + 100);

    // The pod comes back with the same configuration; the registration token is spent, so only the
    // credential in its Secret can bring it back.
    const restarted = await startAgentProcess({
      label: `${namespace} (restarted)`,
      serverUrl: server.url,
      cluster,
      namespace,
      registrationToken: provider.registrationToken,
      heartbeatIntervalSeconds: HEARTBEAT_SECONDS,
      checkIntervalSeconds: CHECK_SECONDS,
    });
    const ready = await events.next(provider.id, 'ERROR→READY');
    expect(ready.message).toBe(READY_MESSAGE);
    expect(restarted.output()).toContain(
      `using the credential stored in Secret ${namespace}/outpost-agent-credential`,
    );
    expect(restarted.output()).not.toContain('registering with the server');
    expect(await storedCredential(cluster, namespace)).toBe(credential);
    expect((await api.provider(provider.id)).agentCredentials).toEqual(credentialsBefore);

    // One subscriber saw each transition once, in order; heartbeats and repeated reports added nothing.
    await events.settle();
    expect(events.transitions(provider.id)).toEqual(['PENDING→READY', 'READY→ERROR', 'ERROR→READY']);
    await expectCleanStop(restarted);
  });
});
