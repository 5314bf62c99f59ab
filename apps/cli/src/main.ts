#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { RefusedError, UsageError } from './client.js';
import { registerAuthCommands } from './commands/auth.js';
import { examples } from './commands/common.js';
import { registerOrgCommands } from './commands/orgs.js';
import { registerProviderCommands } from './commands/providers.js';
import { registerWorkspaceCommands } from './commands/workspaces.js';

/** The `outpost` program: each command group lives in its own module under commands/. */
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
  registerAuthCommands(program);
  registerProviderCommands(program);
  registerOrgCommands(program);
  registerWorkspaceCommands(program);
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
