#!/usr/bin/env node
// Replica failover: two server replicas on one PostgreSQL behind a round-robin TCP balancer (standing in
// for a Kubernetes Service: a connection refused by a dead replica is retried on the other), with
// --agents simulated agents and --real-agents real agent processes connected through it.
//
//   node bench/replica-failover.mjs [--agents 1000] [--real-agents 3] [--heartbeat 5] [--grace 15]
//                                   [--calm-seconds 30] [--smoke]
//
// Simulated agents (named as such: graphql-ws clients speaking the real agent protocol of
// apps/agent/PROTOCOL.md, no Kubernetes) do what the real agent does on every connection — report, then
// heartbeat every interval at their own phase — and reconnect with the real agent's back-off
// (apps/agent/dist/backoff.js, RECONNECT_BACKOFF). The real agents watch a real kube-apiserver.
//
// Phases, every one counted for false ERRORs (no agent ever fails, so every ERROR is false):
//  1. calm: heartbeats for --calm-seconds; their round trips are the same-run baseline;
//  2. kill: SIGKILL one replica. Every agent it held must re-home on the survivor (its next report there
//     succeeds) within the agents' maximum back-off; heartbeat round trips during the reconnect storm are
//     compared with the calm phase's;
//  3. rolling restart: the killed replica is started again, then each replica in turn is stopped with
//     SIGTERM (as a rolling update does) and started again once its agents re-homed on the other.
// Run `npm run build` first. Writes bench/results/replica-failover.{json,md}.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';

import {
  adminToken,
  args,
  cleanup,
  cleanups,
  load,
  machine,
  pinLoadGenerator,
  smoke,
  waitFor,
  writeResult,
} from './support.mjs';
import { insertAgentProviders, percentiles, sleep, startServer } from './events-stack.mjs';
import { createProvider, startAgent, startCluster, startDatabase } from './stack.mjs';

const simulated = Number(args.agents ?? (smoke ? 40 : 1000));
const realAgents = Number(args['real-agents'] ?? (smoke ? 1 : 3));
const heartbeat = Number(args.heartbeat ?? 5);
const grace = Number(args.grace ?? 15);
const calmSeconds = Number(args['calm-seconds'] ?? (smoke ? 6 : 30));
/** How long after the last re-home the storm phase keeps measuring heartbeats. */
const settleSeconds = smoke ? 3 : 10;

const REPORT = `mutation($input: AgentStatusInput!) { reportAgentStatus(input: $input) { status } }`;
const HEARTBEAT = 'mutation { agentHeartbeat { status } }';

pinLoadGenerator();
const { backoffDelayMs, RECONNECT_BACKOFF } = await load('apps/agent/dist/backoff.js');
// The checks every report must carry (PROTOCOL.md "Input limits").
const { REQUIRED_CHECK_NAMES } = await load('apps/agent/dist/server/input-limits.js');

/**
 * A round-robin TCP balancer on 127.0.0.1: each new connection goes to the next upstream; one whose
 * connect is refused (a killed replica) is retried on the others, as a Service's endpoints would be.
 */
async function startBalancer(upstreamPorts) {
  let ports = [...upstreamPorts];
  let next = 0;
  const sockets = new Set();
  /** Client port → the upstream port its connection went to: which agents a replica holds. */
  const routes = new Map();
  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    const tryUpstream = (attempt) => {
      if (attempt >= ports.length) return client.destroy();
      const port = ports[next++ % ports.length];
      const upstream = net.connect(port, '127.0.0.1');
      upstream.once('connect', () => {
        routes.set(client.remotePort, port);
        sockets.add(upstream);
        upstream.on('close', () => {
          sockets.delete(upstream);
          client.destroy();
        });
        client.on('close', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      upstream.once('error', (error) => {
        if (!upstream.connecting && error.code !== 'ECONNREFUSED') return;
        upstream.destroy();
        tryUpstream(attempt + 1);
      });
    };
    tryUpstream(0);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: server.address().port, routes, setUpstreams: (p) => (ports = [...p]) };
}

const portOf = (replica) => Number(new URL(replica.graphqlUrl).port);

/** One query or mutation over a graphql-ws client; rejects on errors or a socket closed under it. */
function execute(client, query, variables) {
  return new Promise((resolve, reject) => {
    let result;
    client.subscribe(
      { query, variables },
      {
        next: (value) => (result = value),
        error: (error) => reject(error instanceof Error ? error : new Error(`closed ${error?.code}`)),
        complete: () =>
          result?.errors ? reject(new Error(JSON.stringify(result.errors))) : resolve(result.data),
      },
    );
  });
}

/**
 * A simulated agent, behaving as the real one does (apps/agent/src/agent.ts): its own connection loop
 * that reconnects after any close with the real agent's back-off (graphql-ws's client would give up on a
 * close code it deems fatal, such as 4500 from a server that lost its database); on every connection a
 * report, retried with the same back-off until it is taken; heartbeats every interval at its own phase
 * while connected. `reports` holds the time each report was taken (the re-home evidence), `heartbeats`
 * each heartbeat's { at, ms }.
 */
function simulatedAgent(url, credential) {
  const agent = { reports: [], heartbeats: [], failures: 0, connections: 0, lastError: null };
  const failed = (error) => {
    agent.failures++;
    agent.lastError = error?.message ?? String(error);
  };
  // One id per process, so a reconnect keeps its agent lease (PROTOCOL.md "Lease").
  const instanceId = randomUUID();
  let stopped = false;
  let client;
  let session = 0;
  const report = async (mine) => {
    for (let attempt = 0; !stopped && mine === session; attempt++) {
      try {
        await execute(client, REPORT, {
          input: {
            agentVersion: '1.0.0',
            protocolVersion: 1,
            kubernetesVersion: 'v1.31.0',
            nodeSummary: { nodeCount: 3 },
            checks: REQUIRED_CHECK_NAMES.map((name) => ({ name, passed: true, message: 'ok' })),
          },
        });
        agent.reports.push(performance.now());
        return;
      } catch (error) {
        failed(error);
        await sleep(backoffDelayMs(attempt, RECONNECT_BACKOFF));
      }
    }
  };
  const connect = (attempt) => {
    if (stopped) return;
    const mine = ++session;
    let opened = false;
    client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { token: credential, agentInstanceId: instanceId },
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: () => undefined,
      on: {
        connected: (socket) => {
          opened = true;
          agent.online = true;
          agent.connections++;
          // The balancer knows this connection by our end's port (ws keeps the TCP socket in _socket).
          agent.localPort = socket._socket?.localPort;
          void report(mine);
        },
        closed: () => {
          if (mine === session) agent.online = false;
          if (stopped || mine !== session) return;
          session++;
          const next = opened ? 0 : attempt + 1;
          setTimeout(() => connect(next), backoffDelayMs(next, RECONNECT_BACKOFF));
        },
      },
    });
  };
  connect(0);
  // Like the real agent, heartbeats only within a session.
  const beat = () => {
    if (!agent.online) return;
    const t0 = performance.now();
    execute(client, HEARTBEAT).then(
      () => agent.heartbeats.push({ at: t0, ms: performance.now() - t0 }),
      failed,
    );
  };
  const phase = setTimeout(
    () => {
      beat();
      agent.timer = setInterval(beat, heartbeat * 1000);
    },
    Math.random() * heartbeat * 1000,
  );
  agent.stop = async () => {
    stopped = true;
    clearTimeout(phase);
    clearInterval(agent.timer);
    await client.dispose();
  };
  return agent;
}

try {
  const databaseUrl = await startDatabase();
  const serverEnv = {
    OUTPOST_HEARTBEAT_INTERVAL: String(heartbeat),
    OUTPOST_HEARTBEAT_GRACE: String(grace),
  };
  const replicas = [await startServer(databaseUrl, serverEnv), await startServer(databaseUrl, serverEnv)];
  const balancer = await startBalancer(replicas.map(portOf));
  const balancedUrl = `http://127.0.0.1:${balancer.port}/graphql`;
  const token = await adminToken(replicas[0].graphqlUrl);
  const gql = async (query, variables = {}) => {
    const response = await fetch(replicas[0].graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };

  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  db.on('error', () => undefined);
  cleanups.push(() => db.end());

  // Real agents, each with its own namespace of one real kube-apiserver.
  const namespaces = Array.from({ length: realAgents }, (_, i) => `failover-${i + 1}`);
  const { cluster, kubeconfig } = await startCluster(namespaces);
  const real = [];
  for (const namespace of namespaces) {
    const provider = await createProvider(gql, cluster, namespace, namespace);
    real.push({
      ...provider,
      process: startAgent({
        serverUrl: balancedUrl,
        registrationToken: provider.registrationToken,
        namespace,
        kubeconfig,
        heartbeat,
      }),
    });
  }

  // Simulated agents: providers and credentials as registerAgent would leave them.
  const { providers, credentials } = await insertAgentProviders(db, simulated, 'simulated-');
  const agents = [];
  cleanups.push(() => Promise.all(agents.map((agent) => agent.stop())));
  for (const credential of credentials) {
    agents.push(simulatedAgent(balancedUrl.replace(/^http/, 'ws'), credential));
    if (agents.length % 20 === 0) await sleep(100); // not all at once: a start-up storm is not measured
  }
  const allIds = [...providers.map((p) => p.id), ...real.map((p) => p.id)];
  const readyCount = async () =>
    (
      await db.query(
        `SELECT count(*)::int AS n FROM workspace_providers WHERE status = 'READY' AND id = ANY($1::uuid[])`,
        [allIds],
      )
    ).rows[0].n;
  await waitFor(async () => (await readyCount()) === allIds.length, 180_000, 'every provider READY').catch(
    (error) => {
      const errors = [...new Set(agents.map((a) => a.lastError).filter(Boolean))];
      throw new Error(`${error.message}; simulated agents' errors: ${errors.join(' | ') || 'none'}`);
    },
  );
  const startedAt = (await db.query('SELECT now() AS now')).rows[0].now;
  process.stdout.write(`${simulated} simulated + ${realAgents} real agents READY\n`);

  const errorsSince = async (since) =>
    (
      await db.query(
        `SELECT provider_id, message, at FROM provider_status_events
         WHERE at >= $1 AND to_status = 'ERROR' AND provider_id = ANY($2::uuid[])`,
        [since, allIds],
      )
    ).rows;
  const heartbeatsBetween = (from, to) =>
    agents.flatMap((a) => a.heartbeats.filter((h) => h.at >= from && h.at < to).map((h) => h.ms));

  // 1. Calm.
  const calmFrom = performance.now();
  await sleep(calmSeconds * 1000);
  const calm = percentiles(heartbeatsBetween(calmFrom, performance.now()));

  /**
   * Stops or kills one replica and waits until every simulated agent that lost its socket has reported
   * on the other (agents on the survivor keep their sockets and need not report again) and every
   * provider is READY; returns the agents that moved and each one's re-home delay in ms.
   */
  const failOver = async (replica, signal, what) => {
    const port = portOf(replica);
    const moved = agents.filter((a) => balancer.routes.get(a.localPort) === port);
    const at = performance.now();
    const exited = new Promise((resolve) => replica.process.once('exit', resolve));
    replica.process.kill(signal);
    await exited;
    await waitFor(
      async () => moved.every((a) => a.reports.at(-1) > at) && (await readyCount()) === allIds.length,
      RECONNECT_BACKOFF.maxMs * 2 + 30_000,
      what,
    );
    return { at, moved, reHomeMs: moved.map((a) => a.reports.find((t) => t > at) - at) };
  };

  // 2. One replica SIGKILLed.
  const {
    at: killedAt,
    moved,
    reHomeMs,
  } = await failOver(replicas[1], 'SIGKILL', 'every agent of the killed replica to re-home');
  await sleep(settleSeconds * 1000);
  const storm = percentiles(heartbeatsBetween(killedAt, performance.now()));
  const killErrors = await errorsSince(startedAt);
  process.stdout.write(`kill: ${moved.length} agents re-homed, ${killErrors.length} ERRORs\n`);

  // 3. Rolling restart: start the killed replica again, then restart each in turn with SIGTERM.
  const rollingFrom = (await db.query('SELECT now() AS now')).rows[0].now;
  replicas[1] = await startServer(databaseUrl, serverEnv);
  balancer.setUpstreams(replicas.map(portOf));
  const rollingSteps = [];
  for (const index of [0, 1]) {
    const step = await failOver(replicas[index], 'SIGTERM', `agents of replica ${index + 1} to re-home`);
    rollingSteps.push({
      replica: index + 1,
      agentsReHomed: step.moved.length,
      reHomeMs: percentiles(step.reHomeMs),
    });
    replicas[index] = await startServer(databaseUrl, serverEnv);
    balancer.setUpstreams(replicas.map(portOf));
  }
  // Heartbeats keep flowing for a grace period after the last restart: an ERROR caused by the restart
  // would land by then.
  await sleep((grace + heartbeat) * 1000);
  const rollingErrors = await errorsSince(rollingFrom);
  const finalReady = await readyCount();

  const reHome = percentiles(reHomeMs);
  const maxBackoffMs = RECONNECT_BACKOFF.maxMs;
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    smoke,
    settings: { simulated, realAgents, heartbeat, grace, calmSeconds, maxBackoffMs },
    calmHeartbeatMs: calm,
    kill: {
      agentsReHomed: moved.length,
      reHomeMs: reHome,
      stormHeartbeatMs: storm,
      falseErrors: killErrors.length,
    },
    rollingRestart: { steps: rollingSteps, falseErrors: rollingErrors.length },
    providersReadyAtEnd: `${finalReady} of ${allIds.length}`,
    errorTransitions: [...killErrors, ...rollingErrors],
    ratios: { stormP99ToCalmP99: Math.round((storm.p99 / calm.p99) * 100) / 100 },
  };
  result.targets = [
    {
      target: `Replica killed with ${simulated} agents: all re-homed within the maximum back-off (${maxBackoffMs / 1000} s), zero false ERRORs`,
      measured:
        `${moved.length} re-homed, worst ${(reHome.max / 1000).toFixed(2)} s (median ${(reHome.p50 / 1000).toFixed(2)} s); ` +
        `${killErrors.length} false ERRORs; heartbeat p99 in the storm ${storm.p99} ms vs calm ${calm.p99} ms (${result.ratios.stormP99ToCalmP99}×)`,
      met: moved.length > 0 && reHome.max <= maxBackoffMs && killErrors.length === 0,
    },
    {
      target: 'Zero false ERRORs across a rolling restart of both server replicas',
      measured: `${rollingErrors.length} false ERRORs; ${finalReady} of ${allIds.length} providers READY after`,
      met: rollingErrors.length === 0 && finalReady === allIds.length,
    },
  ];
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const markdown = [
    `# Replica failover${smoke ? ' (smoke: numbers mean nothing)' : ''}`,
    '',
    `${result.date} · ${result.machine}`,
    '',
    `Two server replicas on one PostgreSQL behind a round-robin TCP balancer (a stand-in for a Service); ` +
      `${simulated} simulated agents (the real protocol and the real agent's reconnect back-off, no Kubernetes) ` +
      `and ${realAgents} real agent processes on a real kube-apiserver; heartbeat ${heartbeat} s, grace ${grace} s.`,
    '',
    '| phase | agents re-homed | re-home median | re-home max | heartbeat p50 | heartbeat p99 | false ERRORs |',
    '|---|---|---|---|---|---|---|',
    `| baseline: calm, ${calmSeconds} s | — | — | — | ${calm.p50} ms | ${calm.p99} ms | 0 |`,
    `| one replica SIGKILLed | ${moved.length} | ${s(reHome.p50)} | ${s(reHome.max)} | ${storm.p50} ms | ${storm.p99} ms | ${killErrors.length} |`,
    ...rollingSteps.map(
      (step) =>
        `| rolling restart: replica ${step.replica} SIGTERM | ${step.agentsReHomed} | ${s(step.reHomeMs.p50)} | ${s(step.reHomeMs.max)} | — | — | — |`,
    ),
    '',
    `Heartbeat p99 during the reconnect storm (heartbeats of connected agents, from the kill until ${settleSeconds} s ` +
      `after the last re-home) is ${result.ratios.stormP99ToCalmP99}× the calm p99 of the same run. ` +
      `False ERRORs across the rolling restart: ${rollingErrors.length}; providers READY at the end: ${result.providersReadyAtEnd}.`,
    '',
    ...result.targets.map((t) => `- ${t.met ? 'met' : 'MISSED'}: ${t.target} — ${t.measured}`),
    '',
  ].join('\n');
  writeResult('replica-failover', result, markdown);
  console.log(markdown);
} finally {
  await cleanup();
}
