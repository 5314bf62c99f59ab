#!/usr/bin/env node
// Agent memory: resident set size of a real agent process idle after READY, and again once it has
// reconciled 200 workspaces of its provider (a PersistentVolumeClaim, a Pod and a Service each in its
// namespace; no kubelet runs, so the pods stay Pending, which the agent reports). Real PostgreSQL, a real
// kube-apiserver, the real server and agent processes.
//
//   node bench/agent-memory.mjs [--workspaces 200] [--samples 5] [--smoke]
//
// --smoke: 10 workspaces, 2 samples. Every RSS figure is the median of --samples readings of
// /proc/<pid>/status one second apart, each right after a full GC forced through the inspector (every
// measured process runs with --inspect=127.0.0.1:0), with the V8 heap in use next to it. Baselines measured in the same run, sampled at the same moments:
// a bare Node process (`setInterval` only) and a Node process that loads @kubernetes/client-node (the
// agent's own copy), reads the same kubeconfig and holds one pod watch on the namespace — the floor of
// any Node agent talking to Kubernetes. The issue sets no target for memory: report only.
// Run `npm run build` (or `npm test`) first. Writes bench/results/agent-memory.{json,md} (--smoke:
// .test-results/bench-smoke/).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import WebSocket from 'ws';

import {
  args,
  cleanup,
  cleanups,
  cpuTimeMs,
  machine,
  pinLoadGenerator,
  root,
  rssBytes,
  smoke,
  stats,
  waitFor,
  writeResult,
} from './support.mjs';
import { createProvider, startAgent, startCluster, startDatabase, startServer } from './stack.mjs';

const workspaces = Number(args.workspaces ?? (smoke ? 10 : 200));
const samples = Number(args.samples ?? (smoke ? 2 : 5));
const NAMESPACE = 'memory';
const MANAGED = 'app.kubernetes.io/managed-by=outpost';

/**
 * Every measured process runs with the inspector on 127.0.0.1, so the benchmark can force a full garbage
 * collection before reading RSS: otherwise the figure mostly says when V8 last collected.
 */
const INSPECT = '--inspect=127.0.0.1:0';

/** A baseline Node process running `source` as an ES module; killed at the end. */
function startBaselineProcess(source, env = {}) {
  const child = spawn(process.execPath, [INSPECT, '--input-type=module', '-e', source], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  child.output = () => output;
  cleanups.push(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  });
  return child;
}

/** Sends one inspector command to a process started with INSPECT; resolves with its result. */
async function inspect(child, method) {
  let url;
  await waitFor(
    () => (url = /Debugger listening on (ws:\/\/\S+)/.exec(child.output())?.[1]),
    30_000,
    'the inspector',
  );
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  try {
    const answer = new Promise((resolve) =>
      socket.once('message', (data) => resolve(JSON.parse(String(data)))),
    );
    socket.send(JSON.stringify({ id: 1, method }));
    const { result, error } = await answer;
    if (error) throw new Error(`${method}: ${error.message}`);
    return result;
  } finally {
    socket.close();
  }
}

/**
 * RSS of each process over `samples` readings a second apart, each right after a full GC forced
 * through the inspector, read at the same moments; with the V8 heap in use after that GC.
 */
async function sampleRss(processes) {
  const readings = Object.fromEntries(Object.keys(processes).map((name) => [name, { rss: [], heap: [] }]));
  for (let i = 0; i < samples; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const [name, child] of Object.entries(processes)) {
      await inspect(child, 'HeapProfiler.collectGarbage');
      readings[name].heap.push((await inspect(child, 'Runtime.getHeapUsage')).usedSize);
      readings[name].rss.push(rssBytes(child.pid));
    }
  }
  return Object.fromEntries(
    Object.entries(readings).map(([name, { rss, heap }]) => [
      name,
      { median: stats(rss).median, samples: rss, heapUsedMedian: stats(heap).median, heapUsedSamples: heap },
    ]),
  );
}

pinLoadGenerator();
try {
  const databaseUrl = await startDatabase();
  const { cluster, kubeconfig } = await startCluster([NAMESPACE]);
  const { graphqlUrl, adminEmail, gql } = await startServer(databaseUrl);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  cleanups.push(() => db.end());

  // Baselines first, so they are warm by the time anything is sampled.
  const bare = startBaselineProcess('setInterval(() => {}, 1000);');
  const clientNodeUrl = pathToFileURL(
    createRequire(path.join(root, 'apps/agent/package.json')).resolve('@kubernetes/client-node'),
  ).href;
  const kubeFloor = startBaselineProcess(
    `const k8s = await import(${JSON.stringify(clientNodeUrl)});
     const kc = new k8s.KubeConfig();
     kc.loadFromDefault();
     await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: ${JSON.stringify(NAMESPACE)} });
     await new k8s.Watch(kc).watch('/api/v1/namespaces/${NAMESPACE}/pods', {}, () => {}, () => {});
     console.log('watching');
     setInterval(() => {}, 1000);`,
    { KUBECONFIG: kubeconfig },
  );
  await waitFor(() => kubeFloor.output().includes('watching'), 60_000, 'the client-node baseline to watch');

  // The agent, idle after READY.
  const provider = await createProvider(gql, cluster, 'memory', NAMESPACE);
  const agent = startAgent({
    serverUrl: graphqlUrl,
    registrationToken: provider.registrationToken,
    namespace: NAMESPACE,
    kubeconfig,
    nodeArgs: [INSPECT],
  });
  const status = async () =>
    (await db.query('SELECT status FROM workspace_providers WHERE id = $1', [provider.id])).rows[0].status;
  await waitFor(async () => (await status()) === 'READY', 120_000, 'the provider to be READY');
  // Idle as the loaded figure below: a few heartbeats and one periodic resync (default 30 s) after start.
  await new Promise((resolve) => setTimeout(resolve, smoke ? 2000 : 35_000));
  const processes = { agent, bare, kubeFloor };
  const idle = await sampleRss(processes);
  const idleCpuMs = cpuTimeMs(agent.pid);

  // 200 workspaces: an organization the admin belongs to, allowlisted on the provider.
  const org = (await gql('mutation { createOrganization(name: "Memory", slug: "memory") { id } }'))
    .createOrganization;
  await gql(
    'mutation($o: ID!, $e: String!) { addOrganizationMember(organizationId: $o, email: $e, role: ADMIN) { userId } }',
    {
      o: org.id,
      e: adminEmail,
    },
  );
  await gql(
    'mutation($o: ID!, $p: ID!) { addOrganizationToProviderAllowlist(organizationId: $o, providerId: $p) { id } }',
    {
      o: org.id,
      p: provider.id,
    },
  );
  const count = async (resource) =>
    (
      await cluster.requestOk(
        'GET',
        `/api/v1/namespaces/${NAMESPACE}/${resource}?labelSelector=${encodeURIComponent(MANAGED)}`,
      )
    ).items.length;
  const peak = { rssBytes: rssBytes(agent.pid) };
  const peakSampler = setInterval(() => {
    peak.rssBytes = Math.max(peak.rssBytes, rssBytes(agent.pid) ?? 0);
  }, 250);
  cleanups.push(async () => clearInterval(peakSampler));
  const t0 = performance.now();
  for (let i = 1; i <= workspaces; i++) {
    await gql(
      'mutation($n: String!, $o: ID!, $p: ID!) { createWorkspace(name: $n, organizationId: $o, providerId: $p) { id } }',
      {
        n: `ws-${String(i).padStart(4, '0')}`,
        o: org.id,
        p: provider.id,
      },
    );
  }
  const createdMs = performance.now() - t0;
  const reconciled = async () => {
    const [pvcs, pods, services] = await Promise.all(
      ['persistentvolumeclaims', 'pods', 'services'].map(count),
    );
    return pvcs >= workspaces && pods >= workspaces && services >= workspaces;
  };
  await waitFor(reconciled, 300_000, `the agent to create ${workspaces} × PVC, Pod and Service`);
  // And to have reported what it observed for every workspace.
  await waitFor(
    async () =>
      Number(
        (
          await db.query(
            `SELECT count(*)::int AS n FROM workspaces WHERE provider_id = $1 AND observed_phase IS NOT NULL`,
            [provider.id],
          )
        ).rows[0].n,
      ) >= workspaces,
    300_000,
    'the agent to report every workspace',
  );
  const reconciledMs = performance.now() - t0;
  // One full resync (default 30 s) after the burst, so the figure is the steady state with 200 workspaces
  // rather than the tail of the burst.
  await new Promise((resolve) => setTimeout(resolve, smoke ? 2000 : 35_000));
  clearInterval(peakSampler);
  const loaded = await sampleRss(processes);
  const loadedCpuMs = cpuTimeMs(agent.pid);

  const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const ratios = {
    idleAgentToBareNode: idle.agent.median / idle.bare.median,
    idleAgentToClientNodeFloor: idle.agent.median / idle.kubeFloor.median,
    loadedAgentToBareNode: loaded.agent.median / loaded.bare.median,
    loadedAgentToClientNodeFloor: loaded.agent.median / loaded.kubeFloor.median,
    loadedToIdleAgent: loaded.agent.median / idle.agent.median,
  };
  const perWorkspaceBytes = (loaded.agent.median - idle.agent.median) / workspaces;
  const heapPerWorkspaceBytes = (loaded.agent.heapUsedMedian - idle.agent.heapUsedMedian) / workspaces;
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    settings: { workspaces, samples, namespace: NAMESPACE, smoke },
    rssBytes: {
      idle: { agent: idle.agent, bareNode: idle.bare, clientNodeWatch: idle.kubeFloor },
      withWorkspaces: { agent: loaded.agent, bareNode: loaded.bare, clientNodeWatch: loaded.kubeFloor },
      agentPeakDuringReconcile: peak.rssBytes,
      agentPerWorkspace: perWorkspaceBytes,
      agentHeapPerWorkspace: heapPerWorkspaceBytes,
    },
    agentCpuMs: { untilIdleSample: idleCpuMs, reconcilingWorkspaces: loadedCpuMs - idleCpuMs },
    timesMs: { createWorkspacesViaApi: createdMs, untilReconciledAndReported: reconciledMs },
    ratios,
    targets: [],
  };
  const rows = [
    ['agent', 'agent'],
    ['baseline: Node + @kubernetes/client-node, one pod watch', 'kubeFloor'],
    ['baseline: bare Node (`setInterval`)', 'bare'],
  ];
  const vs = (key, sample) =>
    key === 'agent' ? '1.00×' : `agent is ${(sample.agent.median / sample[key].median).toFixed(2)}×`;
  const markdown = [
    '# Agent memory',
    '',
    `${result.date} · ${result.machine} · ${workspaces} workspaces, median of ${samples} samples${smoke ? ' · SMOKE' : ''}`,
    '',
    'Each sample is read right after a full garbage collection forced through the inspector (every process ' +
      'here runs with `--inspect=127.0.0.1:0`), so RSS reflects what is live rather than when V8 last collected.',
    '',
    '| process | RSS idle | ratio | RSS with workspaces | ratio | V8 heap used idle | with workspaces |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      ([name, key]) =>
        `| ${name} | ${mib(idle[key].median)} | ${vs(key, idle)} | ${mib(loaded[key].median)} | ${vs(key, loaded)} | ` +
        `${mib(idle[key].heapUsedMedian)} | ${mib(loaded[key].heapUsedMedian)} |`,
    ),
    '',
    `With ${workspaces} workspaces the agent holds ${ratios.loadedToIdleAgent.toFixed(2)}× its idle RSS ` +
      `(${(perWorkspaceBytes / 1024).toFixed(1)} KiB RSS and ${(heapPerWorkspaceBytes / 1024).toFixed(1)} KiB of ` +
      `V8 heap per workspace; RSS peak while reconciling ${mib(peak.rssBytes)}). ` +
      `Creating them through the API took ${(createdMs / 1000).toFixed(1)} s; the agent had created every PVC, Pod ` +
      `and Service and reported each workspace ${(reconciledMs / 1000).toFixed(1)} s after the first, using ` +
      `${((loadedCpuMs - idleCpuMs) / 1000).toFixed(1)} s of CPU. Both samples are taken after one periodic ` +
      'resync (30 s) of quiet.',
    '',
    '- Target: none in the issue for memory (report only).',
    '',
  ].join('\n');
  writeResult('agent-memory', result, markdown);
  console.log(markdown);
} finally {
  await cleanup();
}
