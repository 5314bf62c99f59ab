import { Option } from 'commander';
import { OutpostClient, UsageError } from '../client.js';
import { resolveConnection } from '../config.js';

/** A client for the stored or environment connection; a usage error (exit 2) when there is none. */
export function connect(): OutpostClient {
  const connection = resolveConnection();
  if (!connection) {
    throw new UsageError('not signed in: run `outpost login URL` or set OUTPOST_URL and OUTPOST_TOKEN');
  }
  return new OutpostClient(connection.url, { token: connection.token });
}

/** `-o table|json|yaml`: json and yaml print one document on stdout and nothing else (README "Command line"). */
export function formatOption(): Option {
  return new Option('-o, --output <format>', 'output format')
    .choices(['table', 'json', 'yaml'])
    .default('table');
}

/** The `Examples:` block at the end of a command's --help. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}
