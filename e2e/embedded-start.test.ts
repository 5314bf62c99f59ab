import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphQLTestClient } from '@outpost/testing';

const MAIN = fileURLToPath(new URL('../apps/server/dist/main.js', import.meta.url));
const ADMIN = { email: 'admin@example.com', password: 'a-long-enough-password' };

/** Starts Outpost as `npm start` does, without DATABASE_URL: it must bring up its own PostgreSQL. */
async function startOutpost(
  dataDir: string,
): Promise<{ child: ChildProcess; client: GraphQLTestClient; output: () => string }> {
  const { DATABASE_URL: _external, ...inherited } = process.env;
  const env = {
    ...inherited,
    KUBECONFIG: '',
    OUTPOST_DATA_DIR: dataDir,
    OUTPOST_PORT: '0',
    OUTPOST_ADMIN_EMAIL: ADMIN.email,
    OUTPOST_ADMIN_PASSWORD: ADMIN.password,
  };
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not started after 60 s:\n${output}`)), 60_000);
    child.stdout!.on('data', () => {
      const match = /Outpost API:\s+(\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
  return { child, client: new GraphQLTestClient(url, url.replace(/^http/, 'ws')), output: () => output };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

async function signIn(client: GraphQLTestClient): Promise<string> {
  const login = await client.request(
    `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { id } } }`,
    {
      e: ADMIN.email,
      p: ADMIN.password,
    },
  );
  expect(login.errors).toBeUndefined();
  return login.headers.get('set-cookie')!.split(';')[0]!;
}

const LIST = `{ workspaceProviders(first: 10) { totalCount edges { node { name isDefault kind status } } } }`;

describe('starting Outpost on embedded defaults', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('brings the API up on its own PostgreSQL and serves the built-in provider as the default', async () => {
    const outpost = await startOutpost(dataDir);
    try {
      expect(outpost.output()).toMatch(/embedded PostgreSQL \d+ with data in /);
      const cookie = await signIn(outpost.client);
      const data = await outpost.client.data(LIST, {}, { cookie });
      expect(data.workspaceProviders).toEqual({
        totalCount: 1,
        edges: [{ node: { name: 'built-in', isDefault: true, kind: 'BUILT_IN', status: 'PENDING' } }],
      });
      await outpost.client.data(
        `mutation { createOrganization(name: "Platform", slug: "platform") { id } }`,
        {},
        { cookie },
      );
    } finally {
      expect(await stop(outpost.child)).toBe(0);
    }
  });

  it('keeps its data across a restart and never duplicates the built-in provider', async () => {
    const outpost = await startOutpost(dataDir);
    try {
      const cookie = await signIn(outpost.client);
      const data = await outpost.client.data(
        `{ workspaceProviders(first: 10) { totalCount } organizations { slug } }`,
        {},
        { cookie },
      );
      expect(data).toEqual({ workspaceProviders: { totalCount: 1 }, organizations: [{ slug: 'platform' }] });
    } finally {
      expect(await stop(outpost.child)).toBe(0);
    }
  });
});
