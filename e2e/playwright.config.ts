import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';

// Browser tests (`npm test` runs them after vitest; alone: `npx pnpm@12.21.0 --filter @outpost/e2e
// test:browser`). They drive Debian's Chromium (`apt-get install -y chromium`), never a browser
// Playwright downloads: these machines and CI have no internet besides the package registries.
// browser/support/global-setup.ts starts one real server process for the whole run.

const root = fileURLToPath(new URL('..', import.meta.url));

export const CHROMIUM = process.env.OUTPOST_CHROMIUM || '/usr/bin/chromium';

export default defineConfig({
  testDir: './browser',
  testMatch: '**/*.spec.ts',
  globalSetup: './browser/support/global-setup.ts',
  outputDir: path.join(root, '.test-results/playwright'),
  // One server, one worker: the tests share its database, and two cores are better spent on it.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json', { outputFile: path.join(root, '.test-results/playwright.json') }]],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: CHROMIUM,
      // Without the background-networking flags Chromium keeps dialing Google, which this network refuses.
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
