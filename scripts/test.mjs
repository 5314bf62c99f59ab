#!/usr/bin/env node
// `npm test`: everything CI checks, on a fresh machine with only Node and npm. Ends with a summary line.
//   1. install + build   2. types, lint, formatting   3. every vitest test (unit, API, e2e) against real
//   PostgreSQL   4. the browser tests (Playwright, e2e/browser) in Debian's Chromium, installed if missing
// Generated-file drift (schema.graphql, migrations vs schema.prisma) is checked by tests in step 3.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensureDebianPackage, installAndBuild, pnpm, root } from './lib.mjs';

const CHROMIUM = process.env.OUTPOST_CHROMIUM || '/usr/bin/chromium';

// Tools the tests need from Debian's packages (ensureDebianPackage installs what is missing): Chromium
// for Playwright (never a browser it downloads; no internet here) and docker-compose to validate
// docker-compose.yml (no Docker engine runs here).
function ensureChromium() {
  if (!existsSync(CHROMIUM) && process.env.OUTPOST_CHROMIUM) {
    console.error(`OUTPOST_CHROMIUM=${CHROMIUM} does not exist.`);
    process.exit(1);
  }
  ensureDebianPackage('chromium', CHROMIUM, 'The browser tests');
}

function readReport(file) {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

installAndBuild();
pnpm(['run', 'typecheck']);
pnpm(['run', 'lint']);
ensureChromium();
ensureDebianPackage(
  'docker-compose',
  '/usr/bin/docker-compose',
  'The docker-compose.yml check and its tests',
);

const vitestReport = path.join(root, '.test-results/vitest.json');
const playwrightReport = path.join(root, '.test-results/playwright.json');
rmSync(vitestReport, { force: true });
rmSync(playwrightReport, { force: true });

const vitestStatus = pnpm(['exec', 'vitest', 'run'], { allowFailure: true });
const playwrightStatus = pnpm(['--filter', '@outpost/e2e', 'run', 'test:browser'], {
  allowFailure: true,
  env: { PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1', OUTPOST_CHROMIUM: CHROMIUM },
});

const vitest = readReport(vitestReport);
const playwright = readReport(playwrightReport);
const problems = [];
if (!vitest) problems.push('vitest wrote no report');
if (!playwright) problems.push('Playwright wrote no report');

const vitestPassed = vitest?.numPassedTests ?? 0;
const vitestFailed = vitest?.numFailedTests ?? 0;
// Playwright: "expected" passed, "flaky" passed on a retry, "unexpected" failed.
const playwrightPassed = (playwright?.stats.expected ?? 0) + (playwright?.stats.flaky ?? 0);
const playwrightFailed = playwright?.stats.unexpected ?? 0;
// A file that fails to load, or an error outside a test, fails the run without failing a test.
if (vitest && !vitest.success && vitestFailed === 0) problems.push('vitest failed outside any test');
if (playwright?.errors?.length)
  problems.push(`Playwright: ${playwright.errors.length} error(s) outside tests`);
if (vitest?.numTotalTests === 0) problems.push('no vitest test ran');
if (playwright && playwrightPassed + playwrightFailed === 0) problems.push('no browser test ran');

console.log(`\nvitest: ${vitestPassed} passed, ${vitestFailed} failed (exit code ${vitestStatus})`);
console.log(
  `Playwright: ${playwrightPassed} passed, ${playwrightFailed} failed (exit code ${playwrightStatus})`,
);
for (const problem of problems) console.error(problem);
console.log(`Tests: ${vitestPassed + playwrightPassed} passed, ${vitestFailed + playwrightFailed} failed`);
const failed = vitestFailed + playwrightFailed > 0 || problems.length > 0;
process.exit(vitestStatus !== 0 || playwrightStatus !== 0 || failed ? 1 : 0);
