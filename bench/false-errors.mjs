#!/usr/bin/env node
// False ERRORs under jitter: real agents whose connection to the server runs through a TCP proxy that
// delays every chunk, in both directions, by a fresh uniformly random 0–J ms (J = --jitter, default
// 300 ms) while keeping each direction's byte order (a chunk never overtakes the one before it, so it may
// wait a little longer than its own draw). For --minutes the script counts provider transitions to ERROR
// seen by a graphql-ws subscriber and in provider_status_events; none of the agents fails, so every
// ERROR is false. At the end it SIGKILLs one proxied agent and requires its ERROR to arrive, so the run
// could have failed.
//
//   node bench/false-errors.mjs [--minutes 10] [--agents 5] [--jitter 300] [--heartbeat 5] [--grace 15] [--smoke]
//
// Real PostgreSQL, one real kube-apiserver (a namespace per provider), the real server and agent
// processes. Baseline measured in the same run: one more agent connected directly (no proxy) for the same
// time — its ERRORs, its heartbeat age as seen by the server — and the round trip of a graphql-ws query
// over the proxy vs direct, once a second for the whole run.
// Run `npm run build` (or `npm test`) first. Writes bench/results/false-errors.{json,md} (--smoke:
// .test-results/bench-smoke/; 2 proxied agents for 0.3 min).
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';

import {
  args,
  cleanup,
  cleanups,
  machine,
  pinLoadGenerator,
  smoke,
  stats,
  waitFor,
  writeResult,
} from './support.mjs';
import {
  createProvider,
  startAgent,
  startCluster,
  startDatabase,
  startServer,
  subscribeProviderEvents,
} from './stack.mjs';

const minutes = Number(args.minutes ?? (smoke ? 0.3 : 10));
const proxied = Number(args.agents ?? (smoke ? 2 : 5));
const jitterMs = Number(args.jitter ?? 300);
const heartbeat = Number(args.heartbeat ?? 5);
const grace = Number(args.grace ?? 15);

/**
 * One direction of the proxy: every chunk read from `from` is written to `to` after a uniformly random
 * 0–jitterMs delay, but never before the chunk ahead of it (one queue, one timer, so order holds).
 * The end of the stream travels through the same queue, so a close is delayed like data.
 */
function jitterPipe(from, to) {
  const queue = [];
  let lastRelease = 0;
  let timer;
  const drain = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0].at <= now) {
      const { chunk } = queue.shift();
      if (chunk === null) to.end();
      else if (!to.destroyed) to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(drain, queue[0].at - now);
  };
  const enqueue = (chunk) => {
    lastRelease = Math.max(lastRelease, performance.now() + Math.random() * jitterMs);
    queue.push({ at: lastRelease, chunk });
    if (!timer) timer = setTimeout(drain, queue[0].at - performance.now());
  };
  from.on('data', enqueue);
  from.on('end', () => enqueue(null));
  return { delayed: () => queue.length };
}

/** A TCP proxy on 127.0.0.1 in front of `targetPort`, adding the jitter above to both directions. */
async function startJitterProxy(targetPort) {
  const sockets = new Set();
  let chunks = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('data', () => chunks++);
      // A reset on one side resets the other at once, as a dropped connection would.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      socket.on('close', () => sockets.delete(socket));
    }
    jitterPipe(client, upstream);
    jitterPipe(upstream, client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: server.address().port, chunks: () => chunks };
}

/** Sends `{ __typename }` over graphql-ws once a second; round trips in ms. */
function startPinger(url, adminToken) {
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { token: adminToken },
    retryAttempts: Infinity,
    // One socket for the whole run, as an agent keeps: a lazy client would reconnect for every ping.
    lazy: false,
  });
  const roundTrips = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      await new Promise((resolve, reject) =>
        client.subscribe(
          { query: '{ __typename }' },
          { next: () => undefined, error: reject, complete: resolve },
        ),
      ).then(
        () => roundTrips.push(performance.now() - t0),
        () => undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  })();
  const stop = async () => {
    stopped = true;
    await loop;
    await client.dispose();
  };
  cleanups.push(stop);
  return { roundTrips, stop };
}

pinLoadGenerator();
try {
  const namespaces = Array.from({ length: proxied + 1 }, (_, i) =>
    i < proxied ? `jitter-${i + 1}` : 'direct',
  );
  const databaseUrl = await startDatabase();
  const { cluster, kubeconfig } = await startCluster(namespaces);
  const { graphqlUrl, adminToken, gql } = await startServer(databaseUrl, { heartbeat, grace });
  const serverUrl = new URL(graphqlUrl);
  const proxy = await startJitterProxy(Number(serverUrl.port));
  const proxyUrl = new URL(graphqlUrl);
  proxyUrl.port = String(proxy.port);

  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  cleanups.push(() => db.end());

  const providers = [];
  for (const namespace of namespaces) {
    const provider = await createProvider(gql, cluster, namespace, namespace);
    providers.push({ ...provider, namespace, viaProxy: namespace !== 'direct' });
  }
  const { events, nextEvent } = await subscribeProviderEvents(graphqlUrl, adminToken);
  const agents = new Map();
  for (const provider of providers) {
    agents.set(
      provider.id,
      startAgent({
        serverUrl: (provider.viaProxy ? proxyUrl : serverUrl).href,
        registrationToken: provider.registrationToken,
        namespace: provider.namespace,
        kubeconfig,
        heartbeat,
      }),
    );
  }
  const statusOf = async () =>
    new Map(
      (await db.query('SELECT id, status FROM workspace_providers')).rows.map((row) => [row.id, row.status]),
    );
  await waitFor(
    async () => {
      const status = await statusOf();
      return providers.every((p) => status.get(p.id) === 'READY');
    },
    120_000,
    'every provider to be READY',
  );
  process.stdout.write(`${providers.length} providers READY; soaking for ${minutes} min\n`);

  // The soak: pings over both paths, the server's view of each provider's last heartbeat twice a second.
  const soakStart = performance.now();
  const soakStartDb = (await db.query('SELECT now() AS now')).rows[0].now;
  const fromEvent = events.length;
  const pingProxy = startPinger(proxyUrl.href.replace(/^http/, 'ws'), adminToken);
  const pingDirect = startPinger(serverUrl.href.replace(/^http/, 'ws'), adminToken);
  const heartbeatAge = new Map(providers.map((p) => [p.id, []]));
  const ids = providers.map((p) => p.id);
  let reported = 0;
  while (performance.now() - soakStart < minutes * 60_000) {
    const { rows } = await db.query(
      `SELECT id, extract(epoch FROM now() - last_heartbeat_at) * 1000 AS age_ms
       FROM workspace_providers WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    for (const row of rows) heartbeatAge.get(row.id).push(Number(row.age_ms));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const minute = Math.floor((performance.now() - soakStart) / 60_000);
    if (minute > reported) {
      reported = minute;
      const errors = events.slice(fromEvent).filter((e) => e.event.statusEvent?.toStatus === 'ERROR').length;
      process.stdout.write(`${minute} min, ${errors} ERROR transitions so far\n`);
    }
  }
  await pingProxy.stop();
  await pingDirect.stop();
  const soakMs = performance.now() - soakStart;
  const soakEvents = events.slice(fromEvent);
  const { rows: dbErrors } = await db.query(
    `SELECT provider_id, from_status, to_status, message, at FROM provider_status_events
     WHERE at >= $1 AND to_status = 'ERROR' AND provider_id = ANY($2::uuid[])`,
    [soakStartDb, ids],
  );
  const count = (viaProxy) => {
    const mine = new Set(providers.filter((p) => p.viaProxy === viaProxy).map((p) => p.id));
    return {
      subscriberErrorTransitions: soakEvents.filter(
        (e) => e.event.statusEvent?.toStatus === 'ERROR' && mine.has(e.event.provider?.id),
      ).length,
      subscriberStatusTransitions: soakEvents.filter(
        (e) => e.event.statusEvent && mine.has(e.event.provider?.id),
      ).length,
      databaseErrorTransitions: dbErrors.filter((row) => mine.has(row.provider_id)).length,
      heartbeatAgeMs: stats(providers.filter((p) => mine.has(p.id)).flatMap((p) => heartbeatAge.get(p.id))),
    };
  };
  const viaProxy = count(true);
  const direct = count(false);

  // A real failure behind the proxy must still be detected, or zero false ERRORs would prove nothing.
  const victim = providers[0];
  const errored = nextEvent(
    (e) => e.provider?.id === victim.id && e.statusEvent?.toStatus === 'ERROR',
    (heartbeat + grace) * 3000,
  );
  const t0 = performance.now();
  agents.get(victim.id).kill('SIGKILL');
  let killDetectedMs;
  try {
    killDetectedMs = (await errored).at - t0;
  } catch {
    killDetectedMs = null;
  }

  const pp = stats(pingProxy.roundTrips);
  const pd = stats(pingDirect.roundTrips);
  const falseErrors = viaProxy.subscriberErrorTransitions + viaProxy.databaseErrorTransitions;
  const detectedInTime = killDetectedMs !== null && killDetectedMs <= (heartbeat + grace + 1) * 1000;
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    settings: {
      minutes,
      soakMs,
      proxiedAgents: proxied,
      directAgents: 1,
      heartbeatSeconds: heartbeat,
      graceSeconds: grace,
      jitter: `every chunk, both directions, delayed by uniform random 0–${jitterMs} ms, order kept per direction`,
      jitterMs,
      proxyChunks: proxy.chunks(),
      smoke,
    },
    viaProxy,
    direct,
    pingRoundTripMs: { viaProxy: pp, direct: pd },
    ratios: {
      medianPingProxyToDirect: pp.median / pd.median,
      maxHeartbeatAgeProxyToDirect: viaProxy.heartbeatAgeMs.max / direct.heartbeatAgeMs.max,
      maxHeartbeatAgeProxyToGrace: viaProxy.heartbeatAgeMs.max / (grace * 1000),
    },
    realFailure: { agentKilled: victim.namespace, detectedMs: killDetectedMs, detectedInTime },
    errorTransitionsSeen: dbErrors,
    targets: [
      {
        target: 'zero false ERRORs under 300 ms of jitter',
        measured:
          `${falseErrors} false ERRORs over ${(soakMs / 60_000).toFixed(1)} min × ${proxied} agents; ` +
          `killed agent ${killDetectedMs === null ? 'NOT detected' : `detected in ${(killDetectedMs / 1000).toFixed(2)} s`}`,
        met: falseErrors === 0 && killDetectedMs !== null && jitterMs >= 300,
      },
    ],
    rawMs: {
      pingViaProxy: pingProxy.roundTrips,
      pingDirect: pingDirect.roundTrips,
    },
  };
  const ms = (v) => `${v.toFixed(1)} ms`;
  const s = (v) => `${(v / 1000).toFixed(2)} s`;
  const markdown = [
    '# False ERRORs under jitter',
    '',
    `${result.date} · ${result.machine} · heartbeat ${heartbeat} s, grace ${grace} s, ` +
      `${(soakMs / 60_000).toFixed(1)} min, ${proxied} agents behind the proxy + 1 direct${smoke ? ' · SMOKE' : ''}`,
    '',
    `Jitter: ${result.settings.jitter} (${proxy.chunks()} chunks relayed).`,
    '',
    '| agents | ERROR transitions (subscriber) | ERROR transitions (database) | heartbeat age median | p90 | max |',
    '|---|---|---|---|---|---|',
    `| ${proxied} behind the jitter proxy | ${viaProxy.subscriberErrorTransitions} | ${viaProxy.databaseErrorTransitions} | ` +
      `${s(viaProxy.heartbeatAgeMs.median)} | ${s(viaProxy.heartbeatAgeMs.p90)} | ${s(viaProxy.heartbeatAgeMs.max)} |`,
    `| baseline: 1 direct | ${direct.subscriberErrorTransitions} | ${direct.databaseErrorTransitions} | ` +
      `${s(direct.heartbeatAgeMs.median)} | ${s(direct.heartbeatAgeMs.p90)} | ${s(direct.heartbeatAgeMs.max)} |`,
    '',
    `Heartbeat age is now − last_heartbeat_at as the server stores it, sampled twice a second: the largest ` +
      `behind the proxy is ${result.ratios.maxHeartbeatAgeProxyToGrace.toFixed(2)}× the ${grace} s grace ` +
      `(${result.ratios.maxHeartbeatAgeProxyToDirect.toFixed(2)}× the direct agent's).`,
    '',
    '| graphql-ws query round trip, once a second | n | min | median | p90 | max |',
    '|---|---|---|---|---|---|',
    `| through the proxy | ${pp.n} | ${ms(pp.min)} | ${ms(pp.median)} | ${ms(pp.p90)} | ${ms(pp.max)} |`,
    `| baseline: direct | ${pd.n} | ${ms(pd.min)} | ${ms(pd.median)} | ${ms(pd.p90)} | ${ms(pd.max)} |`,
    '',
    `Median round trip through the proxy is ${result.ratios.medianPingProxyToDirect.toFixed(1)}× direct.`,
    '',
    `Sanity: SIGKILL of agent ${victim.namespace} behind the proxy → ERROR at the subscriber in ` +
      `${killDetectedMs === null ? 'never (not detected)' : s(killDetectedMs)}.`,
    '',
    ...result.targets.map((t) => `- Target: ${t.target} — ${t.measured} — ${t.met ? 'met' : 'MISSED'}`),
    '',
  ].join('\n');
  writeResult('false-errors', result, markdown);
  console.log(markdown);
} finally {
  await cleanup();
}
