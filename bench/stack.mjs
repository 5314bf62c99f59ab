// The real stack the agent benchmarks share: PostgreSQL, a kube-apiserver, the server process, an admin
// API token, providers and their agent processes, and a graphql-ws subscriber. Every piece it starts is
// registered in `cleanups`.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import {
  ADMIN,
  adminToken,
  BENCH_SERVER_ENV,
  cleanups,
  load,
  SERVER_CPUS,
  startProcess,
  waitFor,
} from './support.mjs';

/** Stops a child process: SIGTERM, then waits for it to exit. */
const stopOnCleanup = (child, signal = 'SIGTERM') =>
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  });

/** PostgreSQL with the schema applied; returns its URL. */
export async function startDatabase() {
  const { startLocalPostgres } = await load('packages/local-postgres/dist/index.js');
  const { migrateDeploy } = await load('prisma/dist/index.js');
  const pgDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-bench-pg-'));
  const postgres = await startLocalPostgres({ dataDir: path.join(pgDir, 'data'), ephemeral: true });
  cleanups.push(async () => {
    await postgres.stop();
    rmSync(pgDir, { recursive: true, force: true });
  });
  await postgres.createDatabase('bench');
  const databaseUrl = postgres.databaseUrl('bench');
  await migrateDeploy(databaseUrl);
  return databaseUrl;
}

/** A real kube-apiserver + etcd with the given namespaces; `kubeconfig` is the admin's, on disk. */
export async function startCluster(namespaces) {
  const { startKubeCluster } = await load('packages/kube-testenv/dist/index.js');
  const cluster = await startKubeCluster({ name: 'bench' });
  cleanups.push(() => cluster.stop());
  for (const namespace of namespaces) await cluster.createNamespace(namespace);
  const kubeDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-bench-kube-'));
  cleanups.push(async () => rmSync(kubeDir, { recursive: true, force: true }));
  const kubeconfig = await cluster.writeKubeconfig(path.join(kubeDir, 'kubeconfig'));
  return { cluster, kubeconfig };
}

/**
 * The server process, pinned to SERVER_CPUS, with an admin signed in: `gql(query, variables)` runs as
 * that admin over HTTP, `adminToken` is its API token.
 */
export async function startServer(databaseUrl, { heartbeat = 5, grace = 15, env = {} } = {}) {
  const server = startProcess(
    'apps/server/dist/main.js',
    {
      DATABASE_URL: databaseUrl,
      KUBECONFIG: '',
      OUTPOST_PORT: '0',
      OUTPOST_ADMIN_EMAIL: ADMIN.email,
      OUTPOST_ADMIN_PASSWORD: ADMIN.password,
      OUTPOST_HEARTBEAT_INTERVAL: String(heartbeat),
      OUTPOST_HEARTBEAT_GRACE: String(grace),
      NODE_ENV: 'production',
      ...BENCH_SERVER_ENV,
      ...env,
    },
    { cpus: SERVER_CPUS },
  );
  stopOnCleanup(server);
  await waitFor(() => /Outpost API:\s+(\S+)/.test(server.output()), 180_000, 'the server');
  const graphqlUrl = /Outpost API:\s+(\S+)/.exec(server.output())[1];

  const token = await adminToken(graphqlUrl);
  const gql = async (query, variables = {}) => {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  return {
    server,
    graphqlUrl,
    adminToken: token,
    adminEmail: ADMIN.email,
    adminPassword: ADMIN.password,
    gql,
  };
}

/** Registers a provider for `namespace` of the cluster; returns its id and one-time registration token. */
export async function createProvider(gql, cluster, name, namespace) {
  const created = await gql(
    `mutation($input: CreateWorkspaceProviderInput!) {
      createWorkspaceProvider(input: $input) { provider { id } registrationToken { token } } }`,
    { input: { name, region: 'local', clusterAddress: cluster.server, namespace } },
  );
  return {
    id: created.createWorkspaceProvider.provider.id,
    registrationToken: created.createWorkspaceProvider.registrationToken.token,
  };
}

/**
 * Starts a real agent process for a provider. `serverUrl` is where it connects (the server, or a proxy
 * in front of it). After its first start the agent reuses the credential it stored in its namespace's
 * Secret, so restarting it needs no new registration token. The caller stops it; a cleanup kills it.
 */
export function startAgent({
  serverUrl,
  registrationToken,
  namespace,
  kubeconfig,
  heartbeat = 5,
  env = {},
  nodeArgs = [],
}) {
  const agent = startProcess(
    'apps/agent/dist/main.js',
    {
      OUTPOST_SERVER_URL: serverUrl,
      OUTPOST_REGISTRATION_TOKEN: registrationToken,
      OUTPOST_NAMESPACE: namespace,
      OUTPOST_HEARTBEAT_INTERVAL: String(heartbeat),
      KUBECONFIG: kubeconfig,
      OUTPOST_LOG_LEVEL: 'warn',
      ...env,
    },
    { nodeArgs },
  );
  stopOnCleanup(agent, 'SIGKILL');
  return agent;
}

/**
 * A graphql-ws subscriber to provider events (all providers when `providerId` is omitted). `events` holds
 * `{ at, event }` with `at` from performance.now(); `nextEvent(predicate, timeoutMs)` resolves with the
 * first matching event received after the call.
 */
export async function subscribeProviderEvents(graphqlUrl, adminToken, providerId) {
  const events = [];
  const socket = createClient({
    url: graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { token: adminToken },
    retryAttempts: Infinity,
  });
  cleanups.push(async () => socket.dispose());
  socket.subscribe(
    {
      query: `subscription($id: ID) { workspaceProviderEvents(providerId: $id) {
        type provider { id name cordoned } statusEvent { fromStatus toStatus message } } }`,
      variables: { id: providerId ?? null },
    },
    {
      next: (value) => events.push({ at: performance.now(), event: value.data.workspaceProviderEvents }),
      error: (error) => process.stderr.write(`subscriber: ${error?.message ?? JSON.stringify(error)}\n`),
      complete: () => undefined,
    },
  );
  // The subscription is live once the server has acknowledged it; there is no signal for that in
  // graphql-ws, so give it a moment, as the server's own tests do.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const nextEvent = async (predicate, timeoutMs) => {
    const from = events.length;
    let found;
    await waitFor(() => (found = events.slice(from).find((e) => predicate(e.event))), timeoutMs, 'an event');
    return found;
  };
  return { events, nextEvent };
}

/**
 * The propagation floor, a same-run baseline: for each of `trials` cordon/uncordon mutations, the time
 * from sending it to the subscriber (`nextEvent` of subscribeProviderEvents) receiving its event.
 */
export async function propagationFloor(gql, nextEvent, providerId, trials) {
  const floor = [];
  for (let i = 0; i < trials; i++) {
    const t0 = performance.now();
    const cordon = i % 2 === 0;
    const waiting = nextEvent((e) => e.type === 'CORDON_CHANGED' && e.provider?.cordoned === cordon, 10_000);
    await gql(
      cordon
        ? 'mutation($id: ID!) { cordonWorkspaceProvider(id: $id, reason: "bench") { id } }'
        : 'mutation($id: ID!) { uncordonWorkspaceProvider(id: $id) { id } }',
      { id: providerId },
    );
    floor.push((await waiting).at - t0);
  }
  return floor;
}
