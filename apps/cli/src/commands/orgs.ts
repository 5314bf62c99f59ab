import type { Command } from 'commander';
import { graphql } from '../generated/index.js';
import { parseFormat, printData, printTable } from '../output.js';
import { connect, examples, formatOption } from './common.js';

const OrganizationsQuery = graphql(`
  query Organizations {
    organizations {
      id
      name
      slug
      createdAt
    }
  }
`);

const CreateOrganizationMutation = graphql(`
  mutation CreateOrganization($name: String!, $slug: String!) {
    createOrganization(name: $name, slug: $slug) {
      id
      name
      slug
      createdAt
    }
  }
`);

/** `orgs ls|create`. */
export function registerOrgCommands(program: Command): void {
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
      const { organizations } = await connect().data(OrganizationsQuery);
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
      const { createOrganization: created } = await connect().data(CreateOrganizationMutation, {
        name,
        slug: options.slug,
      });
      if (format !== 'table') return printData(created, format);
      process.stdout.write(`Created organization ${created.slug} (${created.id}).\n`);
    });
}
