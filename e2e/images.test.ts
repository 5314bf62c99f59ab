import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient } from '@outpost/prisma';
import { createTestDatabase, GraphQLTestClient } from '@outpost/testing';
import { ADMIN_EMAIL, apiTokenFor, PASSWORD } from './support/server.js';

// The images as built: scripts/build-images.mjs builds docker/server.Dockerfile and docker/agent.Dockerfile
// with podman (no Docker daemon; on the local stand-in base where node:24-bookworm-slim cannot be pulled),
// and they run here with `podman run` (runc, host network; scripts/images/podman.mjs says why) against
// the test run's PostgreSQL.
const root = fileURLToPath(new URL('..', import.meta.url));
// As scripts/images/podman.mjs names them.
const SERVER_IMAGE = 'localhost/outpost/server:dev';
const AGENT_IMAGE = 'localhost/outpost/agent:dev';
const MIGRATIONS = readdirSync(`${root}/prisma/migrations`, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** podman with the project's storage and options (`run-here` = `run` with this machine's run options). */
function podman(...args: string[]) {
  const result = spawnSync(process.execPath, ['scripts/podman.mjs', ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

beforeAll(() => {
  // Cold (nothing cached): about 15 minutes on 2 busy cores; with the stand-in base and the dependency
  // layer cached, a source change rebuilds in a few minutes, unchanged sources in about one.
  const build = spawnSync(process.execPath, ['scripts/build-images.mjs'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (build.status !== 0) {
    throw new Error(
      `scripts/build-images.mjs exited with ${build.status}:\n${(build.stdout + build.stderr).slice(-6000)}`,
    );
  }
}, 40 * 60_000);

describe('the server image against PostgreSQL', () => {
  const name = `outpost-image-test-server-${randomUUID().slice(0, 8)}`;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let url: string;

  beforeAll(async () => {
    database = await createTestDatabase({ migrated: false });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const started = podman(
      'run-here',
      '-d',
      '--name',
      name,
      '-e',
      `DATABASE_URL=${database.url}`,
      // Host network: listen on loopback only, on a port of its own (the image's defaults are 0.0.0.0:4000).
      '-e',
      'OUTPOST_HOST=127.0.0.1',
      '-e',
      `OUTPOST_PORT=${port}`,
      '-e',
      `OUTPOST_ADMIN_EMAIL=${ADMIN_EMAIL}`,
      '-e',
      `OUTPOST_ADMIN_PASSWORD=${PASSWORD}`,
      SERVER_IMAGE,
    );
    expect(started.status, started.stderr).toBe(0);
    const deadline = Date.now() + 90_000;
    for (;;) {
      const healthy = await fetch(`${url}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (healthy) break;
      const state = podman('inspect', '--format', '{{.State.Status}}', name).stdout.trim();
      if (state !== 'running' || Date.now() > deadline) {
        throw new Error(
          `the server container is ${state}, not answering /healthz:\n${podman('logs', name).stderr}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }, 120_000);

  afterAll(async () => {
    podman('rm', '--force', '--time', '0', name);
    await database?.drop();
  });

  it('applied every committed migration to an empty database at start', async () => {
    const prisma = createPrismaClient(database.url);
    try {
      const rows = await prisma.$queryRaw<{ migration_name: string }[]>`
        SELECT migration_name FROM _prisma_migrations
        WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`;
      expect(rows.map((row) => row.migration_name)).toEqual(MIGRATIONS);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('answers GraphQL at /graphql: the admin from its environment signs in and reads', async () => {
    const client = new GraphQLTestClient(`${url}/graphql`, `${url.replace(/^http/, 'ws')}/graphql`);
    const token = await apiTokenFor(client, ADMIN_EMAIL);
    const { me } = await client.data<{ me: { email: string } }>('{ me { email } }', {}, { token });
    expect(me.email).toBe(ADMIN_EMAIL);
  });

  it('serves the console at / with its assets', async () => {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<div id="root">');
    const script = html.match(/<script[^>]+src="([^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(new URL(script!, url));
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
  });

  it('runs as the unprivileged user node', () => {
    const top = podman('top', name, 'user', 'args');
    expect(top.stdout).toMatch(/^node\s+node \/app\/server\/dist\/main\.js/m);
  });

  it('passes its own HEALTHCHECK on the port it was told to listen on', () => {
    const health = podman('healthcheck', 'run', name);
    expect(health.stdout.trim() + health.stderr).toBe('');
    expect(health.status).toBe(0);
  });

  // Last: it stops the container the tests above use.
  it('stops cleanly within the 10 s a container stop waits before SIGKILL', () => {
    const stop = podman('stop', '--time', '10', name);
    expect(stop.status, stop.stderr).toBe(0);
    const exitCode = podman('inspect', '--format', '{{.State.ExitCode}}', name).stdout.trim();
    expect(exitCode, podman('logs', name).stderr).toBe('0');
    expect(podman('logs', name).stdout).toContain('SIGTERM: stopping Outpost');
  });
});

describe('the agent image', () => {
  it('started with no configuration, exits 1 and names each missing setting', () => {
    const agent = podman('run-here', '--rm', AGENT_IMAGE);
    expect(agent.status).toBe(1);
    expect(agent.stderr).toContain('Agent configuration has 2 problems:');
    expect(agent.stderr).toContain('OUTPOST_SERVER_URL is not set');
    expect(agent.stderr).toContain('OUTPOST_NAMESPACE is not set');
    // A configuration error, not a crash: no stack trace.
    expect(agent.stderr).not.toMatch(/\n\s+at /);
  });

  it('runs as the unprivileged user node', () => {
    const user = podman('image', 'inspect', '--format', '{{.Config.User}}', AGENT_IMAGE);
    expect(user.stdout.trim()).toBe('node');
  });
});
