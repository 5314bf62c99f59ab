import type { Command } from 'commander';
import { graphql } from '../generated/index.js';
import { orgBySlug, providerByName } from '../lookups.js';
import { parseFormat, printData, printTable } from '../output.js';
import { connect, examples, formatOption } from './common.js';

graphql(`
  fragment WorkspaceFields on Workspace {
    id
    name
    organizationId
    providerId
    desiredState
    observedPhase
    createdAt
  }
`);

const CreateWorkspaceMutation = graphql(`
  mutation CreateWorkspace($name: String!, $organizationId: ID!, $providerId: ID) {
    createWorkspace(name: $name, organizationId: $organizationId, providerId: $providerId) {
      ...WorkspaceFields
    }
  }
`);

const WorkspacesQuery = graphql(`
  query Workspaces($organizationId: ID) {
    workspaces(organizationId: $organizationId) {
      ...WorkspaceFields
    }
  }
`);

const DeleteWorkspaceMutation = graphql(`
  mutation DeleteWorkspace($id: ID!) {
    deleteWorkspace(id: $id) {
      ...WorkspaceFields
    }
  }
`);

/** `workspaces create|ls|rm`. */
export function registerWorkspaceCommands(program: Command): void {
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
      const { createWorkspace: created } = await client.data(CreateWorkspaceMutation, {
        name: options.name,
        organizationId: org.id,
        providerId,
      });
      if (format !== 'table') return printData(created, format);
      process.stdout.write(`Created workspace ${created.name} (${created.id}).\n`);
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
      const { workspaces: list } = await client.data(WorkspacesQuery, { organizationId });
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
      const { deleteWorkspace: deleted } = await connect().data(DeleteWorkspaceMutation, { id });
      if (format !== 'table') return printData(deleted, format);
      process.stdout.write(`Deleted workspace ${deleted.name}.\n`);
    });
}
