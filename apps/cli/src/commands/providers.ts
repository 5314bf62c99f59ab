import { resolve } from 'node:path';
import type { ResultOf } from '@graphql-typed-document-node/core';
import type { Command } from 'commander';
import type { OutpostClient } from '../client.js';
import { writeSecretFile } from '../config.js';
import { graphql } from '../generated/index.js';
import type { RegistrationTokenFieldsFragment } from '../generated/graphql.js';
import { orgBySlug, providerByName, providerWithFields, viewerIsStaff } from '../lookups.js';
import { parseFormat, printData, printTable, type OutputFormat } from '../output.js';
import {
  printProvider,
  printProviderDetails,
  providerDocument,
  type ProviderDocument,
  type ProviderResult,
} from '../provider-document.js';
import { connect, examples, formatOption } from './common.js';
import { registerAllowlistCommands } from './provider-allowlist.js';
import { registerWatchCommand } from './provider-watch.js';

graphql(`
  fragment RegistrationTokenFields on RegistrationToken {
    token
    expiresAt
    installCommand
  }
`);

const CreateProviderMutation = graphql(`
  mutation CreateProvider($input: CreateWorkspaceProviderInput!) {
    createWorkspaceProvider(input: $input) {
      provider {
        ...ProviderPublicFields
        ...ProviderStaffFields
      }
      registrationToken {
        ...RegistrationTokenFields
      }
    }
  }
`);

const ProvidersQuery = graphql(`
  query Providers($after: String, $staff: Boolean!) {
    workspaceProviders(first: 100, after: $after) {
      edges {
        node {
          ...ProviderPublicFields
          ...ProviderStaffFields @include(if: $staff)
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const DeleteProviderMutation = graphql(`
  mutation DeleteProvider($id: ID!) {
    deleteWorkspaceProvider(id: $id) {
      ...ProviderPublicFields
      ...ProviderStaffFields
    }
  }
`);

const SetDefaultProviderMutation = graphql(`
  mutation SetDefaultProvider($id: ID!) {
    setDefaultWorkspaceProvider(id: $id) {
      ...ProviderPublicFields
      ...ProviderStaffFields
    }
  }
`);

const UncordonProviderMutation = graphql(`
  mutation UncordonProvider($id: ID!) {
    uncordonWorkspaceProvider(id: $id) {
      ...ProviderPublicFields
      ...ProviderStaffFields
    }
  }
`);

const RenameProviderMutation = graphql(`
  mutation RenameProvider($id: ID!, $name: String!) {
    renameWorkspaceProvider(id: $id, name: $name) {
      ...ProviderPublicFields
      ...ProviderStaffFields
    }
  }
`);

const CordonProviderMutation = graphql(`
  mutation CordonProvider($id: ID!, $reason: String!) {
    cordonWorkspaceProvider(id: $id, reason: $reason) {
      ...ProviderPublicFields
      ...ProviderStaffFields
    }
  }
`);

const IssueRegistrationTokenMutation = graphql(`
  mutation IssueRegistrationToken($id: ID!) {
    issueProviderRegistrationToken(providerId: $id) {
      ...RegistrationTokenFields
    }
  }
`);

/** Where a registration token went, and how to use it: part of the `-o json|yaml` document. */
interface Registration {
  /** Absolute path of the 0600 file holding the token. */
  tokenFile: string;
  tokenExpiresAt: string;
  /** The helm command that deploys the agent; it reads the token from the file (./NAME.registration-token). */
  helmCommand: string;
}

/** Writes the one-time token to ./NAME.registration-token (0600): it never reaches stdout. */
function saveRegistrationToken(name: string, token: RegistrationTokenFieldsFragment): Registration {
  const tokenFile = resolve(`${name}.registration-token`);
  writeSecretFile(tokenFile, token.token);
  return { tokenFile, tokenExpiresAt: token.expiresAt, helmCommand: token.installCommand };
}

/**
 * Machine formats get one document, the provider with its registration; people get the messages on
 * stderr and the helm command alone on stdout, ready to copy.
 */
function printRegistration(
  provider: ProviderDocument,
  registration: Registration,
  format: OutputFormat,
  withDetails: boolean,
): void {
  if (format !== 'table') return printData({ ...provider, ...registration }, format);
  if (withDetails) printProviderDetails(provider);
  process.stderr.write(
    `Registration token written to ${registration.tokenFile} (mode 0600), valid until ${registration.tokenExpiresAt}.\n`,
  );
  process.stderr.write('Deploy the agent into the cluster with:\n');
  process.stdout.write(`${registration.helmCommand}\n`);
}

interface CreateOptions {
  region: string;
  clusterAddress: string;
  namespace: string;
  displayName?: string;
  accessUrl?: string;
  org: string[];
  output: string;
}

/** Commands on one provider by name that return it: the id lookup, the mutation, a line for people. */
const PROVIDER_MUTATIONS = [
  {
    command: 'rm',
    alias: 'delete',
    description: 'Delete a provider (refused for built-in, the default, and while it holds workspaces)',
    example: 'outpost providers rm eu-1',
    run: async (client: OutpostClient, id: string) =>
      (await client.data(DeleteProviderMutation, { id })).deleteWorkspaceProvider,
    done: (p: ProviderResult) => `Deleted provider ${p.name}.`,
  },
  {
    command: 'set-default',
    description: 'Make a provider the default',
    example: 'outpost providers set-default eu-1',
    run: async (client: OutpostClient, id: string) =>
      (await client.data(SetDefaultProviderMutation, { id })).setDefaultWorkspaceProvider,
    done: (p: ProviderResult) => `${p.name} is now the default provider.`,
  },
  {
    command: 'uncordon',
    description: 'Accept new workspaces in a provider again',
    example: 'outpost providers uncordon eu-1',
    run: async (client: OutpostClient, id: string) =>
      (await client.data(UncordonProviderMutation, { id })).uncordonWorkspaceProvider,
    done: (p: ProviderResult) => `Uncordoned ${p.name}.`,
  },
] as const;

/** `providers …`: create, ls, show, rm, set-default, uncordon, rename, cordon, rotate-token, allowlist, watch. */
export function registerProviderCommands(program: Command): void {
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
    .action(async (name: string, options: CreateOptions) => {
      const format = parseFormat(options.output);
      const client = connect();
      const organizationIds = [];
      for (const slug of options.org) organizationIds.push((await orgBySlug(client, slug)).id);
      const { createWorkspaceProvider: created } = await client.data(CreateProviderMutation, {
        input: {
          name,
          region: options.region,
          clusterAddress: options.clusterAddress,
          namespace: options.namespace,
          displayName: options.displayName,
          accessUrl: options.accessUrl,
          organizationIds,
        },
      });
      const provider = providerDocument(created.provider);
      printRegistration(
        provider,
        saveRegistrationToken(provider.name, created.registrationToken),
        format,
        true,
      );
    });

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
      const staff = await viewerIsStaff(client);
      const all: ProviderDocument[] = [];
      let after: string | null = null;
      for (;;) {
        // Annotated: `after` comes from the previous page, which TypeScript cannot infer in a loop.
        const page: ResultOf<typeof ProvidersQuery>['workspaceProviders'] = (
          await client.data(ProvidersQuery, { after, staff })
        ).workspaceProviders;
        all.push(...page.edges.map((e) => providerDocument(e.node)));
        if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) break;
        after = page.pageInfo.endCursor;
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
      printProvider(await providerWithFields(connect(), name), format);
    });

  for (const mutation of PROVIDER_MUTATIONS) {
    const command = providers
      .command(mutation.command)
      .description(mutation.description)
      .argument('<name>', 'provider name')
      .addOption(formatOption())
      .addHelpText('after', examples(mutation.example))
      .action(async (name: string, options: { output: string }) => {
        const format = parseFormat(options.output);
        const client = connect();
        const { id } = await providerByName(client, name);
        const result = await mutation.run(client, id);
        if (format !== 'table') return printData(providerDocument(result), format);
        process.stdout.write(mutation.done(result) + '\n');
      });
    if ('alias' in mutation) command.alias(mutation.alias);
  }

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
      const { renameWorkspaceProvider: renamed } = await client.data(RenameProviderMutation, {
        id,
        name: newName,
      });
      if (format !== 'table') return printData(providerDocument(renamed), format);
      process.stdout.write(`Renamed ${name} to ${renamed.name}.\n`);
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
      const { cordonWorkspaceProvider: cordoned } = await client.data(CordonProviderMutation, {
        id,
        reason: options.reason,
      });
      if (format !== 'table') return printData(providerDocument(cordoned), format);
      process.stdout.write(`Cordoned ${name}: ${options.reason}\n`);
    });

  providers
    .command('rotate-token')
    .description('Issue a new registration token (any unused earlier one stops working)')
    .argument('<name>', 'provider name')
    .addOption(formatOption())
    .addHelpText(
      'after',
      examples('outpost providers rotate-token eu-1', 'outpost providers rotate-token eu-1 -o json'),
    )
    .action(async (name: string, options: { output: string }) => {
      const format = parseFormat(options.output);
      const client = connect();
      const provider = providerDocument(await providerWithFields(client, name));
      const { issueProviderRegistrationToken: token } = await client.data(IssueRegistrationTokenMutation, {
        id: provider.id,
      });
      printRegistration(provider, saveRegistrationToken(provider.name, token), format, false);
    });

  registerAllowlistCommands(providers);
  registerWatchCommand(providers);
}
