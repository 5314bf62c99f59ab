// What every benchmark script shares: its options, the processes it starts and stops, waiting, statistics.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** Imports a built package of the repository by its path from the root. */
export const load = (p) => import(path.join(root, p));

/** `--name value` pairs of the command line. */
export const args = Object.fromEntries(
  process.argv
    .slice(2)
    .reduce(
      (pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs),
      [],
    ),
);

/** Things to undo at the end (or on Ctrl-C), run newest first. */
export const cleanups = [];
export const cleanup = async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
};
process.on('SIGINT', () => cleanup().then(() => process.exit(130)));

/**
 * CPU pinning: on a machine with two or more cores the servers under test run on core 0 (`SERVER_CPUS`)
 * and the load generator — the benchmark script itself — on the others (`LOAD_CPUS`), so the two do not
 * steal each other's time slices. `taskset` comes with util-linux; without it nothing is pinned.
 */
const canPin = os.cpus().length > 1 && spawnSync('taskset', ['-V']).status === 0;
export const SERVER_CPUS = '0';
export const LOAD_CPUS = canPin ? `1-${os.cpus().length - 1}` : '0';

/** Pins this process (the load generator) to LOAD_CPUS. */
export function pinLoadGenerator() {
  if (canPin) spawnSync('taskset', ['-a', '-p', '-c', LOAD_CPUS, String(process.pid)]);
}

/**
 * Runs a built script of the repository as a child process; `output()` is what it printed so far.
 * `cpus` pins it (e.g. SERVER_CPUS) when pinning is possible; `nodeArgs` go before the script
 * (e.g. `--cpu-prof`).
 */
export function startProcess(script, env, { cpus, nodeArgs = [] } = {}) {
  const command = [process.execPath, ...nodeArgs, path.join(root, script)];
  const pinned = cpus !== undefined && canPin ? ['taskset', '-c', cpus, ...command] : command;
  const child = spawn(pinned[0], pinned.slice(1), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  child.output = () => output;
  return child;
}

export async function waitFor(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { n: sorted.length, min: sorted[0], median: at(0.5), p90: at(0.9), max: sorted[sorted.length - 1] };
};

/** Resident set size of a process in bytes, read from /proc (Linux). */
export function rssBytes(pid) {
  const status = readProcFile(`/proc/${pid}/status`);
  const match = /VmRSS:\s+(\d+) kB/.exec(status ?? '');
  return match ? Number(match[1]) * 1024 : undefined;
}

/** CPU time (user + system) a process has used so far, in milliseconds, from /proc/<pid>/stat. */
export function cpuTimeMs(pid) {
  const stat = readProcFile(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100; // USER_HZ on Linux
  return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000;
}

function readProcFile(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export const machine = () =>
  `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
  `Node ${process.version}${canPin ? `, server pinned to CPU ${SERVER_CPUS}, load generator to CPU ${LOAD_CPUS}` : ''}`;

/** `--smoke`: tiny sizes, to check a benchmark still runs; its numbers mean nothing. */
export const smoke = process.argv.includes('--smoke');

/**
 * Where results go: bench/results (committed) for real runs; smoke runs write next to the test results so
 * they never overwrite measured numbers. OUTPOST_BENCH_RESULTS_DIR overrides both.
 */
export const resultsDir = () =>
  process.env.OUTPOST_BENCH_RESULTS_DIR ||
  path.join(root, smoke ? '.test-results/bench-smoke' : 'bench/results');

/**
 * Writes <results dir>/<name>.json and <name>.md. Every result carries `targets`: the issue's targets
 * this benchmark checks, each `{ target, measured, met }` (strings for the table, `met` a boolean), which
 * bench/run.mjs gathers into bench/results/summary.md.
 */
export function writeResult(name, result, markdown) {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(dir, `${name}.md`), markdown.endsWith('\n') ? markdown : `${markdown}\n`);
}

/**
 * Server settings every benchmark uses: the load generator is one client address and one admin, far
 * faster than people, so the per-address and per-user rate limits would otherwise measure themselves.
 */
export const BENCH_SERVER_ENV = {
  OUTPOST_RATE_LIMIT_LOGIN: '1000000',
  OUTPOST_RATE_LIMIT_REGISTRATION: '1000000',
  OUTPOST_RATE_LIMIT_MUTATIONS: '1000000',
};

/** The first admin every benchmark's server creates at start (OUTPOST_ADMIN_EMAIL/PASSWORD). */
export const ADMIN = { email: 'bench@example.com', password: 'benchmark-password' };

/** Signs in as ADMIN (the session cookie) and returns a new API token, as the CLI does. */
export async function adminToken(graphqlUrl) {
  const login = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { id } } }',
      variables: { e: ADMIN.email, p: ADMIN.password },
    }),
  });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ query: 'mutation { createApiToken(name: "bench") { token } }' }),
  });
  return (await response.json()).data.createApiToken.token;
}
