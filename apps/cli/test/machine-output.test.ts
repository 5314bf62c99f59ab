import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createWorld, setProviderStatus, useTestServer, type World } from '../../server/test/helpers.js';
import { runCli, watchCordonChange } from './run-cli.js';

/**
 * The machine output contract (README "Command line"): with `-o json` or `-o yaml`, stdout is exactly
 * one document that parses, whatever the command, so scripts can pipe it into jq or a YAML reader.
 * Each command runs once per format, against a real server.
 */

// Every step is a new Node process (about 0.4 s of CPU each): on a loaded machine a test of ten steps
// needs more than the default 30 s without anything being wrong.
vi.setConfig({ testTimeout: 120_000 });

const server = useTestServer();
let world: World;
let home: string;
let admin: Record<string, string>;
let member: Record<string, string>;

const PARSERS = {
  // JSON.parse refuses anything after the document; yaml's parse refuses a second document or a stray line.
  json: (text: string): unknown => JSON.parse(text),
  yaml: (text: string): unknown => parseYaml(text),
} as const;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'outpost-cli-machine-'));
  world = await createWorld(server);
  const url = server.outpost.http.graphqlUrl.replace(/\/graphql$/, '');
  admin = { OUTPOST_URL: url, OUTPOST_TOKEN: world.personas.siteAdmin.credentials.token! };
  member = { OUTPOST_URL: url, OUTPOST_TOKEN: world.personas.member.credentials.token! };
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

describe.each(['json', 'yaml'] as const)('outpost … -o %s', (format) => {
  const parse = PARSERS[format];
  const provider = `machine-${format}`;
  const renamed = `${provider}-2`;
  const orgSlug = `machine-${format}`;
  const tokenFile = () => join(home, `${provider}.registration-token`);

  /** Runs a command with `-o FORMAT`, expects success and returns stdout parsed as the one document. */
  async function machine(args: string[], env = admin): Promise<any> {
    const command = `outpost ${args.join(' ')} -o ${format}`;
    const result = await runCli(home, [...args, '-o', format], { env });
    if (result.code !== 0) throw new Error(`${command} exited ${result.code}: ${result.stderr}`);
    let document: unknown;
    try {
      document = parse(result.stdout);
    } catch (error) {
      throw new Error(
        `stdout of ${command} is not one ${format} document (${String(error)}):\n${result.stdout}`,
        { cause: error },
      );
    }
    // Nothing meant for a person is printed beside the document either.
    expect(result.stderr, `stderr of ${command}`).toBe('');
    return document;
  }

  function expectRegistration(document: any) {
    expect(document.tokenFile).toBe(tokenFile());
    expect(readFileSync(document.tokenFile, 'utf8')).toMatch(/^oprg_/);
    expect(statSync(document.tokenFile).mode & 0o777).toBe(0o600);
    expect(Date.parse(document.tokenExpiresAt)).toBeGreaterThan(Date.now());
    expect(document.helmCommand).toMatch(/^helm upgrade --install /);
    expect(document.helmCommand).toContain(`--set-file registrationToken=./${provider}.registration-token`);
  }

  it('whoami', async () => {
    expect(await machine(['whoami'])).toEqual({
      url: admin.OUTPOST_URL,
      id: expect.any(String),
      email: world.personas.siteAdmin.email,
      name: expect.any(String),
      siteRole: 'ADMIN',
    });
  });

  it('orgs create and orgs ls', async () => {
    const created = await machine(['orgs', 'create', `Machine ${format}`, '--slug', orgSlug]);
    expect(created).toEqual({
      id: expect.any(String),
      name: `Machine ${format}`,
      slug: orgSlug,
      createdAt: expect.any(String),
    });
    expect(await machine(['orgs', 'ls'])).toEqual(expect.arrayContaining([created]));
  });

  it('providers create: the provider, the token file and the helm command in one document', async () => {
    const created = await machine([
      'providers',
      'create',
      provider,
      '--region',
      'eu-west',
      '--cluster-address',
      'https://k8s.machine.example.com:6443',
      '--namespace',
      'workspaces',
      '--org',
      world.org.slug,
    ]);
    expect(created).toMatchObject({
      name: provider,
      region: 'eu-west',
      status: 'PENDING',
      clusterAddress: 'https://k8s.machine.example.com:6443',
      namespace: 'workspaces',
      allowedOrganizations: [{ slug: world.org.slug }],
    });
    expectRegistration(created);
  });

  it('providers rotate-token: a new token in the same file, and the helm command', async () => {
    const before = readFileSync(tokenFile(), 'utf8');
    const rotated = await machine(['providers', 'rotate-token', provider]);
    expect(rotated).toMatchObject({ name: provider, status: 'PENDING' });
    expectRegistration(rotated);
    expect(readFileSync(tokenFile(), 'utf8')).not.toBe(before);
  });

  it('providers ls and show, for staff and for members', async () => {
    const list = await machine(['providers', 'ls']);
    expect(list).toEqual(expect.arrayContaining([expect.objectContaining({ name: provider })]));
    expect(await machine(['providers', 'show', provider])).toEqual(
      list.find((p: any) => p.name === provider),
    );
    // Members get the same keys, with null for the fields only staff may read.
    const seenByMember = await machine(['providers', 'show', provider], member);
    expect(Object.keys(seenByMember)).toEqual(Object.keys(list[0]));
    expect(seenByMember).toMatchObject({ name: provider, clusterAddress: null, allowedOrganizations: null });
  });

  it('providers rename, cordon, uncordon, set-default', async () => {
    expect(await machine(['providers', 'rename', provider, renamed])).toMatchObject({ name: renamed });
    expect(await machine(['providers', 'cordon', renamed, '--reason', 'upgrade'])).toMatchObject({
      name: renamed,
      cordoned: true,
      cordonReason: 'upgrade',
    });
    expect(await machine(['providers', 'uncordon', renamed])).toMatchObject({
      cordoned: false,
      cordonReason: null,
    });
    expect(await machine(['providers', 'set-default', renamed])).toMatchObject({ isDefault: true });
    expect(await machine(['providers', 'set-default', 'built-in'])).toMatchObject({
      name: 'built-in',
      isDefault: true,
    });
  });

  it('providers allowlist add, ls and rm', async () => {
    const added = await machine(['providers', 'allowlist', 'add', renamed, world.otherOrg.slug]);
    expect(added.allowedOrganizations.map((o: any) => o.slug).sort()).toEqual(
      [world.org.slug, world.otherOrg.slug].sort(),
    );
    const allowed = await machine(['providers', 'allowlist', 'ls', renamed]);
    expect(allowed.map((o: any) => o.slug).sort()).toEqual([world.org.slug, world.otherOrg.slug].sort());
    expect(allowed[0]).toEqual({
      id: expect.any(String),
      name: expect.any(String),
      slug: expect.any(String),
      createdAt: expect.any(String),
    });
    const removed = await machine(['providers', 'allowlist', 'rm', renamed, world.otherOrg.slug]);
    expect(removed.allowedOrganizations).toEqual([{ slug: world.org.slug }]);
  });

  it('workspaces create, ls and rm, then providers rm', async () => {
    // Workspaces are created only in READY providers; no agent runs for this one.
    const { id } = await machine(['providers', 'show', renamed]);
    await setProviderStatus(server.db, id, 'READY', 'test: READY');
    const created = await machine(
      ['workspaces', 'create', '--org', world.org.slug, '--name', `ws-${format}`, '--provider', renamed],
      member,
    );
    expect(created).toMatchObject({
      id: expect.any(String),
      name: `ws-${format}`,
      organizationId: world.org.id,
      desiredState: expect.any(String),
      createdAt: expect.any(String),
    });
    expect(await machine(['workspaces', 'ls', '--org', world.org.slug], member)).toEqual(
      expect.arrayContaining([created]),
    );
    expect(await machine(['workspaces', 'rm', created.id], member)).toMatchObject({
      id: created.id,
      name: `ws-${format}`,
    });
    expect(await machine(['providers', 'rm', renamed])).toMatchObject({ name: renamed });
  });
});

describe('outpost providers watch -o json', () => {
  it('prints one JSON document per line, and nothing else on stdout', async () => {
    const name = 'machine-watch';
    const createdResult = await runCli(
      home,
      [
        'providers',
        'create',
        name,
        '--region',
        'r',
        '--cluster-address',
        'https://k.example.com',
        '--namespace',
        'ws',
      ],
      { env: admin },
    );
    expect(createdResult.code).toBe(0);
    const watched = await watchCordonChange(home, name, ['--provider', name, '-o', 'json'], admin);
    expect(watched.stderr).toContain('Watching');
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain('CORDON_CHANGED');
    for (const line of watched.stdout.trimEnd().split('\n')) {
      expect(JSON.parse(line)).toEqual({
        at: expect.any(String),
        type: 'CORDON_CHANGED',
        providerId: expect.any(String),
        provider: { name, status: 'PENDING', isDefault: false, cordoned: expect.any(Boolean) },
      });
    }
  });
});
