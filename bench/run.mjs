#!/usr/bin/env node
// Runs every benchmark, one after another (they would disturb each other's numbers if run together), and
// gathers the targets each one checked into <results dir>/summary.{json,md}.
//
//   npm run bench                              # everything, real sizes (about 40 minutes on 2 cores)
//   npm run bench -- --smoke                   # tiny sizes, to check that each still runs (numbers mean nothing)
//   npm run bench -- --only providers-list,console
//   npm run bench -- --summary                 # only rewrite summary.md from the results there
//
// Needs a build (`npm run build`, or `npm test`) and the Kubernetes binaries the test command builds.
// Real runs write bench/results/ (committed); smoke runs write .test-results/bench-smoke/.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

import { args, machine, resultsDir, root, smoke } from './support.mjs';

/**
 * The benchmarks, in the order they run, with the issue's measurement each belongs to. One script can run
 * several times with different settings (failure detection at the default and at a tight setting).
 */
const benchmarks = [
  { name: 'providers-list', script: 'providers-list.mjs', measures: '1. Providers list; 6. server memory' },
  {
    name: 'status-propagation',
    script: 'status-propagation.mjs',
    measures: '2. Status propagation; 6. memory',
  },
  { name: 'heartbeat-ingest', script: 'heartbeat-ingest.mjs', measures: '3. Heartbeat ingest' },
  {
    name: 'failure-detection-default',
    script: 'failure-detection.mjs',
    argv: ['--label', 'default', '--heartbeat', '5', '--grace', '15', '--trials', '20'],
    smokeArgv: ['--label', 'default'],
    measures: '4. Failure detection',
  },
  {
    name: 'failure-detection-tight',
    script: 'failure-detection.mjs',
    argv: ['--label', 'tight', '--heartbeat', '1', '--grace', '3', '--trials', '20'],
    smokeArgv: ['--label', 'tight'],
    measures: '4. Failure detection',
  },
  { name: 'false-errors', script: 'false-errors.mjs', measures: '4. Failure detection under jitter' },
  {
    name: 'agent-crash',
    script: 'agent-crash.mjs',
    argv: ['--heartbeat', '5', '--grace', '15', '--trials', '20'],
    measures: 'Issue 11: agent SIGKILL → ERROR (no standby) / → standby holds the lease',
  },
  {
    name: 'replica-failover',
    script: 'replica-failover.mjs',
    measures: 'Issue 11: a replica killed with 1,000 agents; a rolling restart of both replicas',
  },
  { name: 'console', script: 'console.mjs', measures: '5. Console' },
  { name: 'agent-memory', script: 'agent-memory.mjs', measures: '6. Agent memory' },
];

const only = args.only?.split(',');
const selected = benchmarks.filter((b) => !only || only.includes(b.name) || only.includes(b.script));
if (only && selected.length === 0) {
  console.error(`--only ${args.only}: none of ${benchmarks.map((b) => b.name).join(', ')}`);
  process.exit(2);
}

const runs = [];
// `--summary`: run nothing, only rewrite the summary from the results in the folder.
for (const bench of process.argv.includes('--summary') ? [] : selected) {
  const argv = [...((smoke ? bench.smokeArgv : bench.argv) ?? []), ...(smoke ? ['--smoke'] : [])];
  console.log(`\n=== ${bench.name}: node bench/${bench.script} ${argv.join(' ')}`);
  const started = Date.now();
  const exitCode = await new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bench', bench.script), ...argv], {
      stdio: 'inherit',
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  runs.push({ ...bench, argv, exitCode, seconds: (Date.now() - started) / 1000 });
}

// The summary covers every result in the folder, so running one benchmark again refreshes its rows while
// the others keep the figures of their last run (each row says when it was measured).
const dir = resultsDir();
mkdirSync(dir, { recursive: true });
const results = benchmarks
  .map((bench) => ({ bench, file: path.join(dir, `${bench.name}.json`) }))
  .filter(({ file }) => existsSync(file))
  .map(({ bench, file }) => ({ bench, result: JSON.parse(readFileSync(file, 'utf8')) }));
const rows = results.flatMap(({ bench, result }) =>
  (result.targets ?? []).map((t) => ({ benchmark: bench.name, date: result.date, ...t })),
);
const failed = runs.filter((r) => r.exitCode !== 0);
// How each benchmark last ran: this run's, else what the previous summary recorded.
const previous = existsSync(path.join(dir, 'summary.json'))
  ? JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')).runs
  : [];
const lastRuns = benchmarks
  .map((bench) => runs.find((r) => r.name === bench.name) ?? previous.find((r) => r.name === bench.name))
  .filter(Boolean)
  .map(({ name, argv, exitCode, seconds }) => ({ name, argv, exitCode, seconds }));
const summary = {
  date: new Date().toISOString(),
  machine: machine(),
  smoke,
  runs: lastRuns,
  targets: rows,
};
const yesNo = (met) => (met ? '**met**' : '**missed**');
const markdown = [
  '# Benchmark summary',
  '',
  `${summary.date} · ${summary.machine}${smoke ? ' · SMOKE RUN: tiny sizes, the numbers mean nothing' : ''}`,
  '',
  'Every figure in the per-benchmark files sits next to a baseline measured in the same run. Targets are ' +
    'those of issue 6; a missed target names its cause in its benchmark’s file.',
  '',
  '| benchmark | target | measured | met |',
  '|---|---|---|---|',
  ...rows.map(
    (r) => `| [${r.benchmark}](${r.benchmark}.md) | ${r.target} | ${r.measured} | ${yesNo(r.met)} |`,
  ),
  '',
  '| benchmark | measures | measured at | last run |',
  '|---|---|---|---|',
  ...benchmarks.map((bench) => {
    const result = results.find((r) => r.bench === bench)?.result;
    const run = lastRuns.find((r) => r.name === bench.name);
    const thisRun = run
      ? `${run.exitCode === 0 ? 'ran' : `FAILED (exit ${run.exitCode})`} in ${run.seconds.toFixed(0)} s`
      : '—';
    return `| [${bench.name}](${bench.name}.md) | ${bench.measures} | ${result?.date ?? 'never'} | ${thisRun} |`;
  }),
  '',
].join('\n');
writeFileSync(path.join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
writeFileSync(path.join(dir, 'summary.md'), markdown);
console.log(`\n${markdown}`);
console.log(`Written to ${path.relative(root, dir)}/summary.md`);
// Files other runs left that no benchmark claims any more are worth knowing about.
const known = new Set(
  benchmarks.flatMap((b) => [`${b.name}.json`, `${b.name}.md`]).concat(['summary.json', 'summary.md']),
);
const stray = readdirSync(dir).filter((f) => !known.has(f));
if (stray.length > 0) console.log(`Not from any benchmark listed in bench/run.mjs: ${stray.join(', ')}`);
process.exit(failed.length > 0 ? 1 : 0);
