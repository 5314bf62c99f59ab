import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createProvider,
  createWorld,
  PASSWORD,
  useTestServer,
  type World,
} from '../../server/test/helpers.js';
import { runCli, watchCordonChange } from './run-cli.js';

// Every step is a new Node process (about 0.4 s of CPU each): on a loaded machine a test of ten steps
// needs more than the default 30 s without anything being wrong.
vi.setConfig({ testTimeout: 120_000 });

const server = useTestServer();
let world: World;
let home: string;
let baseUrl: string;

/** Runs the built CLI as a subprocess in the temp home. */
const cli = (args: string[], options: { input?: string; env?: Record<string, string> } = {}) =>
  runCli(home, args, options);

const mode = (path: string) => statSync(path).mode & 0o777;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'outpost-cli-'));
  world = await createWorld(server);
  baseUrl = server.outpost.http.graphqlUrl.replace(/\/graphql$/, '');
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

describe('outpost CLI', () => {
  it('logs in with --password-stdin and stores the token in a 0600 config file', async () => {
    const result = await cli(
      ['login', baseUrl, '--email', world.personas.siteAdmin.email!, '--password-stdin'],
      {
        input: `${PASSWORD}\n`,
      },
    );
    expect(result.stderr).toContain('Signed in');
    expect(result.code).toBe(0);
    const path = join(home, '.config', 'outpost', 'config.json');
    expect(mode(path)).toBe(0o600);
    const config = JSON.parse(readFileSync(path, 'utf8'));
    expect(config.url).toBe(baseUrl);
    expect(config.token).toMatch(/\S{16,}/);

    const whoami = await cli(['whoami', '-o', 'json']);
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({
      email: world.personas.siteAdmin.email,
      siteRole: 'ADMIN',
    });
  });

  it('refuses a wrong password with exit code 1 and the error code', async () => {
    const result = await cli(
      ['login', baseUrl, '--email', world.personas.siteAdmin.email!, '--password-stdin'],
      {
        input: 'wrong-password\n',
        env: { XDG_CONFIG_HOME: join(home, 'other') },
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: [A-Z_]+: /);
  });

  it('exits 2 on usage errors', async () => {
    const missing = await cli(['providers', 'create', 'x', '--region', 'r']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--cluster-address');
    expect((await cli(['no-such-command'])).code).toBe(2);
    expect((await cli(['providers', 'ls', '-o', 'xml'])).code).toBe(2);
    const help = await cli(['providers', 'create', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
  });

  it('creates a provider: token file 0600 and the helm command printed', async () => {
    const result = await cli([
      'providers',
      'create',
      'eu-1',
      '--region',
      'eu-west',
      '--cluster-address',
      'https://eu-1.k8s.example.com:6443',
      '--namespace',
      'workspaces',
      '--org',
      world.org.slug,
    ]);
    expect(result.stderr).toContain('eu-1.registration-token');
    expect(result.code).toBe(0);
    const tokenFile = join(home, 'eu-1.registration-token');
    expect(mode(tokenFile)).toBe(0o600);
    expect(readFileSync(tokenFile, 'utf8')).toMatch(/^oprg_/);
    expect(result.stdout).toContain('helm ');
    expect(result.stdout).toContain('eu-1.registration-token');

    const rotated = await cli(['providers', 'rotate-token', 'eu-1']);
    expect(rotated.code).toBe(0);
    expect(readFileSync(tokenFile, 'utf8')).toMatch(/^oprg_/);
    expect(mode(tokenFile)).toBe(0o600);
  });

  it('lists providers as stable JSON and shows one', async () => {
    const result = await cli(['providers', 'ls', '-o', 'json']);
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout);
    expect(list.map((p: any) => p.name)).toEqual(expect.arrayContaining(['built-in', 'eu-1']));
    expect(Object.keys(list[0])).toEqual(Object.keys(list[1]));
    const yaml = await cli(['providers', 'ls', '-o', 'yaml']);
    expect(yaml.stdout).toContain('name: eu-1');
    const table = await cli(['providers', 'ls']);
    expect(table.stdout).toMatch(/^NAME\s+STATUS/);
    const show = await cli(['providers', 'show', 'eu-1', '-o', 'json']);
    expect(JSON.parse(show.stdout)).toMatchObject({ name: 'eu-1', region: 'eu-west', status: 'PENDING' });
  });

  it('refuses to delete built-in with exit code 1', async () => {
    const result = await cli(['providers', 'rm', 'built-in']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PRECONDITION_FAILED');
  });

  it('uses OUTPOST_URL/OUTPOST_TOKEN over the stored config, and refuses rm while workspaces remain', async () => {
    const provider = await createProvider(server, world.personas.siteAdmin.credentials, 'busy', {
      organizationIds: [world.org.id],
    });
    const asMember = { OUTPOST_URL: baseUrl, OUTPOST_TOKEN: world.personas.member.credentials.token! };
    const me = await cli(['whoami', '-o', 'json'], { env: asMember });
    expect(JSON.parse(me.stdout).email).toBe(world.personas.member.email);
    // Members see the providers their organizations may use, without the staff-only fields.
    const memberList = await cli(['providers', 'ls', '-o', 'json'], { env: asMember });
    expect(memberList.code).toBe(0);
    expect(JSON.parse(memberList.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'busy', clusterAddress: null })]),
    );
    const created = await cli(
      ['workspaces', 'create', '--org', world.org.slug, '--name', 'ws-one', '--provider', 'busy'],
      {
        env: asMember,
      },
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const ls = await cli(['workspaces', 'ls', '-o', 'json'], { env: asMember });
    expect(JSON.parse(ls.stdout)).toEqual([
      expect.objectContaining({ name: 'ws-one', providerId: provider.id }),
    ]);

    const refused = await cli(['providers', 'rm', 'busy']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('PRECONDITION_FAILED');
    expect(refused.stderr).toContain('ws-one');

    const ws = JSON.parse(ls.stdout)[0];
    expect((await cli(['workspaces', 'rm', ws.id], { env: asMember })).code).toBe(0);
    const removed = await cli(['providers', 'rm', 'busy']);
    expect(removed.code).toBe(0);
  });

  it('adds and removes an organization on the allowlist', async () => {
    const add = await cli(['providers', 'allowlist', 'add', 'eu-1', world.otherOrg.slug]);
    expect(add.code).toBe(0);
    let ls = await cli(['providers', 'allowlist', 'ls', 'eu-1', '-o', 'json']);
    expect(
      JSON.parse(ls.stdout)
        .map((o: any) => o.slug)
        .sort(),
    ).toEqual([world.org.slug, world.otherOrg.slug].sort());
    const rm = await cli(['providers', 'allowlist', 'rm', 'eu-1', world.otherOrg.slug]);
    expect(rm.code).toBe(0);
    ls = await cli(['providers', 'allowlist', 'ls', 'eu-1', '-o', 'json']);
    expect(JSON.parse(ls.stdout).map((o: any) => o.slug)).toEqual([world.org.slug]);
  });

  it('sets the default, cordons and uncordons', async () => {
    await createProvider(server, world.personas.siteAdmin.credentials, 'ready-1');
    const setDefault = await cli(['providers', 'set-default', 'ready-1', '-o', 'json']);
    expect(setDefault.code).toBe(0);
    expect(JSON.parse(setDefault.stdout)).toMatchObject({ name: 'ready-1', isDefault: true });
    const cordon = await cli(['providers', 'cordon', 'ready-1', '--reason', 'upgrade']);
    expect(cordon.code).toBe(0);
    let show = JSON.parse((await cli(['providers', 'show', 'ready-1', '-o', 'json'])).stdout);
    expect(show).toMatchObject({ cordoned: true, cordonReason: 'upgrade' });
    expect((await cli(['providers', 'uncordon', 'ready-1'])).code).toBe(0);
    show = JSON.parse((await cli(['providers', 'show', 'ready-1', '-o', 'json'])).stdout);
    expect(show.cordoned).toBe(false);
    expect((await cli(['providers', 'set-default', 'built-in'])).code).toBe(0);
  });

  it('watch prints one line per event and exits 0 on SIGINT', async () => {
    const watched = await watchCordonChange(home, 'eu-1', []);
    expect(watched.stderr).toContain('Watching');
    expect(watched.stdout).toMatch(/^\S+ CORDON_CHANGED eu-1 PENDING/m);
    expect(watched.code).toBe(0);
  });

  it('logs out: revokes the token and deletes the config', async () => {
    const config = JSON.parse(readFileSync(join(home, '.config', 'outpost', 'config.json'), 'utf8'));
    const result = await cli(['logout']);
    expect(result.code).toBe(0);
    expect(() => statSync(join(home, '.config', 'outpost', 'config.json'))).toThrow();
    const revoked = await cli(['whoami'], { env: { OUTPOST_URL: baseUrl, OUTPOST_TOKEN: config.token } });
    expect(revoked.code).toBe(1);
    expect((await cli(['whoami'])).code).toBe(2);
  });
});
