import type { Command } from 'commander';
import type { OutpostClient } from '../client.js';
import { graphql } from '../generated/index.js';
import { orgBySlug, providerByName } from '../lookups.js';
import { parseFormat, printData, printTable } from '../output.js';
import { providerDocument, type ProviderResult } from '../provider-document.js';
import { connect, examples, formatOption } from './common.js';

const AllowlistQuery = graphql(`
  query ProviderAllowlist($name: String!) {
    workspaceProvider(name: $name) {
      allowedOrganizations {
        id
        name
        slug
        createdAt
      }
    }
  }
`);

const AllowlistAddMutation = graphql(`
  mutation AllowlistAdd($providerId: ID!, $organizationId: ID!) {
    addOrganizationToProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {
      ...ProviderPublicFields
      ...ProviderStaffFields
    }
  }
`);

const AllowlistRemoveMutation = graphql(`
  mutation AllowlistRemove($providerId: ID!, $organizationId: ID!) {
    removeOrganizationFromProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {
      ...ProviderPublicFields
      ...ProviderStaffFields
    }
  }
`);

type Ids = { providerId: string; organizationId: string };

const CHANGES = [
  {
    command: 'add',
    description: 'Allow an organization to use a provider',
    run: async (client: OutpostClient, ids: Ids): Promise<ProviderResult> =>
      (await client.data(AllowlistAddMutation, ids)).addOrganizationToProviderAllowlist,
    done: (slug: string, name: string) => `Allowed ${slug} to use ${name}.`,
  },
  {
    command: 'rm',
    description: 'Remove an organization from the allowlist (refused while it has workspaces there)',
    run: async (client: OutpostClient, ids: Ids): Promise<ProviderResult> =>
      (await client.data(AllowlistRemoveMutation, ids)).removeOrganizationFromProviderAllowlist,
    done: (slug: string, name: string) => `Removed ${slug} from the allowlist of ${name}.`,
  },
] as const;

/** `providers allowlist ls|add|rm`: which organizations may use a provider. */
export function registerAllowlistCommands(providers: Command): void {
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
      const { workspaceProvider } = await connect().data(AllowlistQuery, { name });
      const orgs = workspaceProvider.allowedOrganizations ?? [];
      if (format !== 'table') return printData(orgs, format);
      printTable(
        ['slug', 'name'],
        orgs.map((o) => [o.slug, o.name]),
      );
    });

  for (const change of CHANGES) {
    allowlist
      .command(change.command)
      .description(change.description)
      .argument('<name>', 'provider name')
      .argument('<org-slug>', 'organization slug')
      .addOption(formatOption())
      .addHelpText('after', examples(`outpost providers allowlist ${change.command} eu-1 acme`))
      .action(async (name: string, slug: string, options: { output: string }) => {
        const format = parseFormat(options.output);
        const client = connect();
        const provider = await providerByName(client, name);
        const org = await orgBySlug(client, slug);
        const result = await change.run(client, { providerId: provider.id, organizationId: org.id });
        if (format !== 'table') return printData(providerDocument(result), format);
        process.stdout.write(`${change.done(slug, name)}\n`);
      });
  }
}
