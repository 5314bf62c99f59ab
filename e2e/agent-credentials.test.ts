import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeCluster, type KubeCluster } from '@outpost/kube-testenv';
import { startAgentProcess, stopAgents, type AgentProcess } from './support/agent.js';
import { ProviderEvents } from './support/events.js';
import { storedCredential } from './support/kube.js';
import { OutpostApi } from './support/outpost-api.js';
import { startOutpostServer, type OutpostServer } from './support/server.js';
import { Teardown } from './support/teardown.js';

/**
 * The agent's secrets (apps/agent/PROTOCOL.md "Tokens"), end to end: a registration token works once,
 * for one agent; an admin's revocation locks the running agent out and the provider says so.
 */

const HEARTBEAT_SECONDS = 1;

describe('agent credentials with real agents', () => {
  const teardown = new Teardown();
  let cluster: KubeCluster;
  let server: OutpostServer;
  let api: OutpostApi;
  let events: ProviderEvents;
  let provider: { id: string; registrationToken: string };
  let first: AgentProcess;

  const credentialRows = async () =>
    (await api.provider(provider.id)).agentCredentials!.map(({ isRegistration, revokedAt }) => ({
      isRegistration,
      revoked: revokedAt !== null,
    }));

  const startAgent = (namespace: string) =>
    startAgentProcess({
      label: namespace,
      serverUrl: server.url,
      cluster,
      namespace,
      registrationToken: provider.registrationToken,
      heartbeatIntervalSeconds: HEARTBEAT_SECONDS,
    });

  beforeAll(async () => {
    [cluster, server] = await Promise.all([
      teardown.track(startKubeCluster({ name: 'agent-credentials' }), (started) => started.stop()),
      teardown.track(
        startOutpostServer({ heartbeatIntervalSeconds: HEARTBEAT_SECONDS, heartbeatGraceSeconds: 30 }),
        (started) => started.stop(),
      ),
    ]);
    teardown.defer(stopAgents);
    api = new OutpostApi(server.client, server.admin);
    events = await teardown.track(ProviderEvents.open(api), (started) => started.close());

    provider = await api.createProvider({
      name: 'creds',
      namespace: 'creds',
      clusterAddress: cluster.server,
    });
    first = await startAgent('creds');
    await events.next(provider.id, 'PENDING→READY');
    await first.waitForLog(/stored the agent credential in Secret creds\/outpost-agent-credential/);
  });

  afterAll(() => teardown.run());

  it('refuses a registration token a second agent reuses, and creates no credential for it', async () => {
    const before = await credentialRows();
    // The spent token, and the credential it was exchanged for.
    expect(before).toEqual([
      { isRegistration: false, revoked: false },
      { isRegistration: true, revoked: true },
    ]);

    // Another agent deployed with the same token (another namespace: no stored credential to fall back on).
    const second = await startAgent('creds-copy');
    await second.waitForLog(
      /the server refused the registration token \(.+\): issue a new one for this provider and set OUTPOST_REGISTRATION_TOKEN/,
    );
    expect(second.output()).not.toMatch(/registered as provider/);
    expect(await storedCredential(cluster, 'creds-copy')).toBeNull();
    expect(await credentialRows()).toEqual(before);
    // The first agent carries on as before.
    expect((await api.provider(provider.id)).status).toBe('READY');
    expect(await second.stop(), second.output()).toEqual({ code: 0, signal: null });

    await events.settle();
    expect(events.transitions(provider.id)).toEqual(['PENDING→READY']);
  });

  it('locks the running agent out when an admin revokes its credentials, and the provider turns ERROR', async () => {
    const from = first.output().length;
    const revoked = await api.revokeAgentCredentials(provider.id);
    expect(revoked.status).toBe('ERROR');
    expect(revoked.statusMessage).toContain('The agent credentials were revoked');
    expect(revoked.statusMessage).toContain('issueProviderRegistrationToken');
    expect(revoked.agentCredentials!.every((credential) => credential.revokedAt !== null)).toBe(true);
    const error = await events.next(provider.id, 'READY→ERROR');
    expect(error.message).toBe(revoked.statusMessage);

    // Its next call (a heartbeat, at most a second away) is refused…
    await first.waitForLog(/the server refused the agent's credential \(/, { from, timeoutMs: 5_000 });
    // …and so is its attempt to register again with the spent token it was deployed with.
    await first.waitForLog(/the server refused the registration token/, { from, timeoutMs: 10_000 });

    // Nothing it sent brought the provider back.
    await events.settle();
    expect(events.transitions(provider.id)).toEqual(['PENDING→READY', 'READY→ERROR']);
    const view = await api.provider(provider.id);
    expect(view.status).toBe('ERROR');
    expect(view.statusMessage).toBe(revoked.statusMessage);
    expect(first.process.running).toBe(true);
    expect(await first.stop(), first.output()).toEqual({ code: 0, signal: null });
  });
});
