#!/usr/bin/env node
// Heartbeat ingest: 2,000 simulated agents (no Kubernetes: graphql-ws clients speaking the real agent
// protocol of apps/agent/PROTOCOL.md, each on its own WebSocket with its own agent credential) send
// `agentHeartbeat` every 5 s at a random phase — 400 heartbeats/s — to one server process. Measures the
// heartbeat round trip (p50/p99/max), the server's CPU and RSS, and the NOTIFY messages PostgreSQL
// delivers on the server's channel while nothing changes (must be zero: an unchanged heartbeat writes
// one row and publishes nothing).
//
//   node bench/heartbeat-ingest.mjs [--agents 2000] [--interval 5] [--seconds 60] [--floor-seconds 30]
//                                   [--profile <dir>] [--smoke]
//
// Set-up shortcut: the providers and their agent credentials are inserted with SQL (credentials hashed
// with the server's own hashToken), instead of 2,000 registrations; everything measured goes through
// the server. Each agent first sends one reportAgentStatus (all checks pass → READY), then heartbeats.
//
// Baselines measured in the same run, at the same rate over the same connections:
//  - protocol floor: `{ __typename }` over each agent's WebSocket. It pays for everything a heartbeat
//    does except the heartbeat itself: WebSocket, graphql-ws, GraphQL execution and the per-operation
//    re-check of the agent credential (one indexed read);
//  - database floor: the heartbeat's UPDATE sent straight through `pg` (a pool of 10) from the bench.
// Run `npm run build` first. Writes bench/results/heartbeat-ingest.{json,md}.
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';

import {
  args,
  cleanup,
  cleanups,
  cpuTimeMs,
  machine,
  pinLoadGenerator,
  rssBytes,
  smoke,
  writeResult,
} from './support.mjs';
import {
  insertAgentProviders,
  now,
  percentiles,
  sleep,
  startDatabase,
  startServer,
} from './events-stack.mjs';

const agents = Number(args.agents ?? (smoke ? 50 : 2000));
const intervalSeconds = Number(args.interval ?? 5);
const measureSeconds = Number(args.seconds ?? (smoke ? 6 : 60));
const floorSeconds = Number(args['floor-seconds'] ?? (smoke ? 4 : 30));
const warmUpSeconds = smoke ? 2 : 10;
const NOTIFY_CHANNEL = 'outpost_events'; // apps/server/src/events/notifications.ts

const HEARTBEAT = 'mutation { agentHeartbeat { status heartbeatIntervalSeconds } }';
const PING = '{ __typename }';
const REPORT = `mutation($input: AgentStatusInput!) { reportAgentStatus(input: $input) { status } }`;

pinLoadGenerator();

try {
  const databaseUrl = await startDatabase();
  // The set-up (2,000 first reports, then the heartbeats start) can take longer than the default 15 s
  // grace on a busy machine; a 60 s grace keeps the silence monitor from flipping providers READY → ERROR
  // → READY meanwhile, which would send NOTIFY for real transitions and blur the count we are after.
  // `--profile <dir>`: the server writes a V8 CPU profile there when it stops.
  const nodeArgs = args.profile ? ['--cpu-prof', '--cpu-prof-dir', args.profile] : [];
  const server = await startServer(
    databaseUrl,
    { OUTPOST_HEARTBEAT_INTERVAL: String(intervalSeconds), OUTPOST_HEARTBEAT_GRACE: '60' },
    { nodeArgs },
  );
  const db = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  db.on('error', () => undefined);
  cleanups.push(() => db.end());

  // Providers and credentials, as registerAgent would leave them.
  const { providers, credentials } = await insertAgentProviders(db, agents, 'agent-');

  // Count every NOTIFY on the server's channel, by phase.
  const listener = new pg.Client({ connectionString: databaseUrl });
  listener.on('error', () => undefined); // PostgreSQL stopping at cleanup ends it
  await listener.connect();
  cleanups.push(() => listener.end());
  let notifications = 0;
  const notificationTypes = {}; // STATUS_CHANGED (a real transition) vs anything else
  listener.on('notification', (message) => {
    notifications++;
    const { type } = JSON.parse(message.payload);
    notificationTypes[type] = (notificationTypes[type] ?? 0) + 1;
  });
  await listener.query(`LISTEN ${NOTIFY_CHANNEL}`);

  // One WebSocket per agent, a few connecting at a time.
  const clients = [];
  const closedByServer = [];
  let stopping = false;
  cleanups.push(async () => (stopping = true));
  cleanups.push(() => Promise.all(clients.map((client) => client.dispose())));
  const queue = [...credentials];
  const connectStarted = Date.now();
  await Promise.all(
    Array.from({ length: 25 }, async () => {
      while (queue.length > 0) {
        const token = queue.shift();
        await new Promise((resolve, reject) => {
          const client = createClient({
            url: server.websocketUrl,
            webSocketImpl: WebSocket,
            connectionParams: { token },
            // Like the real agent, reconnect when the server closes the socket (counted below).
            retryAttempts: 5,
            lazy: false,
            // Counted below instead of graphql-ws's default of printing every failure.
            onNonLazyError: () => undefined,
            on: {
              connected: resolve,
              error: reject,
              closed: (event) => {
                if (!stopping) closedByServer.push(`${event.code} ${event.reason}`);
              },
            },
          });
          clients.push(client);
        });
      }
    }),
  );
  const connectSeconds = (Date.now() - connectStarted) / 1000;
  process.stdout.write(`${agents} agents connected in ${connectSeconds.toFixed(1)} s\n`);

  /**
   * Every agent sends `send()` once per interval at its own random phase, for warm-up + measured
   * seconds; returns the round trips of the sends that started in the measured window, and what the
   * server used meanwhile.
   */
  const atRate = async (send, warmUp, measured) => {
    const samples = [];
    let failures = 0;
    const timers = [];
    const started = now();
    const measureFrom = started + warmUp * 1000;
    const measureTo = measureFrom + measured * 1000;
    const inFlight = new Set();
    for (let i = 0; i < agents; i++) {
      const beat = () => {
        const t0 = now();
        if (t0 >= measureTo) return;
        const request = send(i)
          .then(() => {
            if (t0 >= measureFrom) samples.push(now() - t0);
          })
          .catch(() => failures++)
          .finally(() => inFlight.delete(request));
        inFlight.add(request);
      };
      timers.push(
        setTimeout(
          () => {
            beat();
            timers.push(setInterval(beat, intervalSeconds * 1000));
          },
          Math.random() * intervalSeconds * 1000,
        ),
      );
    }
    await sleep(warmUp * 1000);
    const notificationsBefore = notifications;
    const typesBefore = { ...notificationTypes };
    const cpuBefore = cpuTimeMs(server.process.pid);
    const wallBefore = performance.now();
    await sleep(measured * 1000);
    const cpuMs = cpuTimeMs(server.process.pid) - cpuBefore;
    const wallMs = performance.now() - wallBefore;
    const rss = rssBytes(server.process.pid);
    // clearTimeout also clears intervals in Node (one kind of Timeout object).
    for (const timer of timers) clearTimeout(timer);
    // Requests still unanswered 10 s after the phase are counted, not waited for.
    await Promise.race([Promise.all(inFlight), sleep(10_000)]);
    const unanswered = inFlight.size;
    await sleep(200); // a NOTIFY sent by the last heartbeats still counts
    return {
      latencyMs: percentiles(samples),
      ratePerSecond: Math.round(samples.length / measured),
      failures,
      unanswered,
      notifications: notifications - notificationsBefore,
      notificationsByType: Object.fromEntries(
        Object.entries(notificationTypes)
          .map(([type, n]) => [type, n - (typesBefore[type] ?? 0)])
          .filter(([, n]) => n > 0),
      ),
      serverCpuPercentOfOneCore: Math.round((cpuMs / wallMs) * 1000) / 10,
      serverRssMiB: Math.round(rss / 2 ** 20),
      // The machine is shared: how many runnable processes competed for its cores meanwhile.
      loadAverage1m: Math.round(os.loadavg()[0] * 10) / 10,
    };
  };

  // Floors first, while the providers are PENDING: the silence monitor only touches READY providers,
  // so nothing else happens on the server meanwhile.
  process.stdout.write('protocol floor ({ __typename } over the agent WebSockets)…\n');
  const protocolFloor = await atRate((i) => execute(clients[i], PING), warmUpSeconds, floorSeconds);
  process.stdout.write('database floor (the UPDATE through pg)…\n');
  const databaseFloor = await atRate(
    (i) =>
      db.query('UPDATE workspace_providers SET last_heartbeat_at = now() WHERE id = $1', [providers[i].id]),
    warmUpSeconds,
    floorSeconds,
  );

  // Each agent's first report: PENDING → READY (these do notify: a status changed).
  const notificationsBeforeReports = notifications;
  await Promise.all(
    Array.from({ length: 25 }, async (_, worker) => {
      for (let i = worker; i < agents; i += 25) {
        const data = await execute(clients[i], REPORT, {
          input: {
            agentVersion: '1.0.0',
            protocolVersion: 1,
            kubernetesVersion: 'v1.31.0',
            nodeSummary: { nodeCount: 3 },
            // Every check of the protocol, each once (apps/agent/PROTOCOL.md "Input limits").
            checks: ['kubernetes-api', 'namespace', 'rbac', 'server-version'].map((name) => ({
              name,
              passed: true,
              message: 'ok',
            })),
          },
        });
        if (data.reportAgentStatus.status !== 'READY') throw new Error('a report did not make READY');
      }
    }),
  );
  await sleep(500);
  const reportNotifications = notifications - notificationsBeforeReports;

  process.stdout.write(`heartbeats (${warmUpSeconds} s warm-up, ${measureSeconds} s measured)…\n`);
  const heartbeats = await atRate((i) => execute(clients[i], HEARTBEAT), warmUpSeconds, measureSeconds);
  const { rows: statuses } = await db.query(
    `SELECT status::text, count(*)::int AS n FROM workspace_providers WHERE name LIKE 'agent-%' GROUP BY status`,
  );

  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    smoke,
    settings: {
      agents,
      intervalSeconds,
      targetRatePerSecond: agents / intervalSeconds,
      warmUpSeconds,
      measureSeconds,
      floorSeconds,
    },
    connectSeconds,
    heartbeats,
    protocolFloor,
    databaseFloor,
    reportNotifications,
    // Sockets the server closed during the run, by close code and reason, and the server's own output
    // when anything failed (it names the cause, e.g. a database pool timeout).
    socketsClosedByServer: Object.entries(
      closedByServer.reduce((counts, key) => ({ ...counts, [key]: (counts[key] ?? 0) + 1 }), {}),
    ).map(([reason, count]) => ({ reason, count })),
    serverOutputTail:
      closedByServer.length + heartbeats.failures + protocolFloor.failures > 0
        ? server.process.output().slice(-4000)
        : undefined,
    providerStatusesAfter: Object.fromEntries(statuses.map((row) => [row.status, row.n])),
    ratios: {
      p50ToProtocolFloor: round(heartbeats.latencyMs.p50 / protocolFloor.latencyMs.p50),
      p99ToProtocolFloor: round(heartbeats.latencyMs.p99 / protocolFloor.latencyMs.p99),
      p50ToDatabaseFloor: round(heartbeats.latencyMs.p50 / databaseFloor.latencyMs.p50),
      p99ToDatabaseFloor: round(heartbeats.latencyMs.p99 / databaseFloor.latencyMs.p99),
      cpuToProtocolFloor: round(
        heartbeats.serverCpuPercentOfOneCore / protocolFloor.serverCpuPercentOfOneCore,
      ),
    },
  };
  result.targets = [
    {
      target: 'Heartbeats p99 ≤ 15 ms at 400/s',
      measured:
        `p99 ${heartbeats.latencyMs.p99} ms at ${heartbeats.ratePerSecond}/s ` +
        `(${heartbeats.failures} failed, ${heartbeats.unanswered} unanswered)`,
      met:
        heartbeats.latencyMs.p99 <= 15 &&
        heartbeats.ratePerSecond >= 390 &&
        heartbeats.failures + heartbeats.unanswered === 0,
    },
    {
      target: 'Zero NOTIFY for unchanged status',
      measured:
        `${heartbeats.notifications} NOTIFY in ${measureSeconds} s of heartbeats` +
        (heartbeats.notifications ? ` (${JSON.stringify(heartbeats.notificationsByType)})` : ''),
      met: heartbeats.notifications === 0,
    },
  ];
  const markdown = toMarkdown(result);
  writeResult('heartbeat-ingest', result, markdown);
  console.log(markdown);
} finally {
  await cleanup();
}

/** One query or mutation over a graphql-ws client. */
function execute(client, query, variables) {
  return new Promise((resolve, reject) => {
    let result;
    client.subscribe(
      { query, variables },
      {
        next: (value) => (result = value),
        // A socket closed under the operation arrives as a CloseEvent: keep its code and reason.
        error: (error) =>
          reject(
            error instanceof Error
              ? error
              : new Error(
                  error?.code ? `socket closed: ${error.code} ${error.reason}` : JSON.stringify(error),
                ),
          ),
        complete: () =>
          result?.errors ? reject(new Error(JSON.stringify(result.errors))) : resolve(result.data),
      },
    );
  });
}

function round(v) {
  return Math.round(v * 10) / 10;
}

function toMarkdown(r) {
  const row = (name, m, ratio) =>
    `| ${name} | ${m.ratePerSecond}/s | ${m.latencyMs.p50} ms | ${m.latencyMs.p99} ms | ${m.latencyMs.max} ms | ` +
    `${m.serverCpuPercentOfOneCore} % | ${m.serverRssMiB} MiB | ${m.notifications} | ${m.loadAverage1m} | ${ratio} |`;
  return [
    `# Heartbeat ingest${r.smoke ? ' (smoke: numbers mean nothing)' : ''}`,
    '',
    `${r.date} · ${r.machine}`,
    '',
    `${r.settings.agents} simulated agents (graphql-ws clients with their own agent credential, no Kubernetes), ` +
      `one heartbeat each every ${r.settings.intervalSeconds} s at a random phase, one server process; ` +
      `${r.settings.measureSeconds} s measured after ${r.settings.warmUpSeconds} s of warm-up. Round trips are ` +
      'measured by the load generator, from send to response. Floors at the same rate, same connections ' +
      `(${r.settings.floorSeconds} s each): \`{ __typename }\` over the agent WebSockets (everything but the ` +
      "heartbeat's own UPDATE: WebSocket, graphql-ws, GraphQL, the per-operation credential re-check) and " +
      "the heartbeat's UPDATE straight through `pg`.",
    '',
    '| measure | rate | p50 | p99 | max | server CPU (of one core) | server RSS | NOTIFY | load average | heartbeat ÷ floor (p50 / p99) |',
    '|---|---|---|---|---|---|---|---|---|---|',
    row('agentHeartbeat', r.heartbeats, '—'),
    row(
      'floor: `{ __typename }` over the same sockets',
      r.protocolFloor,
      `${r.ratios.p50ToProtocolFloor}× / ${r.ratios.p99ToProtocolFloor}×`,
    ),
    row(
      'floor: the UPDATE through `pg`',
      r.databaseFloor,
      `${r.ratios.p50ToDatabaseFloor}× / ${r.ratios.p99ToDatabaseFloor}×`,
    ),
    '',
    `The first reports (PENDING → READY) sent ${r.reportNotifications} NOTIFY for ${r.settings.agents} transitions; ` +
      `provider statuses after the run: ${JSON.stringify(r.providerStatusesAfter)}. ` +
      `Connecting ${r.settings.agents} agents took ${r.connectSeconds} s.` +
      (r.socketsClosedByServer.length
        ? ` The server closed agent sockets: ${r.socketsClosedByServer.map((c) => `${c.count} × ${c.reason}`).join(', ')}.`
        : ''),
    '',
    ...r.targets.map((t) => `- ${t.met ? 'met' : 'MISSED'}: ${t.target} — ${t.measured}`),
    '',
  ].join('\n');
}
