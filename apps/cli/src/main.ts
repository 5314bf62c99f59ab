#!/usr/bin/env node
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { OutpostClient, RefusedError, UsageError, websocketUrl } from './client.js';
import {
  configPath,
  deleteStoredConfig,
  readStoredConfig,
  resolveConnection,
  writeSecretFile,
  writeStoredConfig,
} from './config.js';
import { parseFormat, printData, printDetails, printTable, type OutputFormat } from './output.js';
import { prompt, readStdin } from './prompt.js';

const PUBLIC_PROVIDER_FIELDS = `id name displayName kind region status isDefault cordoned cordonReason
  accessUrl workspaceCount createdAt`;
// Site staff (ADMIN, MANAGER) may also read these; members get null for them.
const PROVIDER_FIELDS = `${PUBLIC_PROVIDER_FIELDS} statusMessage clusterAddress namespace allowedOrganizations { slug }`;

/** The provider fields the signed-in user may read. */
async function providerFieldsFor(client: OutpostClient): Promise<string> {
  const { me } = await client.data<{ me: { siteRole: string } | null }>('{ me { siteRole } }');
  return me?.siteRole === 'MEMBER' ? PUBLIC_PROVIDER_FIELDS : PROVIDER_FIELDS;
}

/** The same keys in the same order for every caller, so `-o json` output is stable. */
function normalizeProvider(p: Provider): Provider {
  return {
    id: p.id,
    name: p.name,
    displayName: p.displayName,
    kind: p.kind,
    region: p.region,
    status: p.status,
    statusMessage: p.statusMessage ?? null,
    isDefault: p.isDefault,
    cordoned: p.cordoned,
    cordonReason: p.cordonReason ?? null,
    clusterAddress: p.clusterAddress ?? null,
    namespace: p.namespace ?? null,
    accessUrl: p.accessUrl ?? null,
    workspaceCount: p.workspaceCount,
    allowedOrganizations: p.allowedOrganizations ?? null,
    createdAt: p.createdAt,
  };
}

interface Provider {
  id: string;
  name: string;
  displayName: string;
  kind: string;
  region: string;
  status: string;
  statusMessage: string | null;
  isDefault: boolean;
  cordoned: boolean;
  cordonReason: string | null;
  clusterAddress: string | null;
  namespace: string | null;
  accessUrl: string | null;
  workspaceCount: number;
  allowedOrganizations: Array<{ slug: string }> | null;
  createdAt: string;
}

interface Organization {
  id: string;
  name: string;
  slug: string;
  createdAt: string;
}

interface Workspace {
  id: string;
  name: string;
  organizationId: string;
  providerId: string;
  desiredState: string;
  observedPhase: string | null;
  createdAt: string;
}

const WORKSPACE_FIELDS = 'id name organizationId providerId desiredState observedPhase createdAt';

function connect(): OutpostClient {
  const connection = resolveConnection();
  if (!connection) {
    throw new UsageError('not signed in: run `outpost login URL` or set OUTPOST_URL and OUTPOST_TOKEN');
  }
  return new OutpostClient(connection.url, { token: connection.token });
}

function formatOption(): Option {
  return new Option('-o, --output <format>', 'output format')
    .choices(['table', 'json', 'yaml'])
    .default('table');
}

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/** Looks a provider up by name; members may read only some fields, so lookups ask for `id name`. */
async function providerByName(client: OutpostClient, name: string, fields = 'id name'): Promise<Provider> {
  return (
    await client.data<{ workspaceProvider: Provider }>(
      `query($name: String!) { workspaceProvider(name: $name) { ${fields} } }`,
      { name },
    )
  ).workspaceProvider;
}

async function orgBySlug(client: OutpostClient, slug: string): Promise<Organization> {
  return (
    await client.data<{ organization: Organization }>(
      `query($slug: String!) { organization(slug: $slug) { id name slug createdAt } }`,
      { slug },
    )
  ).organization;
}

function printProvider(raw: Provider, format: OutputFormat): void {
  const provider = normalizeProvider(raw);
  if (format !== 'table') return printData(provider, format);
  printDetails([
    ['name', provider.name],
    ['id', provider.id],
    ['display name', provider.displayName],
    ['kind', provider.kind],
    ['region', provider.region],
    ['status', provider.status],
    ['message', provider.statusMessage],
    ['default', provider.isDefault ? 'yes' : 'no'],
    ['cordoned', provider.cordoned ? `yes (${provider.cordonReason ?? ''})` : 'no'],
    ['cluster address', provider.clusterAddress],
    ['namespace', provider.namespace],
    ['access url', provider.accessUrl],
    ['workspaces', provider.workspaceCount],
    ['organizations', (provider.allowedOrganizations ?? []).map((o) => o.slug).join(', ')],
  ]);
}

function writeRegistrationToken(
  name: string,
  token: { token: string; expiresAt: string; installCommand: string },
) {
  const file = resolve(`${name}.registration-token`);
  writeSecretFile(file, token.token);
  process.stderr.write(
    `Registration token written to ${file} (mode 0600), valid until ${token.expiresAt}.\n`,
  );
  process.stderr.write('Deploy the agent into the cluster with:\n');
  process.stdout.write(`${token.installCommand}\n`);
}

async function login(
  url: string,
  options: { email?: string; passwordStdin?: boolean; token?: string; tokenName: string },
) {
  if (options.token) {
    const client = new OutpostClient(url, { token: options.token });
    const { me } = await client.data<{ me: { email: string } | null }>('{ me { email } }');
    if (!me) throw new RefusedError('the token was not accepted', 'UNAUTHENTICATED');
    const path = writeStoredConfig({ url, token: options.token });
    process.stderr.write(`Signed in to ${url} as ${me.email} (config: ${path}).\n`);
    return;
  }
  let email = options.email;
  let password: string;
  if (options.passwordStdin) {
    if (!email) throw new UsageError('--password-stdin needs --email');
    password = await readStdin();
  } else if (process.stdin.isTTY) {
    email ||= await prompt('Email: ');
    password = await prompt('Password: ', true);
  } else {
    throw new UsageError('no terminal to prompt on: use --email with --password-stdin, or --token');
  }
  const anonymous = new OutpostClient(url);
  const signedIn = await anonymous.request<{ login: { user: { email: string } } }>(
    'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { user { email } } }',
    { email, password },
  );
  const cookie = signedIn.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new RefusedError('the server set no session cookie', 'UNAUTHENTICATED');
  const session = new OutpostClient(url, { cookie });
  const { createApiToken } = await session.data<{
    createApiToken: { token: string; apiToken: { id: string } };
  }>('mutation($name: String!) { createApiToken(name: $name) { token apiToken { id } } }', {
    name: options.tokenName,
  });
  // The session was only needed to create the token.
  await session.request('mutation { logout }').catch(() => undefined);
  const path = writeStoredConfig({ url, token: createApiToken.token, tokenId: createApiToken.apiToken.id });
  process.stderr.write(`Signed in to ${url} as ${signedIn.data.login.user.email} (config: ${path}).\n`);
}

export function buildProgram(): Command {
  const program = new Command('outpost')
    .description('Manage an Outpost server: workspace providers, organizations and workspaces.')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      examples(
        'outpost login https://outpost.example.com',
        'outpost providers ls -o json',
        'OUTPOST_URL=https://outpost.example.com OUTPOST_TOKEN=opat_… outpost whoami',
      ),
    );

  program
    .command('login')
    .description('Sign in and store an API token in $XDG_CONFIG_HOME/outpost/config.json (mode 0600)')
    .argument('<url>', 'the Outpost server, e.g. https://outpost.example.com')
    .option('--email <email>', 'your email (prompted for on a terminal)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--token <token>', 'store an existing API token instead of signing in')
    .option('--token-name <name>', 'name of the API token to create', 'outpost-cli')
    .addHelpText(
      'after',
      examples(
        'outpost login https://outpost.example.com',
        'echo "$PASSWORD" | outpost login https://outpost.example.com --email you@example.com --password-stdin',
        'outpost login https://outpost.example.com --token opat_…',
      ),
    )
    .action(login);

  program
    .command('logout')
    .description('Revoke the stored API token (when possible) and delete it')
    .addHelpText('after', examples('outpost logout'))
    .action(async () => {
      const stored = readStoredConfig();
      if (!stored) {
        process.stderr.write('Not signed in.\n');
        return;
      }
      if (stored.tokenId) {
        try {
          await new OutpostClient(stored.url, { token: stored.token }).data(
            'mutation($id: ID!) { revokeApiToken(id: $id) { id } }',
            { id: stored.tokenId },
          );
        } catch (error) {
          process.stderr.write(`warning: could not revoke the token: ${(error as Error).message}\n`);
        }
      }
      deleteStoredConfig();
      process.stderr.write(`Signed out of ${stored.url} (deleted ${configPath()}).\n`);
    });

  program
    .command('whoami')
    .description('Show the signed-in user')
    .addOption(formatOption())
    .addHelpText('after', examples('outpost whoami', 'outpost whoami -o json'))
    .action(async (options: { output: string }) => {
      const client = connect();
      const { me } = await client.data<{
        me: { id: string; email: string; name: string; siteRole: string } | null;
      }>('{ me { id email name siteRole } }');
      if (!me) throw new RefusedError('the token was not accepted', 'UNAUTHENTICATED');
      const format = parseFormat(options.output);
      if (format !== 'table') return printData({ url: client.url, ...me }, format);
      process.stdout.write(`${me.email} (${me.name}, ${me.siteRole}) on ${client.url}\n`);
    });

  const providers = program
    .command('providers')
    .description('Manage workspace providers')
    .addHelpText('after', examples('outpost providers ls', 'outpost providers show built-in'));

  providers
    .command('create')
    .description('Register a provider; writes its one-time registration token to ./NAME.registration-token')
    .argument('<name>', 'DNS label, unique')
    .requiredOption('--region <region>', 'region, e.g. eu-west')
    .requiredOption('--cluster-address <url>', "URL of the cluster's Kubernetes API")
    .requiredOption('--namespace <namespace>', 'namespace the agent deploys workspaces into')
    .option('--display-name <name>', 'display name (defaults to the name)')
    .option('--access-url <url>', 'where users reach workspaces in this provider')
    .option(
      '--org <slug>',
      'organization allowed to use it (repeatable)',
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .addOption(formatOption())
    .addHelpText(
      'after',
      examples(
        'outpost providers create eu-1 --region eu-west --cluster-address https://k8s.eu-1.example.com:6443 --namespace workspaces',
        'outpost providers create us-1 --region us-east --cluster-address https://10.0.0.1:6443 --namespace ws --org acme --org beta',
      ),
    )
    .action(
      async (
        name: string,
        options: {
          region: string;
          clusterAddress: string;
          namespace: string;
          displayName?: string;
          accessUrl?: string;
          org: string[];
          output: string;
        },
      ) => {
        const format = parseFormat(options.output);
        const client = connect();
        const organizationIds = [];
        for (const slug of options.org) organizationIds.push((await orgBySlug(client, slug)).id);
        const { createWorkspaceProvider } = await client.data<{
          createWorkspaceProvider: {
            provider: Provider;
            registrationToken: { token: string; expiresAt: string; installCommand: string };
          };
        }>(
          `mutation($input: CreateWorkspaceProviderInput!) { createWorkspaceProvider(input: $input) {
            provider { ${PROVIDER_FIELDS} } registrationToken { token expiresAt installCommand } } }`,
          {
            input: {
              name,
              region: options.region,
              clusterAddress: options.clusterAddress,
              namespace: options.namespace,
              displayName: options.displayName,
              accessUrl: options.accessUrl,
              organizationIds,
            },
          },
        );
        printProvider(createWorkspaceProvider.provider, format);
        writeRegistrationToken(
          createWorkspaceProvider.provider.name,
          createWorkspaceProvider.registrationToken,
        );
      },
    );

  providers
    .command('ls')
    .alias('list')
    .description('List the providers you may see')
    .addOption(formatOption())
    .addHelpText(
      'after',
      examples('outpost providers ls', 'outpost providers ls -o json', 'outpost providers ls -o yaml'),
    )
    .action(async (options: { output: string }) => {
      const format = parseFormat(options.output);
      const client = connect();
      const fields = await providerFieldsFor(client);
      const all: Provider[] = [];
      let after: string | null = null;
      for (;;) {
        const {
          workspaceProviders,
        }: {
          workspaceProviders: {
            edges: Array<{ node: Provider }>;
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
          };
        } = await client.data(
          `query($after: String) { workspaceProviders(first: 100, after: $after) {
            edges { node { ${fields} } } pageInfo { hasNextPage endCursor } } }`,
          { after },
        );
        all.push(...workspaceProviders.edges.map((e) => normalizeProvider(e.node)));
        if (!workspaceProviders.pageInfo.hasNextPage || !workspaceProviders.pageInfo.endCursor) break;
        after = workspaceProviders.pageInfo.endCursor;
      }
      if (format !== 'table') return printData(all, format);
      printTable(
        ['name', 'status', 'region', 'default', 'cordoned', 'workspaces'],
        all.map((p) => [
          p.name,
          p.status,
          p.region,
          p.isDefault ? 'yes' : '',
          p.cordoned ? 'yes' : '',
          String(p.workspaceCount),
        ]),
      );
    });

  providers
    .command('show')
    .description('Show one provider')
    .argument('<name>', 'provider name')
    .addOption(formatOption())
    .addHelpText('after', examples('outpost providers show built-in', 'outpost providers show eu-1 -o yaml'))
    .action(async (name: string, options: { output: string }) => {
      const format = parseFormat(options.output);
      const client = connect();
      printProvider(await providerByName(client, name, await providerFieldsFor(client)), format);
    });

  const simpleProviderMutation = (
    command: string,
    description: string,
    mutation: string,
    done: (p: Provider) => string,
    example: string,
  ) =>
    providers
      .command(command)
      .description(description)
      .argument('<name>', 'provider name')
      .addOption(formatOption())
      .addHelpText('after', examples(example))
      .action(async (name: string, options: { output: string }) => {
        const format = parseFormat(options.output);
        const client = connect();
        const { id } = await providerByName(client, name);
        const data = await client.data<{ result: Provider }>(
          `mutation($id: ID!) { result: ${mutation}(id: $id) { ${PROVIDER_FIELDS} } }`,
          { id },
        );
        if (format !== 'table') return printData(normalizeProvider(data.result), format);
        process.stdout.write(done(data.result) + '\n');
      });

  simpleProviderMutation(
    'rm',
    'Delete a provider (refused for built-in, the default, and while it holds workspaces)',
    'deleteWorkspaceProvider',
    (p) => `Deleted provider ${p.name}.`,
    'outpost providers rm eu-1',
  ).alias('delete');
  simpleProviderMutation(
    'set-default',
    'Make a provider the default',
    'setDefaultWorkspaceProvider',
    (p) => `${p.name} is now the default provider.`,
    'outpost providers set-default eu-1',
  );
  simpleProviderMutation(
    'uncordon',
    'Accept new workspaces in a provider again',
    'uncordonWorkspaceProvider',
    (p) => `Uncordoned ${p.name}.`,
    'outpost providers uncordon eu-1',
  );

  providers
    .command('rename')
    .description('Rename a provider')
    .argument('<name>', 'current name')
    .argument('<new-name>', 'new name (DNS label)')
    .addOption(formatOption())
    .addHelpText('after', examples('outpost providers rename eu-1 eu-west-1'))
    .action(async (name: string, newName: string, options: { output: string }) => {
      const format = parseFormat(options.output);
      const client = connect();
      const { id } = await providerByName(client, name);
      const { renameWorkspaceProvider } = await client.data<{ renameWorkspaceProvider: Provider }>(
        `mutation($id: ID!, $name: String!) { renameWorkspaceProvider(id: $id, name: $name) { ${PROVIDER_FIELDS} } }`,
        { id, name: newName },
      );
      if (format !== 'table') return printData(normalizeProvider(renameWorkspaceProvider), format);
      process.stdout.write(`Renamed ${name} to ${renameWorkspaceProvider.name}.\n`);
    });

  providers
    .command('cordon')
    .description('Stop new workspaces from being created in a provider')
    .argument('<name>', 'provider name')
    .requiredOption('--reason <reason>', 'why, shown to users')
    .addOption(formatOption())
    .addHelpText('after', examples('outpost providers cordon eu-1 --reason "cluster upgrade"'))
    .action(async (name: string, options: { reason: string; output: string }) => {
      const format = parseFormat(options.output);
      const client = connect();
      const { id } = await providerByName(client, name);
      const { cordonWorkspaceProvider } = await client.data<{ cordonWorkspaceProvider: Provider }>(
        `mutation($id: ID!, $reason: String!) { cordonWorkspaceProvider(id: $id, reason: $reason) { ${PROVIDER_FIELDS} } }`,
        { id, reason: options.reason },
      );
      if (format !== 'table') return printData(normalizeProvider(cordonWorkspaceProvider), format);
      process.stdout.write(`Cordoned ${name}: ${options.reason}\n`);
    });

  providers
    .command('rotate-token')
    .description('Issue a new registration token (any unused earlier one stops working)')
    .argument('<name>', 'provider name')
    .addHelpText('after', examples('outpost providers rotate-token eu-1'))
    .action(async (name: string) => {
      const client = connect();
      const provider = await providerByName(client, name);
      const { issueProviderRegistrationToken } = await client.data<{
        issueProviderRegistrationToken: { token: string; expiresAt: string; installCommand: string };
      }>(
        'mutation($id: ID!) { issueProviderRegistrationToken(providerId: $id) { token expiresAt installCommand } }',
        { id: provider.id },
      );
      writeRegistrationToken(provider.name, issueProviderRegistrationToken);
    });

  const allowlist = providers
    .command('allowlist')
    .description('Manage which organizations may use a provider')
    .addHelpText(
      'after',
      examples('outpost providers allowlist ls eu-1', 'outpost providers allowlist add eu-1 acme'),
    );

  allowlist
    .command('ls')
    .description('List the organizations allowed to use a provider')
    .argument('<name>', 'provider name')
    .addOption(formatOption())
    .addHelpText(
      'after',
      examples('outpost providers allowlist ls eu-1', 'outpost providers allowlist ls eu-1 -o json'),
    )
    .action(async (name: string, options: { output: string }) => {
      const format = parseFormat(options.output);
      const client = connect();
      const { workspaceProvider } = await client.data<{
        workspaceProvider: { allowedOrganizations: Organization[] | null };
      }>(
        `query($name: String!) { workspaceProvider(name: $name) { allowedOrganizations { id name slug createdAt } } }`,
        {
          name,
        },
      );
      const orgs = workspaceProvider.allowedOrganizations ?? [];
      if (format !== 'table') return printData(orgs, format);
      printTable(
        ['slug', 'name'],
        orgs.map((o) => [o.slug, o.name]),
      );
    });

  for (const [command, mutation, description, verb] of [
    ['add', 'addOrganizationToProviderAllowlist', 'Allow an organization to use a provider', 'Allowed'],
    [
      'rm',
      'removeOrganizationFromProviderAllowlist',
      'Remove an organization from the allowlist (refused while it has workspaces there)',
      'Removed',
    ],
  ] as const) {
    allowlist
      .command(command)
      .description(description)
      .argument('<name>', 'provider name')
      .argument('<org-slug>', 'organization slug')
      .addOption(formatOption())
      .addHelpText('after', examples(`outpost providers allowlist ${command} eu-1 acme`))
      .action(async (name: string, slug: string, options: { output: string }) => {
        const format = parseFormat(options.output);
        const client = connect();
        const provider = await providerByName(client, name);
        const org = await orgBySlug(client, slug);
        const data = await client.data<{ result: Provider }>(
          `mutation($p: ID!, $o: ID!) { result: ${mutation}(providerId: $p, organizationId: $o) { ${PROVIDER_FIELDS} } }`,
          { p: provider.id, o: org.id },
        );
        if (format !== 'table') return printData(normalizeProvider(data.result), format);
        process.stdout.write(
          command === 'add'
            ? `${verb} ${slug} to use ${name}.\n`
            : `${verb} ${slug} from the allowlist of ${name}.\n`,
        );
      });
  }

  providers
    .command('watch')
    .description('Print one line per provider event until interrupted (Ctrl-C)')
    .option('--provider <name>', 'only events of this provider')
    .addOption(new Option('-o, --output <format>', 'line format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      examples('outpost providers watch', 'outpost providers watch --provider eu-1 -o json'),
    )
    .action(async (options: { provider?: string; output: string }) => {
      const client = connect();
      const connection = resolveConnection()!;
      const providerId = options.provider ? (await providerByName(client, options.provider)).id : undefined;
      const ws = createClient({
        url: websocketUrl(connection.url),
        webSocketImpl: WebSocket,
        connectionParams: { token: connection.token },
        retryAttempts: 0,
        lazy: true,
      });
      await new Promise<void>((resolveDone, reject) => {
        const stop = () => {
          unsubscribe();
          void ws.dispose();
          resolveDone();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        ws.on('connected', () => process.stderr.write('Watching provider events (Ctrl-C to stop)…\n'));
        const unsubscribe = ws.subscribe<{
          workspaceProviderEvents: {
            type: string;
            providerId: string;
            provider: { name: string; status: string; isDefault: boolean; cordoned: boolean } | null;
          };
        }>(
          {
            query: `subscription($providerId: ID) { workspaceProviderEvents(providerId: $providerId) {
              type providerId provider { name status isDefault cordoned } } }`,
            variables: { providerId },
          },
          {
            next: (result) => {
              const error = result.errors?.[0] as
                { message: string; extensions?: { code?: string } } | undefined;
              if (error) {
                reject(new RefusedError(error.message, error.extensions?.code ?? 'ERROR'));
                return;
              }
              const event = result.data?.workspaceProviderEvents;
              if (!event) return;
              const at = new Date().toISOString();
              if (options.output === 'json') {
                process.stdout.write(JSON.stringify({ at, ...event }) + '\n');
                return;
              }
              const p = event.provider;
              const state = p
                ? `${p.name} ${p.status}${p.isDefault ? ' default' : ''}${p.cordoned ? ' cordoned' : ''}`
                : event.providerId;
              process.stdout.write(`${at} ${event.type} ${state}\n`);
            },
            error: (error) => {
              const message =
                error instanceof Error
                  ? error.message
                  : (error as { reason?: string }).reason || String(error);
              reject(new RefusedError(`subscription failed: ${message}`, 'SUBSCRIPTION_ERROR'));
            },
            complete: () => resolveDone(),
          },
        );
      });
    });

  const orgs = program
    .command('orgs')
    .description('Manage organizations')
    .addHelpText('after', examples('outpost orgs ls', 'outpost orgs create "Acme Corp" --slug acme'));

  orgs
    .command('ls')
    .alias('list')
    .description('List organizations (all for site staff, yours otherwise)')
    .addOption(formatOption())
    .addHelpText('after', examples('outpost orgs ls', 'outpost orgs ls -o json'))
    .action(async (options: { output: string }) => {
      const format = parseFormat(options.output);
      const { organizations } = await connect().data<{ organizations: Organization[] }>(
        '{ organizations { id name slug createdAt } }',
      );
      if (format !== 'table') return printData(organizations, format);
      printTable(
        ['slug', 'name', 'id'],
        organizations.map((o) => [o.slug, o.name, o.id]),
      );
    });

  orgs
    .command('create')
    .description('Create an organization')
    .argument('<name>', 'display name')
    .requiredOption('--slug <slug>', 'unique DNS label')
    .addOption(formatOption())
    .addHelpText('after', examples('outpost orgs create "Acme Corp" --slug acme'))
    .action(async (name: string, options: { slug: string; output: string }) => {
      const format = parseFormat(options.output);
      const { createOrganization } = await connect().data<{ createOrganization: Organization }>(
        'mutation($name: String!, $slug: String!) { createOrganization(name: $name, slug: $slug) { id name slug createdAt } }',
        { name, slug: options.slug },
      );
      if (format !== 'table') return printData(createOrganization, format);
      process.stdout.write(`Created organization ${createOrganization.slug} (${createOrganization.id}).\n`);
    });

  const workspaces = program
    .command('workspaces')
    .description('Manage workspaces')
    .addHelpText(
      'after',
      examples('outpost workspaces ls', 'outpost workspaces create --org acme --name dev'),
    );

  workspaces
    .command('create')
    .description('Create a workspace you own (in the default provider unless --provider)')
    .requiredOption('--org <slug>', 'organization slug')
    .requiredOption('--name <name>', 'workspace name')
    .option('--provider <name>', 'provider name (default: the default provider)')
    .addOption(formatOption())
    .addHelpText(
      'after',
      examples(
        'outpost workspaces create --org acme --name dev',
        'outpost workspaces create --org acme --name dev --provider eu-1',
      ),
    )
    .action(async (options: { org: string; name: string; provider?: string; output: string }) => {
      const format = parseFormat(options.output);
      const client = connect();
      const org = await orgBySlug(client, options.org);
      const providerId = options.provider ? (await providerByName(client, options.provider)).id : undefined;
      const { createWorkspace } = await client.data<{ createWorkspace: Workspace }>(
        `mutation($name: String!, $org: ID!, $provider: ID) {
          createWorkspace(name: $name, organizationId: $org, providerId: $provider) { ${WORKSPACE_FIELDS} } }`,
        { name: options.name, org: org.id, provider: providerId },
      );
      if (format !== 'table') return printData(createWorkspace, format);
      process.stdout.write(`Created workspace ${createWorkspace.name} (${createWorkspace.id}).\n`);
    });

  workspaces
    .command('ls')
    .alias('list')
    .description('List workspaces in your organizations (all for site staff)')
    .option('--org <slug>', 'only this organization')
    .addOption(formatOption())
    .addHelpText('after', examples('outpost workspaces ls', 'outpost workspaces ls --org acme -o json'))
    .action(async (options: { org?: string; output: string }) => {
      const format = parseFormat(options.output);
      const client = connect();
      const organizationId = options.org ? (await orgBySlug(client, options.org)).id : undefined;
      const { workspaces: list } = await client.data<{ workspaces: Workspace[] }>(
        `query($org: ID) { workspaces(organizationId: $org) { ${WORKSPACE_FIELDS} } }`,
        { org: organizationId },
      );
      if (format !== 'table') return printData(list, format);
      printTable(
        ['id', 'name', 'state', 'phase'],
        list.map((w) => [w.id, w.name, w.desiredState, w.observedPhase ?? '']),
      );
    });

  workspaces
    .command('rm')
    .alias('delete')
    .description("Delete a workspace (the provider's agent removes it)")
    .argument('<id>', 'workspace id')
    .addOption(formatOption())
    .addHelpText('after', examples('outpost workspaces rm 3f2c…'))
    .action(async (id: string, options: { output: string }) => {
      const format = parseFormat(options.output);
      const { deleteWorkspace } = await connect().data<{ deleteWorkspace: Workspace }>(
        `mutation($id: ID!) { deleteWorkspace(id: $id) { ${WORKSPACE_FIELDS} } }`,
        { id },
      );
      if (format !== 'table') return printData(deleteWorkspace, format);
      process.stdout.write(`Deleted workspace ${deleteWorkspace.name}.\n`);
    });

  return program;
}

/** Runs the CLI and returns its exit code: 0 success, 1 refused by the server, 2 usage error. */
export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; every other commander error is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    if (error instanceof RefusedError) {
      process.stderr.write(`error: ${error.code}: ${error.message}\n`);
      const workspaces = error.extensions.workspaces;
      if (Array.isArray(workspaces) && workspaces.length > 0) {
        process.stderr.write('remaining workspaces:\n');
        for (const ws of workspaces as Array<{ id: string; name: string }>) {
          process.stderr.write(`  ${ws.name} (${ws.id})\n`);
        }
      }
      return 1;
    }
    process.stderr.write(`error: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}

process.exitCode = await run(process.argv);
