#!/usr/bin/env node
// Status propagation: time from a provider's status transition to its arrival at every subscriber, with
// 1,000 and then 5,000 concurrent graphql-ws subscribers (each its own WebSocket and API token, as open
// consoles are) spread evenly over two server replicas on one PostgreSQL database; events cross the
// replicas through LISTEN/NOTIFY. Checks that every subscriber receives every transition, in order.
//
//   node bench/status-propagation.mjs [--sizes 1000,5000] [--transitions 50] [--spacing 250]
//                                     [--query status|console] [--profile <dir>] [--smoke]
//
// Transitions are real: the provider's agent (simulated: a graphql-ws client holding the provider's
// agent credential, no Kubernetes) sends reportAgentStatus with its checks alternately failing and
// passing, on replica A. The clock starts just before the mutation is sent (t0), so the figure is an
// upper bound of commit → subscriber that also includes the mutation's own work; the time from the
// mutation's response (after the commit) is reported next to it as the lower bound.
//
// Baseline measured in the same run: the floor — a raw LISTEN/NOTIFY round trip through `pg` (NOTIFY
// from one connection, received by another that LISTENs), as many times and spaced the same.
// Run `npm run build` first. Writes bench/results/status-propagation.{json,md}.
import { performance } from 'node:perf_hooks';
import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';

import {
  args,
  cleanup,
  cleanups,
  cpuTimeMs,
  load,
  machine,
  pinLoadGenerator,
  rssBytes,
  smoke,
  writeResult,
} from './support.mjs';
import { adminToken, gql, now, percentiles, sleep, startDatabase, startServer } from './events-stack.mjs';

// What each subscriber asks for: the fields a console's provider list updates from an event (the
// console's own subscription adds nested allowlists, counts and history: `--query console`).
const QUERIES = {
  status: `subscription { workspaceProviderEvents {
    type providerId
    provider { id name status statusChangedAt cordoned isDefault }
    statusEvent { id fromStatus toStatus at }
  } }`,
  console: `subscription { workspaceProviderEvents {
    type providerId
    provider {
      id name displayName region status statusMessage statusChangedAt isDefault cordoned cordonReason
      lastHeartbeatAt workspaceCount kind clusterAddress namespace accessUrl agentVersion kubernetesVersion
      chartVersion versionWarning checkResults { name passed message }
      statusHistory(first: 20) { id fromStatus toStatus message at }
      allowedOrganizations { id name slug }
      workspaceCountsByOrganization { count organization { id } }
    }
    statusEvent { id fromStatus toStatus at }
  } }`,
};

/** Subscribers per load-generator child process. */
const PER_CHILD = 1000;

// --- Load-generator child: holds up to PER_CHILD subscribers and timestamps what they receive. ---

function runChild() {
  pinLoadGenerator();
  const subscribers = [];
  let providerId;
  const open = async ({ list, query, provider }) => {
    providerId = provider;
    let failures = 0;
    let retries = 0;
    const queue = [...list];
    // Opens a few at a time. A console whose connection the busy server refuses (it closes sockets whose
    // set-up took too long) tries again, as the console's client does; `retries` counts those.
    const connect = (url, token, subscriber) =>
      new Promise((resolve) => {
        const client = createClient({
          url,
          webSocketImpl: WebSocket,
          connectionParams: { token },
          retryAttempts: 0,
          lazy: false,
          onNonLazyError: () => undefined,
          on: {
            connected: () => resolve(true),
            closed: () => resolve(false),
          },
        });
        subscriber.client = client;
        client.subscribe(
          { query },
          {
            next: ({ data, errors }) => {
              const event = data?.workspaceProviderEvents;
              if (errors) subscriber.errors++;
              if (event?.providerId === providerId && event.type === 'STATUS_CHANGED') {
                subscriber.received.push([event.statusEvent.id, now()]);
              }
            },
            error: () => subscriber.errors++,
            complete: () => undefined,
          },
        );
      });
    const worker = async () => {
      while (queue.length > 0) {
        const { url, token } = queue.shift();
        const subscriber = { received: [], errors: 0 };
        subscribers.push(subscriber);
        let attempt = 0;
        while (!(await connect(url, token, subscriber))) {
          await subscriber.client.dispose();
          subscriber.errors = 0;
          if (++attempt > 5) {
            failures++;
            break;
          }
          retries++;
          await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
        }
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    process.send({ type: 'opened', count: subscribers.length, failures, retries });
  };
  process.on('message', async (message) => {
    if (message.type === 'open') await open(message);
    else if (message.type === 'count') {
      const count = subscribers.filter((s) => s.received.some(([id]) => id === message.id)).length;
      process.send({ type: 'count', count });
    } else if (message.type === 'report') {
      process.send({
        type: 'report',
        subscribers: subscribers.map((s) => ({ received: s.received, errors: s.errors })),
      });
    } else if (message.type === 'stop') {
      await Promise.all(subscribers.map((s) => s.client.dispose()));
      process.exit(0);
    }
  });
}

// --- The benchmark. ---

async function runBenchmark() {
  pinLoadGenerator();
  const sizes = smoke ? [20] : (args.sizes ?? '1000,5000').split(',').map(Number);
  const transitions = Number(args.transitions ?? (smoke ? 5 : 50));
  const spacingMs = Number(args.spacing ?? 250);
  const queryName = args.query ?? 'status';
  const query = QUERIES[queryName];
  const { generateToken, hashToken } = await load('apps/server/dist/auth/tokens.js');
  let finished = false;

  try {
    const databaseUrl = await startDatabase();
    // A long grace period: while thousands of subscribers connect, the simulated agent sends no
    // heartbeats, and the silence monitor must not slip an extra READY → ERROR into the sequence.
    const env = { OUTPOST_HEARTBEAT_GRACE: '3600' };
    // `--profile <dir>`: the replicas write V8 CPU profiles there when they stop.
    const nodeArgs = args.profile ? ['--cpu-prof', '--cpu-prof-dir', args.profile] : [];
    const [a, b] = await Promise.all([
      startServer(databaseUrl, env, { nodeArgs }),
      startServer(databaseUrl, env, { nodeArgs }),
    ]);
    // On failure, what the replicas printed names the cause (e.g. a database pool timeout).
    cleanups.push(async () => {
      if (!finished) {
        for (const [name, server] of [
          ['A', a],
          ['B', b],
        ]) {
          console.error(`--- replica ${name}, last output:\n${server.process.output().slice(-3000)}`);
        }
      }
    });
    const db = new pg.Client({ connectionString: databaseUrl });
    db.on('error', () => undefined); // PostgreSQL stopping at cleanup ends it
    await db.connect();
    cleanups.push(() => db.end());

    // The provider and its (simulated) agent, registered through the real protocol on replica A.
    const admin = await adminToken(a.graphqlUrl);
    const created = await gql(
      a.graphqlUrl,
      `mutation($input: CreateWorkspaceProviderInput!) {
        createWorkspaceProvider(input: $input) { provider { id } registrationToken { token } } }`,
      {
        input: {
          name: 'bench',
          region: 'local',
          clusterAddress: 'https://bench.invalid:6443',
          namespace: 'bench',
        },
      },
      admin,
    );
    const providerId = created.createWorkspaceProvider.provider.id;
    const { registerAgent } = await gql(
      a.graphqlUrl,
      'mutation { registerAgent { credential } }',
      {},
      created.createWorkspaceProvider.registrationToken.token,
    );
    const agent = createClient({
      url: a.websocketUrl,
      webSocketImpl: WebSocket,
      connectionParams: { token: registerAgent.credential },
      retryAttempts: 5,
    });
    cleanups.push(() => agent.dispose());
    let passing = false;
    let agentRetries = 0;
    /** One transition: a report whose checks flip. Returns the ack's status. */
    const flip = async () => {
      passing = !passing;
      // A report is idempotent (the status follows from the checks), so one lost with its socket on a
      // busy server is simply sent again, as the real agent does after reconnecting.
      const report = () =>
        execute(agent, REPORT, {
          input: {
            agentVersion: '1.0.0',
            protocolVersion: 1,
            kubernetesVersion: 'v1.31.0',
            nodeSummary: { nodeCount: 3 },
            // Every check of the protocol, each once (apps/agent/PROTOCOL.md "Input limits").
            checks: [
              { name: 'kubernetes-api', passed: true, message: 'ok' },
              { name: 'namespace', passed: passing, message: passing ? 'ok' : 'namespace "bench" not found' },
              { name: 'rbac', passed: true, message: 'ok' },
              { name: 'server-version', passed: true, message: 'ok' },
            ],
          },
        });
      let data;
      for (let attempt = 1; !data; attempt++) {
        data = await report().catch((error) => {
          if (attempt >= 3 || !/socket closed/.test(error.message)) throw error;
          agentRetries++;
        });
      }
      const expected = passing ? 'READY' : 'ERROR';
      if (data.reportAgentStatus.status !== expected)
        throw new Error(`expected ${expected}, the server answered ${data.reportAgentStatus.status}`);
    };
    await flip(); // PENDING → READY

    // Floor: a raw LISTEN/NOTIFY round trip, as many and spaced as the transitions.
    const floor = await listenNotifyFloor(databaseUrl, transitions, spacingMs);

    // One API token per subscriber (each console signs in on its own), inserted in one statement.
    const maxSubscribers = Math.max(...sizes);
    const tokens = Array.from({ length: maxSubscribers }, () => generateToken('apiToken'));
    await db.query(
      `INSERT INTO api_tokens (id, user_id, name, token_hash)
       SELECT gen_random_uuid(), (SELECT id FROM users WHERE email = $1), 'bench subscriber', h
       FROM unnest($2::text[]) AS h`,
      ['bench@example.com', tokens.map(hashToken)],
    );

    const children = [];
    const ask = (child, message, reply) =>
      new Promise((resolve) => {
        const onMessage = (m) => {
          if (m.type === reply) {
            child.off('message', onMessage);
            resolve(m);
          }
        };
        child.on('message', onMessage);
        child.send(message);
      });
    cleanups.push(async () => {
      await Promise.all(
        children.map((child) =>
          child.exitCode !== null
            ? undefined
            : new Promise((resolve) => {
                child.once('exit', resolve);
                child.send({ type: 'stop' });
                setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
              }),
        ),
      );
    });
    const receivedBy = async (id) =>
      (await Promise.all(children.map((c) => ask(c, { type: 'count', id }, 'count')))).reduce(
        (sum, m) => sum + m.count,
        0,
      );
    const latestStatusEventId = async () =>
      (
        await db.query(
          'SELECT id FROM provider_status_events WHERE provider_id = $1 ORDER BY at DESC, id DESC LIMIT 1',
          [providerId],
        )
      ).rows[0].id;

    const runs = [];
    let opened = 0;
    let connectRetries = 0;
    for (const size of sizes) {
      // Add subscribers up to `size`: even indexes on replica A, odd on B; PER_CHILD per child process.
      const startedConnecting = Date.now();
      while (opened < size) {
        const batch = Math.min(PER_CHILD, size - opened);
        const child = fork(fileURLToPath(import.meta.url), ['--subscriber-child'], {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        children.push(child);
        const list = Array.from({ length: batch }, (_, i) => ({
          url: (opened + i) % 2 === 0 ? a.websocketUrl : b.websocketUrl,
          token: tokens[opened + i],
        }));
        const reply = await ask(child, { type: 'open', list, query, provider: providerId }, 'opened');
        if (reply.failures > 0) throw new Error(`${reply.failures} subscribers failed to connect`);
        connectRetries += reply.retries;
        opened += batch;
      }
      const connectSeconds = (Date.now() - startedConnecting) / 1000;
      process.stdout.write(`${size} subscribers connected in ${connectSeconds.toFixed(1)} s\n`);

      // Warm-up: graphql-ws subscribes asynchronously after the socket opens; transitions until every
      // subscriber has received one show that all subscriptions are in place.
      let warm = false;
      for (let attempt = 0; attempt < 10 && !warm; attempt++) {
        await flip();
        const id = await latestStatusEventId();
        const deadline = Date.now() + 15_000;
        while (!warm && Date.now() < deadline) {
          warm = (await receivedBy(id)) === size;
          if (!warm) await sleep(200);
        }
      }
      if (!warm) throw new Error(`not every one of ${size} subscribers received the warm-up transitions`);
      await sleep(1000);

      // Measured transitions.
      const cpuBefore = [cpuTimeMs(a.process.pid), cpuTimeMs(b.process.pid)];
      const wallBefore = performance.now();
      const sent = [];
      for (let i = 0; i < transitions; i++) {
        const t0 = now();
        await flip();
        const tResponse = now();
        sent.push({ t0, tResponse });
        const wait = t0 + spacingMs - now();
        if (wait > 0) await sleep(wait);
      }
      const ids = (
        await db.query(
          `SELECT id FROM provider_status_events WHERE provider_id = $1 ORDER BY at DESC, id DESC LIMIT $2`,
          [providerId, transitions],
        )
      ).rows
        .map((row) => row.id)
        .reverse();
      // Give the last transition time to arrive everywhere, then collect.
      const lastDeadline = Date.now() + 10_000;
      while ((await receivedBy(ids.at(-1))) < size && Date.now() < lastDeadline) await sleep(200);
      const wallMs = performance.now() - wallBefore;
      const cpuMs = [cpuTimeMs(a.process.pid) - cpuBefore[0], cpuTimeMs(b.process.pid) - cpuBefore[1]];
      const rss = [rssBytes(a.process.pid), rssBytes(b.process.pid)];
      const reports = (await Promise.all(children.map((c) => ask(c, { type: 'report' }, 'report')))).flatMap(
        (m) => m.subscribers,
      );
      runs.push({
        subscribers: size,
        connectSeconds,
        connectRetries,
        ...analyse(reports, ids, sent),
        serverCpuPercentOfOneCore: cpuMs.map((ms) => Math.round((ms / wallMs) * 1000) / 10),
        // Both replicas' CPU for the measured phase over the events they delivered: what one delivery
        // costs the servers, less sensitive to a busy machine than the latencies.
        serverCpuMsPerDelivery: Math.round(((cpuMs[0] + cpuMs[1]) / (size * transitions)) * 1000) / 1000,
        serverRssMiB: rss.map((bytes) => Math.round(bytes / 2 ** 20)),
        measuredSeconds: Math.round(wallMs / 100) / 10,
        // The machine is shared: how many runnable processes competed for its cores meanwhile.
        loadAverage1m: Math.round(os.loadavg()[0] * 10) / 10,
      });
      const last = runs.at(-1);
      process.stdout.write(
        `${size} subscribers: p50 ${last.latencyFromSendMs.p50} ms, p99 ${last.latencyFromSendMs.p99} ms, ` +
          `max ${last.latencyFromSendMs.max} ms; lost ${last.lost}, out of order ${last.outOfOrder}\n`,
      );
    }

    const result = {
      date: new Date().toISOString(),
      machine: machine(),
      smoke,
      agentReportRetries: agentRetries,
      settings: {
        sizes,
        transitions,
        spacingMs,
        query: queryName,
        replicas: 2,
        subscribersPerChild: PER_CHILD,
      },
      floorListenNotifyMs: floor,
      runs: runs.map((run) => ({
        ...run,
        ratioToFloor: {
          p50: round(run.latencyFromSendMs.p50 / floor.p50),
          p99: round(run.latencyFromSendMs.p99 / floor.p99),
        },
      })),
    };
    const largest = result.runs.find((run) => run.subscribers === 5000) ?? result.runs.at(-1);
    result.targets = [
      {
        target: 'Status propagation p99 ≤ 150 ms at 5,000 subscribers, zero lost',
        measured:
          `p99 ${largest.latencyFromSendMs.p99} ms at ${largest.subscribers} subscribers, ` +
          `${largest.lost} lost, ${largest.outOfOrder} out of order`,
        met:
          largest.subscribers >= 5000 &&
          largest.latencyFromSendMs.p99 <= 150 &&
          largest.lost === 0 &&
          largest.outOfOrder === 0,
      },
    ];
    const markdown = toMarkdown(result);
    writeResult('status-propagation', result, markdown);
    finished = true;
    console.log(markdown);
  } finally {
    await cleanup();
  }
}

const REPORT = `mutation($input: AgentStatusInput!) { reportAgentStatus(input: $input) { status } }`;

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

async function listenNotifyFloor(databaseUrl, count, spacingMs) {
  const listener = new pg.Client({ connectionString: databaseUrl });
  const sender = new pg.Client({ connectionString: databaseUrl });
  await Promise.all([listener.connect(), sender.connect()]);
  await listener.query('LISTEN bench_floor');
  const received = new Map();
  listener.on('notification', (message) => received.set(message.payload, now()));
  const samples = [];
  for (let i = 0; i < count; i++) {
    const t0 = now();
    await sender.query(`NOTIFY bench_floor, '${i}'`);
    while (!received.has(String(i))) await sleep(0);
    samples.push(received.get(String(i)) - t0);
    const wait = t0 + spacingMs - now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all([listener.end(), sender.end()]);
  return percentiles(samples);
}

/**
 * Per subscriber: which of the measured transitions arrived, in which order. Lost = a measured
 * transition the subscriber never received; out of order = a subscriber received a transition after a
 * later one. Latencies over every (subscriber, transition) delivered.
 */
function analyse(subscribers, ids, sent) {
  const index = new Map(ids.map((id, i) => [id, i]));
  const fromSend = [];
  const fromResponse = [];
  let lost = 0;
  let outOfOrder = 0;
  let duplicates = 0;
  let subscribersMissingSome = 0;
  let errors = 0;
  for (const subscriber of subscribers) {
    errors += subscriber.errors;
    const seen = new Set();
    let last = -1;
    for (const [id, at] of subscriber.received) {
      const i = index.get(id);
      if (i === undefined) continue; // a warm-up transition
      if (seen.has(i)) duplicates++;
      if (i < last) outOfOrder++;
      seen.add(i);
      last = Math.max(last, i);
      fromSend.push(at - sent[i].t0);
      fromResponse.push(at - sent[i].tResponse);
    }
    lost += ids.length - seen.size;
    if (seen.size < ids.length) subscribersMissingSome++;
  }
  return {
    deliveries: fromSend.length,
    expectedDeliveries: subscribers.length * ids.length,
    lost,
    outOfOrder,
    duplicates,
    subscribersMissingSome,
    subscriptionErrors: errors,
    latencyFromSendMs: percentiles(fromSend),
    latencyFromResponseMs: percentiles(fromResponse),
    mutationRoundTripMs: percentiles(sent.map((s) => s.tResponse - s.t0)),
  };
}

const round = (v) => Math.round(v * 10) / 10;

function toMarkdown(result) {
  const f = result.floorListenNotifyMs;
  const lines = [
    `# Status propagation${result.smoke ? ' (smoke: numbers mean nothing)' : ''}`,
    '',
    `${result.date} · ${result.machine}`,
    '',
    `${result.settings.transitions} transitions ${result.settings.spacingMs} ms apart per size; two server ` +
      `replicas on one PostgreSQL, subscribers split evenly between them, each its own WebSocket and API ` +
      `token (site admins), selection \`${result.settings.query}\`. The simulated agent (a graphql-ws client ` +
      'with the agent credential, no Kubernetes) flips its checks with `reportAgentStatus` on replica A. ' +
      'Latency is from just before the mutation is sent to the subscriber receiving the event (an upper ' +
      'bound of commit → subscriber); "from response" starts when the mutation answered, after its commit ' +
      '(a lower bound). Timestamps are taken in the load generator, so its own lag is included.',
    '',
    '| subscribers | p50 | p99 | max | from response p50 / p99 | floor p50 / p99 | ratio p50 / p99 | lost | out of order | server RSS A / B | server CPU A / B |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...result.runs.map(
      (r) =>
        `| ${r.subscribers} | ${r.latencyFromSendMs.p50} ms | ${r.latencyFromSendMs.p99} ms | ${r.latencyFromSendMs.max} ms | ` +
        `${r.latencyFromResponseMs.p50} / ${r.latencyFromResponseMs.p99} ms | ${f.p50} / ${f.p99} ms | ` +
        `${r.ratioToFloor.p50}× / ${r.ratioToFloor.p99}× | ${r.lost} of ${r.expectedDeliveries} | ${r.outOfOrder} | ` +
        `${r.serverRssMiB[0]} / ${r.serverRssMiB[1]} MiB | ${r.serverCpuPercentOfOneCore[0]} / ${r.serverCpuPercentOfOneCore[1]} % |`,
    ),
    '',
    `Connecting needed ${result.runs.map((r) => `${r.connectRetries} retries at ${r.subscribers}`).join(', ')} ` +
      `(a console whose socket set-up the busy server refused tries again); the agent resent ` +
      `${result.agentReportRetries} reports whose socket the server closed.`,
    '',
    `Server CPU per delivered event (both replicas): ${result.runs.map((r) => `${r.serverCpuMsPerDelivery} ms at ${r.subscribers}`).join(', ')}.`,
    '',
    `Floor: raw LISTEN/NOTIFY round trip through \`pg\`, ${f.n} samples: p50 ${f.p50} ms, p99 ${f.p99} ms, max ${f.max} ms. ` +
      `Mutation round trip (reportAgentStatus) at the largest size: p50 ${result.runs.at(-1).mutationRoundTripMs.p50} ms.`,
    '',
    ...result.targets.map((t) => `- ${t.met ? 'met' : 'MISSED'}: ${t.target} — ${t.measured}`),
    '',
    ...result.runs.map(
      (r) =>
        `At ${r.subscribers} subscribers the replicas spent ${r.serverCpuMsPerDelivery} ms of CPU per delivery: ` +
        `${Math.round(r.serverCpuMsPerDelivery * r.subscribers)} ms of CPU per transition on the one core they share, ` +
        `while they got ${Math.round(r.serverCpuPercentOfOneCore[0] + r.serverCpuPercentOfOneCore[1])} % of it ` +
        `(load average ${r.loadAverage1m} on ${os.cpus().length} cores); the ${r.subscribers * result.settings.transitions} ` +
        `deliveries took ${r.measuredSeconds} s.`,
    ),
    '',
  ];
  return lines.join('\n');
}

// Last, so that every constant above is initialised.
if (process.argv.includes('--subscriber-child')) runChild();
else await runBenchmark();
