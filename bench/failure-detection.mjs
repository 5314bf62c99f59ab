#!/usr/bin/env node
// Failure detection: time from SIGKILL of a provider agent to a subscriber receiving the provider's
// READY → ERROR event, over repeated trials, against real PostgreSQL, a real kube-apiserver, the real
// agent and server processes.
//
//   node bench/failure-detection.mjs [--trials 20] [--heartbeat 5] [--grace 15] [--label default]
//
// Baseline measured in the same run: the propagation floor, i.e. time from a status-changing mutation
// (cordon) to the subscriber receiving its event. Detection is reported with its ratio to the
// configured heartbeat + grace (the detection the design promises) and to the floor.
// Run `npm run build` (or `npm test`) first. Writes bench/results/failure-detection-<label>.{json,md}.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { args, cleanup, cleanups, load, root, startProcess, stats, waitFor } from './support.mjs';

const { startLocalPostgres } = await load('packages/local-postgres/dist/index.js');
const { migrateDeploy } = await load('prisma/dist/index.js');
const { startKubeCluster } = await load('packages/kube-testenv/dist/index.js');

const trials = Number(args.trials ?? 20);
const heartbeat = Number(args.heartbeat ?? 5);
const grace = Number(args.grace ?? 15);
const label = args.label ?? `hb${heartbeat}-grace${grace}`;
const ADMIN = { email: 'bench@example.com', password: 'benchmark-password' };

try {
  // PostgreSQL and the schema.
  const pgDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-bench-pg-'));
  const postgres = await startLocalPostgres({ dataDir: path.join(pgDir, 'data'), ephemeral: true });
  cleanups.push(async () => {
    await postgres.stop();
    rmSync(pgDir, { recursive: true, force: true });
  });
  await postgres.createDatabase('bench');
  const databaseUrl = postgres.databaseUrl('bench');
  await migrateDeploy(databaseUrl);

  // One real cluster for the agent.
  const cluster = await startKubeCluster({ name: 'bench' });
  cleanups.push(() => cluster.stop());
  await cluster.createNamespace('bench');
  const kubeDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-bench-kube-'));
  cleanups.push(async () => rmSync(kubeDir, { recursive: true, force: true }));
  const kubeconfig = await cluster.writeKubeconfig(path.join(kubeDir, 'kubeconfig'));

  // The server.
  const server = startProcess('apps/server/dist/main.js', {
    DATABASE_URL: databaseUrl,
    KUBECONFIG: '',
    OUTPOST_PORT: '0',
    OUTPOST_ADMIN_EMAIL: ADMIN.email,
    OUTPOST_ADMIN_PASSWORD: ADMIN.password,
    OUTPOST_HEARTBEAT_INTERVAL: String(heartbeat),
    OUTPOST_HEARTBEAT_GRACE: String(grace),
    NODE_ENV: 'production',
  });
  cleanups.push(async () => {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  });
  await waitFor(() => /Outpost API:\s+(\S+)/.test(server.output()), 60_000, 'the server');
  const graphqlUrl = /Outpost API:\s+(\S+)/.exec(server.output())[1];

  const gql = async (query, variables = {}, token) => {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const login = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { id } } }',
      variables: { e: ADMIN.email, p: ADMIN.password },
    }),
  });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const tokenResponse = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ query: 'mutation { createApiToken(name: "bench") { token } }' }),
  });
  const adminToken = (await tokenResponse.json()).data.createApiToken.token;
  const created = await gql(
    `mutation($input: CreateWorkspaceProviderInput!) {
      createWorkspaceProvider(input: $input) { provider { id } registrationToken { token } } }`,
    { input: { name: 'bench', region: 'local', clusterAddress: cluster.server, namespace: 'bench' } },
    adminToken,
  );
  const providerId = created.createWorkspaceProvider.provider.id;

  // The subscriber whose clock we read.
  const events = [];
  const socket = createClient({
    url: graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { token: adminToken },
  });
  cleanups.push(() => socket.dispose());
  socket.subscribe(
    {
      query: `subscription($id: ID) { workspaceProviderEvents(providerId: $id) {
        type provider { cordoned } statusEvent { fromStatus toStatus } } }`,
      variables: { id: providerId },
    },
    {
      next: (value) => events.push({ at: performance.now(), event: value.data.workspaceProviderEvents }),
      error: () => undefined,
      complete: () => undefined,
    },
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  const nextEvent = async (predicate, timeoutMs) => {
    const from = events.length;
    let found;
    await waitFor(() => (found = events.slice(from).find((e) => predicate(e.event))), timeoutMs, 'an event');
    return found;
  };

  // The agent, restarted after every kill; after the first start it reuses the credential in its Secret.
  let agent;
  const startAgent = () => {
    agent = startProcess('apps/agent/dist/main.js', {
      OUTPOST_SERVER_URL: graphqlUrl,
      OUTPOST_REGISTRATION_TOKEN: created.createWorkspaceProvider.registrationToken.token,
      OUTPOST_NAMESPACE: 'bench',
      OUTPOST_HEARTBEAT_INTERVAL: String(heartbeat),
      KUBECONFIG: kubeconfig,
      OUTPOST_LOG_LEVEL: 'warn',
    });
  };
  cleanups.push(async () => agent?.kill('SIGKILL'));

  // Baseline: commit → subscriber for a plain mutation, same server, same subscriber.
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
      adminToken,
    );
    floor.push((await waiting).at - t0);
  }

  const detection = [];
  for (let i = 0; i < trials; i++) {
    const ready = nextEvent((e) => e.statusEvent?.toStatus === 'READY', 120_000);
    startAgent();
    await ready;
    // Kill at a random point of the heartbeat cycle, as a real crash would.
    await new Promise((resolve) => setTimeout(resolve, 1000 + Math.random() * heartbeat * 1000));
    const errored = nextEvent((e) => e.statusEvent?.toStatus === 'ERROR', (heartbeat + grace) * 4000);
    const t0 = performance.now();
    agent.kill('SIGKILL');
    detection.push((await errored).at - t0);
    process.stdout.write(`trial ${i + 1}/${trials}: ${(detection.at(-1) / 1000).toFixed(2)} s\n`);
  }

  const promised = (heartbeat + grace) * 1000;
  const d = stats(detection);
  const f = stats(floor);
  const result = {
    label,
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    settings: { heartbeatSeconds: heartbeat, graceSeconds: grace, trials },
    detectionMs: d,
    propagationFloorMs: f,
    ratios: {
      medianDetectionToHeartbeatPlusGrace: d.median / promised,
      maxDetectionToHeartbeatPlusGrace: d.max / promised,
      medianDetectionToFloor: d.median / f.median,
    },
    anchorsSeconds: { kubernetesNodeNotReady: '40–50', coder: 30, openClusterManagement: 300 },
    rawMs: { detection, floor },
  };
  const ms = (v) => `${(v / 1000).toFixed(2)} s`;
  const markdown = [
    `# Failure detection (${label})`,
    '',
    `${result.date} · ${result.machine} · heartbeat ${heartbeat} s, grace ${grace} s, ${trials} trials`,
    '',
    '| measure | min | median | p90 | max |',
    '|---|---|---|---|---|',
    `| SIGKILL → subscriber receives ERROR | ${ms(d.min)} | ${ms(d.median)} | ${ms(d.p90)} | ${ms(d.max)} |`,
    `| baseline: mutation → subscriber receives event | ${f.min.toFixed(1)} ms | ${f.median.toFixed(1)} ms | ${f.p90.toFixed(1)} ms | ${f.max.toFixed(1)} ms |`,
    '',
    `Median detection is ${result.ratios.medianDetectionToHeartbeatPlusGrace.toFixed(2)}× heartbeat + grace ` +
      `(${heartbeat + grace} s; max ${result.ratios.maxDetectionToHeartbeatPlusGrace.toFixed(2)}×). ` +
      "Detection can be shorter than heartbeat + grace because the agent's last heartbeat came up to one interval before the kill.",
    '',
    'Anchors: Kubernetes marks a node NotReady after 40–50 s, Coder after 30 s, Open Cluster Management after 300 s.',
    '',
  ].join('\n');
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(
    path.join(root, `bench/results/failure-detection-${label}.json`),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  writeFileSync(path.join(root, `bench/results/failure-detection-${label}.md`), markdown);
  console.log(markdown);
} finally {
  await cleanup();
}
