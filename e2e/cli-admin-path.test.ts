import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildKubeconfig,
  ensureKubeBinaries,
  startKubeCluster,
  type KubeCluster,
} from '@outpost/kube-testenv';
import { runCli, type Result } from '../apps/cli/test/run-cli.js';
import { createWorld, PASSWORD, useTestServer, type World } from '../apps/server/test/helpers.js';
import { inheritedEnvironment, TestProcess } from './support/process.js';
import { Teardown } from './support/teardown.js';

/**
 * The admin's path through the CLI only, against a real server and a real kube-apiserver: log in,
 * create a provider, run the printed helm command, start the agent as the chart's Deployment would
 * (its env, the Secret helm created, the chart's own ServiceAccount and Role), wait for READY, use
 * the provider and finally delete it.
 */

const AGENT_MAIN = fileURLToPath(new URL('../apps/agent/dist/main.js', import.meta.url));
const PROVIDER_CHART = fileURLToPath(new URL('../charts/outpost-provider', import.meta.url));
const NAMESPACE = 'ws-eu';
const PROVIDER = 'eu-west';
const RELEASE = `outpost-provider-${PROVIDER}`;
const run = promisify(execFile);

interface CliProvider {
  name: string;
  status: string;
  isDefault: boolean;
  cordoned: boolean;
}

const server = useTestServer({
  config: { agents: { heartbeatIntervalSeconds: 1, heartbeatGraceSeconds: 3 } },
});

describe('the admin path through the CLI', () => {
  const teardown = new Teardown();
  let world: World;
  let home: string;
  let baseUrl: string;
  let cluster: KubeCluster;
  let helm: string;
  let adminKubeconfigFile: string;
  let agent: TestProcess | undefined;
  let workspaceId: string;

  const cli = (args: string[], input = ''): Promise<Result> => runCli(home, args, { input });

  async function cliOk(args: string[], input = ''): Promise<Result> {
    const result = await cli(args, input);
    if (result.code !== 0) {
      throw new Error(`outpost ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
    }
    return result;
  }

  async function providerList(): Promise<CliProvider[]> {
    return JSON.parse((await cliOk(['providers', 'ls', '-o', 'json'])).stdout) as CliProvider[];
  }

  async function provider(name: string): Promise<CliProvider | undefined> {
    return (await providerList()).find((p) => p.name === name);
  }

  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'outpost-cli-admin-'));
    teardown.defer(async () => rmSync(home, { recursive: true, force: true }));
    [world, helm, cluster] = await Promise.all([
      createWorld(server),
      ensureKubeBinaries().then((binaries) => binaries.helm),
      teardown.track(startKubeCluster({ name: 'cli-admin' }), (started) => started.stop()),
    ]);
    baseUrl = server.outpost.http.graphqlUrl.replace(/\/graphql$/, '');
    adminKubeconfigFile = await cluster.writeKubeconfig(path.join(home, 'admin.kubeconfig'));
    // The site admin creates the workspace too, so it must be a member of the organization.
    await server.client.data(
      `mutation($o: ID!, $e: String!) { addOrganizationMember(organizationId: $o, email: $e, role: ADMIN) { userId } }`,
      { o: world.org.id, e: world.personas.siteAdmin.email },
      world.personas.siteAdmin.credentials,
    );
  });

  afterAll(async () => {
    if (agent?.running) await agent.stop();
    await teardown.run();
  });

  it('logs in', async () => {
    const result = await cliOk(
      ['login', baseUrl, '--email', world.personas.siteAdmin.email!, '--password-stdin'],
      `${PASSWORD}\n`,
    );
    expect(result.stderr).toContain('Signed in');
  });

  it('creates the provider and installs the chart with the printed helm command', async () => {
    const created = await cliOk([
      'providers',
      'create',
      PROVIDER,
      '--region',
      'eu-west-1',
      '--cluster-address',
      cluster.server,
      '--namespace',
      NAMESPACE,
      '--org',
      world.org.slug,
    ]);
    const lines = created.stdout.split('\n');
    const start = lines.findIndex((line) => line.startsWith('helm '));
    expect(start).toBeGreaterThanOrEqual(0);
    const commandLines: string[] = [];
    for (const line of lines.slice(start)) {
      commandLines.push(line.replace(/\\$/, ''));
      if (!line.trimEnd().endsWith('\\')) break;
    }
    const words = commandLines.join(' ').trim().split(/\s+/);
    expect(words.slice(0, 3)).toEqual(['helm', 'upgrade', '--install']);
    expect(words).toContain(`registrationToken=./${PROVIDER}.registration-token`);
    const args = words
      .slice(1)
      .map((word) => (word === 'charts/outpost-provider' ? PROVIDER_CHART : word))
      .concat(['--kubeconfig', adminKubeconfigFile]);
    expect(args).toContain(PROVIDER_CHART);
    await run(helm, args, { cwd: home });
  });

  it('runs the agent as the Deployment would and the provider becomes READY', async () => {
    const values = JSON.parse(
      (
        await run(helm, [
          'get',
          'values',
          RELEASE,
          '--namespace',
          NAMESPACE,
          '-o',
          'json',
          '--kubeconfig',
          adminKubeconfigFile,
        ])
      ).stdout,
    ) as { server: { url: string } };
    expect(values.server.url).toBe(baseUrl);

    const secret = await cluster.requestOk<{ data: Record<string, string> }>(
      'GET',
      `/api/v1/namespaces/${NAMESPACE}/secrets/${RELEASE}-registration`,
    );
    const registrationToken = Buffer.from(secret.data['registration-token']!, 'base64').toString('utf8');
    expect(registrationToken).toMatch(/^oprg_/);

    const tokenRequest = await cluster.requestOk<{ status: { token: string } }>(
      'POST',
      `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${RELEASE}/token`,
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} },
    );
    const dir = mkdtempSync(path.join(os.tmpdir(), 'outpost-cli-admin-agent-'));
    teardown.defer(async () => rmSync(dir, { recursive: true, force: true }));
    const kubeconfig = await cluster.writeKubeconfig(
      path.join(dir, 'kubeconfig'),
      buildKubeconfig({
        name: 'cli-admin',
        server: cluster.server,
        caCertPem: cluster.caCertPem,
        userName: `system:serviceaccount:${NAMESPACE}:${RELEASE}`,
        token: tokenRequest.status.token,
        namespace: NAMESPACE,
      }),
    );
    const tokenFile = path.join(dir, 'registration-token');
    writeFileSync(tokenFile, registrationToken, { mode: 0o600 });

    agent = new TestProcess('agent eu-west', process.execPath, [AGENT_MAIN], {
      ...inheritedEnvironment(),
      KUBECONFIG: kubeconfig,
      OUTPOST_SERVER_URL: values.server.url,
      OUTPOST_REGISTRATION_TOKEN_FILE: tokenFile,
      OUTPOST_NAMESPACE: NAMESPACE,
      OUTPOST_HEARTBEAT_INTERVAL: '1',
      OUTPOST_CHECK_INTERVAL: '1',
      OUTPOST_LOG_LEVEL: 'info',
    });

    const deadline = Date.now() + 20_000;
    let status: string | undefined;
    while (Date.now() < deadline) {
      status = (await provider(PROVIDER))?.status;
      if (status === 'READY') break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (status !== 'READY') throw new Error(`provider is ${status}; agent output:\n${agent.output()}`);
  });

  it('makes it the default and back, cordons and uncordons it', async () => {
    await cliOk(['providers', 'set-default', PROVIDER]);
    expect((await provider(PROVIDER))?.isDefault).toBe(true);
    await cliOk(['providers', 'set-default', 'built-in']);
    expect((await provider(PROVIDER))?.isDefault).toBe(false);
    expect((await provider('built-in'))?.isDefault).toBe(true);

    await cliOk(['providers', 'cordon', PROVIDER, '--reason', 'maintenance']);
    expect((await provider(PROVIDER))?.cordoned).toBe(true);
    const refused = await cli([
      'workspaces',
      'create',
      '--org',
      world.org.slug,
      '--name',
      'dev',
      '--provider',
      PROVIDER,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('maintenance');
    await cliOk(['providers', 'uncordon', PROVIDER]);
    expect((await provider(PROVIDER))?.cordoned).toBe(false);
  });

  it('creates a workspace there; rm and allowlist rm are refused while it exists', async () => {
    const created = await cliOk([
      'workspaces',
      'create',
      '--org',
      world.org.slug,
      '--name',
      'dev',
      '--provider',
      PROVIDER,
      '-o',
      'json',
    ]);
    workspaceId = (JSON.parse(created.stdout) as { id: string }).id;
    expect(workspaceId).toBeTruthy();

    const rm = await cli(['providers', 'rm', PROVIDER]);
    expect(rm.code).toBe(1);
    expect(rm.stderr).toContain('PRECONDITION_FAILED');
    expect(rm.stderr).toContain(`${world.org.slug}/dev`);

    const allowlistRm = await cli(['providers', 'allowlist', 'rm', PROVIDER, world.org.slug]);
    expect(allowlistRm.code).toBe(1);
    expect(allowlistRm.stderr).toContain('PRECONDITION_FAILED');
    expect(allowlistRm.stderr).toContain('dev');
  });

  it('deletes the workspace, then the provider', async () => {
    await cliOk(['workspaces', 'rm', workspaceId]);
    const deadline = Date.now() + 20_000;
    let last: Result | undefined;
    while (Date.now() < deadline) {
      last = await cli(['providers', 'rm', PROVIDER]);
      if (last.code === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(last?.code, `${last?.stdout}\n${last?.stderr}`).toBe(0);
    expect(last?.stdout).toContain(`Deleted provider ${PROVIDER}`);
    expect(await provider(PROVIDER)).toBeUndefined();
  });
});
