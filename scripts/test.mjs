#!/usr/bin/env node
// `npm test`: everything CI checks, on a fresh machine with only Node and npm. Ends with a summary line.
//   1. install + build   2. types, lint, formatting   3. every test (unit, API, e2e) against real PostgreSQL
// Generated-file drift (schema.graphql, migrations vs schema.prisma) is checked by tests in step 3.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { installAndBuild, pnpm, root } from './lib.mjs';

installAndBuild();
pnpm(['run', 'typecheck']);
pnpm(['run', 'lint']);

const report = path.join(root, '.test-results/vitest.json');
rmSync(report, { force: true });
const status = pnpm(['exec', 'vitest', 'run'], { allowFailure: true });

if (!existsSync(report)) {
  console.error('no test report was written');
  process.exit(status || 1);
}
const results = JSON.parse(readFileSync(report, 'utf8'));
const failed = results.numFailedTests + (results.success ? 0 : results.numFailedTestSuites);
console.log(`\nTests: ${results.numPassedTests} passed, ${results.numFailedTests} failed`);
if (results.numTotalTests === 0) {
  console.error('no test ran');
  process.exit(1);
}
process.exit(status !== 0 || failed > 0 ? 1 : 0);
