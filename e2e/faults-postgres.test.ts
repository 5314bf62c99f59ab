import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeCluster, type KubeCluster } from '@outpost/kube-testenv';
import { startLocalPostgres, type LocalPostgres } from '@outpost/local-postgres';
import { migrateDeploy } from '@outpost/prisma';
import { startAgentProcess, stopAgents } from './support/agent.js';
import { ProviderEvents } from './support/events.js';
import { OutpostApi } from './support/outpost-api.js';
import { startOutpostServer, type OutpostServer } from './support/server.js';
import { Teardown } from './support/teardown.js';

/**
 * The control plane's own database goes away under load, and comes back: a PostgreSQL of this test's
 * own (the rest of the suite shares another), a real server process, a real agent against a real
 * kube-apiserver, an admin's subscription and a stream of API calls the whole time.
 */

const HEARTBEAT_SECONDS = 1;
const GRACE_SECONDS = 3;
/** Longer than heartbeat + grace: long enough that a naive silent-agent monitor would blame the agent. */
const OUTAGE_MS = 8_000;

describe('PostgreSQL stopped under load', () => {
  const teardown = new Teardown();
  let postgres: LocalPostgres;
  let pgDir: string;
  let cluster: KubeCluster;
  let server: OutpostServer;
  let api: OutpostApi;
  let events: ProviderEvents;

  beforeAll(async () => {
    pgDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-faults-pg-'));
    teardown.defer(async () => rmSync(pgDir, { recursive: true, force: true }));
    postgres = await startLocalPostgres({ dataDir: path.join(pgDir, 'data'), ephemeral: true });
    teardown.defer(() => postgres.stop());
    await postgres.createDatabase('outpost');
    await migrateDeploy(postgres.databaseUrl('outpost'));
    [cluster, server] = await Promise.all([
      teardown.track(startKubeCluster({ name: 'faults-postgres' }), (started) => started.stop()),
      teardown.track(
        startOutpostServer({
          heartbeatIntervalSeconds: HEARTBEAT_SECONDS,
          heartbeatGraceSeconds: GRACE_SECONDS,
          databaseUrl: postgres.databaseUrl('outpost'),
        }),
        (started) => started.stop(),
      ),
    ]);
    teardown.defer(stopAgents);
    api = new OutpostApi(server.client, server.admin);
    events = await teardown.track(ProviderEvents.open(api), (started) => started.close());
  });

  afterAll(() => teardown.run());

  it('fails calls fast with SERVICE_UNAVAILABLE, blames no agent, and recovers within 5 s of PostgreSQL returning', async () => {
    const provider = await api.createProvider({
      name: 'pg-outage',
      namespace: 'pg-outage',
      clusterAddress: cluster.server,
    });
    const agent = await startAgentProcess({
      label: 'pg-outage',
      serverUrl: server.url,
      cluster,
      namespace: 'pg-outage',
      registrationToken: provider.registrationToken,
      heartbeatIntervalSeconds: HEARTBEAT_SECONDS,
    });
    await events.next(provider.id, 'PENDING→READY');

    // Load: an admin listing providers back to back for the whole test, every answer timed.
    const calls: Array<{ startedAt: number; ms: number; status: number; code: string }> = [];
    let loading = true;
    const load = (async () => {
      while (loading) {
        const startedAt = performance.now();
        try {
          const response = await server.client.request(
            `{ workspaceProviders(first: 10) { totalCount } }`,
            {},
            server.admin,
          );
          calls.push({
            startedAt,
            ms: performance.now() - startedAt,
            status: response.status,
            code: response.errors ? String(response.errors[0]?.extensions?.code) : 'OK',
          });
        } catch (error) {
          calls.push({ startedAt, ms: performance.now() - startedAt, status: 0, code: String(error) });
        }
      }
    })();
    teardown.defer(async () => {
      loading = false;
      await load;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));

    const stoppedAt = performance.now();
    await postgres.stop();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    const during = calls.filter((call) => call.startedAt > stoppedAt + 200);
    expect(during.length).toBeGreaterThan(5);
    // Every call during the outage answered, within 3 s, with the retryable code and a 503.
    for (const call of during) {
      expect(call, JSON.stringify(call)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
      expect(call.ms).toBeLessThan(3_000);
    }
    const refusal = await server.client.request(
      `{ workspaceProviders(first: 1) { totalCount } }`,
      {},
      server.admin,
    );
    expect(refusal.errors?.[0]?.message).toMatch(/database is unreachable.*Retry/);
    expect(refusal.errors?.[0]?.extensions?.retryable).toBe(true);
    expect(refusal.headers.get('retry-after')).toBe('2');

    // PostgreSQL back, same port and data: the server serves again within 5 s, without a restart.
    postgres = await startLocalPostgres({
      dataDir: path.join(pgDir, 'data'),
      port: postgres.port,
      ephemeral: true,
    });
    const restartedAt = performance.now();
    await expect
      .poll(() => calls.findLast((call) => call.startedAt > restartedAt)?.code, {
        timeout: 5_000,
        interval: 50,
      })
      .toBe('OK');
    const recoveredInMs =
      calls.find((call) => call.startedAt > restartedAt && call.code === 'OK')!.startedAt - restartedAt;
    expect(recoveredInMs).toBeLessThan(5_000);
    loading = false;
    await load;

    // The agent kept its connection (its heartbeats were answered SERVICE_UNAVAILABLE, not dropped) and
    // heartbeats again within about one interval of PostgreSQL returning.
    const restartedWallClock = Date.now() - (performance.now() - restartedAt);
    await expect
      .poll(
        async () => Date.parse((await api.provider(provider.id)).lastHeartbeatAt ?? '') > restartedWallClock,
        {
          timeout: (HEARTBEAT_SECONDS * 2 + 1) * 1000,
          interval: 100,
        },
      )
      .toBe(true);
    expect(agent.output()).not.toMatch(/lost the connection to the server/);
    expect(agent.output()).toMatch(/database is unreachable/);

    // The subscription opened before the outage still delivers, so LISTEN came back too.
    await events.settle();
    // Wait out more than a grace period after recovery: the agent, back on its heartbeats, was never
    // marked ERROR for the control plane's own outage.
    await new Promise((resolve) => setTimeout(resolve, (GRACE_SECONDS + 2) * 1000));
    await events.settle();
    expect(events.transitions(provider.id)).toEqual(['PENDING→READY']);
    expect((await api.provider(provider.id)).status).toBe('READY');
  }, 120_000);
});
