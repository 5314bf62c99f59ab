#!/usr/bin/env node
// `npm run test:long`: the reliability and security suite at full strength, on demand (about 25 minutes
// on 2 cores; `npm test` runs the same tests at smaller sizes). It runs
//   - the property-based bad-input tests with OUTPOST_PROPERTY_RUNS (default 300) inputs per mutation,
//   - rules 2 and 4 under 16 connections with OUTPOST_STRESS_OPERATIONS (default 10,000) operations,
//   - every fault test (PostgreSQL outage, server restarts and replica kills, agent link cut, Kubernetes
//     API faults, dropped LISTEN connection) OUTPOST_FAULT_REPEATS (default 3) times,
//   - the hostile-query corpus, the rate limits and the security properties once more,
// and writes what was tried, how often, and what was lost to .test-results/long-suite.{json,md}.
//   npm run test:long -- --only bad-input,concurrency   # run some classes again, keep the other rows
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { installAndBuild, pnpm, root } from './lib.mjs';

const propertyRuns = Number(process.env.OUTPOST_PROPERTY_RUNS ?? 300);
const stressOperations = Number(process.env.OUTPOST_STRESS_OPERATIONS ?? 10_000);
const faultRepeats = Number(process.env.OUTPOST_FAULT_REPEATS ?? 3);
const results = path.join(root, '.test-results');
mkdirSync(results, { recursive: true });

/** One vitest run of `files`; returns its passed and failed test counts from the JSON report. */
function vitest(files, env = {}) {
  const report = path.join(results, 'vitest.json');
  rmSync(report, { force: true });
  pnpm(['exec', 'vitest', 'run', ...files], { env, allowFailure: true });
  const json = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : undefined;
  return {
    passed: json?.numPassedTests ?? 0,
    failed: json?.numFailedTests ?? 0,
    ok: Boolean(json?.success),
  };
}
const readJson = (file) => JSON.parse(readFileSync(path.join(results, file), 'utf8'));

// `--only bad-input,concurrency,faults,attacks`: run those classes again; the other rows are kept from the
// previous report.
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? process.argv[onlyArg + 1].split(',') : undefined;
const runs = (kind) => !only || only.includes(kind);
const reportFile = path.join(results, 'long-suite.json');
const previousRows = only && existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')).rows : [];

installAndBuild();
const rows = [];

// Bad input: every mutation, many inputs each.
if (runs('bad-input')) {
  const badInput = vitest(['apps/server/test/bad-input.property.test.ts'], {
    OUTPOST_PROPERTY_RUNS: String(propertyRuns),
  });
  const outcomes = readJson('bad-input-outcomes.json').outcomes;
  const requests = Object.values(outcomes).reduce(
    (sum, o) => sum + o.ok + Object.values(o.refused).reduce((a, b) => a + b, 0),
    0,
  );
  const refused = Object.values(outcomes).reduce(
    (sum, o) => sum + Object.values(o.refused).reduce((a, b) => a + b, 0),
    0,
  );
  rows.push({
    kind: 'bad input',
    what: `random and hostile inputs to all ${Object.keys(outcomes).length} mutations with arguments (fast-check)`,
    tries: requests,
    result: `${refused} refused with a stable code and no change, ${requests - refused} succeeded with valid data`,
    lost: badInput.ok ? 'nothing' : `FAILED (${badInput.failed} tests)`,
  });
}

// Rules 2 and 4 under concurrency.
if (runs('concurrency')) {
  const stress = vitest(['apps/server/test/rules-under-concurrency.test.ts'], {
    OUTPOST_STRESS_OPERATIONS: String(stressOperations),
  });
  const concurrency = readJson('rules-under-concurrency.json');
  rows.push({
    kind: 'concurrency',
    what: `rules 2 and 4: randomized operations over ${concurrency.clients} connections, invariants watched throughout`,
    tries: concurrency.operations,
    result: `${concurrency.watcherChecks} invariant checks, ${concurrency.deadlocks} deadlocks, 0 retries needed (row locks)`,
    lost: stress.ok ? 'nothing' : `FAILED (${stress.failed} tests)`,
  });
}

// Faults, each file several times.
const faults = [
  ['e2e/faults-postgres.test.ts', 'PostgreSQL stopped under load and restarted'],
  ['e2e/faults-server-restart.test.ts', 'server replica killed (SIGKILL) / restarted (SIGTERM)'],
  ['e2e/faults-server-link.test.ts', 'agent ↔ server link cut and blackholed, then restored'],
  ['e2e/faults-kube-api.test.ts', 'kube-apiserver 403 / 500 / slow mid-reconcile'],
  ['apps/server/test/event-journal.test.ts', 'LISTEN connection dropped while events commit'],
];
for (const [file, what] of runs('faults') ? faults : []) {
  let passed = 0;
  let failed = 0;
  for (let i = 0; i < faultRepeats; i++) {
    const run = vitest([file]);
    passed += run.passed;
    failed += run.failed + (run.ok ? 0 : run.failed === 0 ? 1 : 0);
  }
  rows.push({
    kind: 'fault',
    what,
    tries: passed + failed,
    result: `${passed} scenario runs passed, ${failed} failed`,
    lost: failed === 0 ? 'nothing' : 'FAILED',
  });
}

// Attacks.
for (const [file, what] of !runs('attacks')
  ? []
  : [
      [
        'apps/server/test/abuse-limits.test.ts',
        'hostile queries: deep, aliased, huge, batched, costly, over WebSocket',
      ],
      ['apps/server/test/rate-limits.test.ts', 'login, registration and mutation floods'],
      [
        'apps/server/test/security-properties.test.ts',
        'secrets at rest and in logs, token randomness, CORS, headers',
      ],
      ['apps/server/test/authorization.test.ts', 'every field × every persona (authorization matrix)'],
    ]) {
  const run = vitest([file]);
  rows.push({
    kind: 'attack',
    what,
    tries: run.passed + run.failed,
    result: `${run.passed} checks passed, ${run.failed} failed`,
    lost: run.ok ? 'nothing' : 'FAILED',
  });
}

// Classes not run this time keep their previous rows, in the usual order.
const order = ['bad input', 'concurrency', 'fault', 'attack'];
const kindOf = { 'bad input': 'bad-input', concurrency: 'concurrency', fault: 'faults', attack: 'attacks' };
for (const row of previousRows) if (!runs(kindOf[row.kind])) rows.push(row);
rows.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));

const markdown = [
  `| class | what was tried | times | outcome | lost |`,
  `|---|---|---|---|---|`,
  ...rows.map((r) => `| ${r.kind} | ${r.what} | ${r.tries} | ${r.result} | ${r.lost} |`),
  '',
].join('\n');
writeFileSync(
  path.join(results, 'long-suite.json'),
  `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`,
);
writeFileSync(path.join(results, 'long-suite.md'), markdown);
console.log(`\n${markdown}`);
const failed = rows.filter((r) => r.lost !== 'nothing');
console.log(
  failed.length === 0 ? 'Long suite: nothing lost.' : `Long suite: ${failed.length} classes FAILED.`,
);
process.exit(failed.length === 0 ? 0 : 1);
