#!/usr/bin/env node
// `npm run test:images`: builds the server and agent images with podman (scripts/build-images.mjs, on the
// local stand-in base where node:24-bookworm-slim cannot be pulled) and runs them (e2e/images.test.ts):
// the server against the test run's PostgreSQL, the agent with no configuration. Not part of `npm test`:
// cold it takes about 15 minutes on 2 busy cores, after a source change about 5 (docs/decisions/0161-…).
// `.ci/run` runs it after `npm test`, with --built (npm test has just installed and built the workspace).
// Ends with a summary line, as npm test does.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { installAndBuild, pnpm, root } from './lib.mjs';

if (!process.argv.includes('--built')) installAndBuild();
const report = path.join(root, '.test-results/vitest-images.json');
rmSync(report, { force: true });
const status = pnpm(['exec', 'vitest', 'run', '--config', 'vitest.images.config.ts'], { allowFailure: true });
const result = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : undefined;
const passed = result?.numPassedTests ?? 0;
const failed = result?.numFailedTests ?? 0;
if (!result) console.error('vitest wrote no report');
else if (!result.success && failed === 0) console.error('vitest failed outside any test');
console.log(`Image tests: ${passed} passed, ${failed} failed`);
process.exit(status !== 0 || !result?.success || passed === 0 ? 1 : 0);
