import { Option, type Command } from 'commander';
import { graphql } from '../generated/index.js';
import { providerByName } from '../lookups.js';
import { connect, examples } from './common.js';

const ProviderEventsSubscription = graphql(`
  subscription ProviderEvents($providerId: ID) {
    workspaceProviderEvents(providerId: $providerId) {
      type
      providerId
      provider {
        name
        status
        isDefault
        cordoned
      }
    }
  }
`);

/**
 * `providers watch`: one line per event until SIGINT/SIGTERM (exit 0). `-o json` is JSON Lines: each
 * line is one document on its own; the "Watching…" note goes to stderr.
 */
export function registerWatchCommand(providers: Command): void {
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
      const providerId = options.provider ? (await providerByName(client, options.provider)).id : undefined;
      const interrupted = new AbortController();
      const stop = () => interrupted.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await client.subscribe(
        ProviderEventsSubscription,
        { providerId },
        {
          connected: () => process.stderr.write('Watching provider events (Ctrl-C to stop)…\n'),
          next: ({ workspaceProviderEvents: event }) => {
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
        },
        interrupted.signal,
      );
    });
}
