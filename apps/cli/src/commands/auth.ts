import type { Command } from 'commander';
import { OutpostClient, RefusedError, UsageError } from '../client.js';
import { configPath, deleteStoredConfig, readStoredConfig, writeStoredConfig } from '../config.js';
import { graphql } from '../generated/index.js';
import { parseFormat, printData } from '../output.js';
import { prompt, readStdin } from '../prompt.js';
import { connect, examples, formatOption } from './common.js';

const WhoamiQuery = graphql(`
  query Whoami {
    me {
      id
      email
      name
      siteRole
    }
  }
`);

const LoginMutation = graphql(`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      user {
        email
      }
    }
  }
`);

const CreateApiTokenMutation = graphql(`
  mutation CreateApiToken($name: String!) {
    createApiToken(name: $name) {
      token
      apiToken {
        id
      }
    }
  }
`);

const LogoutMutation = graphql(`
  mutation Logout {
    logout
  }
`);

const RevokeApiTokenMutation = graphql(`
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id) {
      id
    }
  }
`);

interface LoginOptions {
  email?: string;
  passwordStdin?: boolean;
  token?: string;
  tokenName: string;
}

/** Stores a token for `url`: the one given, or a new one created in a session signed in for that alone. */
async function login(url: string, options: LoginOptions) {
  if (options.token) {
    const { me } = await new OutpostClient(url, { token: options.token }).data(WhoamiQuery);
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
  const signedIn = await new OutpostClient(url).request(LoginMutation, { email, password });
  const cookie = signedIn.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new RefusedError('the server set no session cookie', 'UNAUTHENTICATED');
  const session = new OutpostClient(url, { cookie });
  const { createApiToken } = await session.data(CreateApiTokenMutation, { name: options.tokenName });
  // The session was only needed to create the token.
  await session.request(LogoutMutation).catch(() => undefined);
  const path = writeStoredConfig({ url, token: createApiToken.token, tokenId: createApiToken.apiToken.id });
  process.stderr.write(`Signed in to ${url} as ${signedIn.data.login.user.email} (config: ${path}).\n`);
}

async function logout() {
  const stored = readStoredConfig();
  if (!stored) {
    process.stderr.write('Not signed in.\n');
    return;
  }
  if (stored.tokenId) {
    try {
      await new OutpostClient(stored.url, { token: stored.token }).data(RevokeApiTokenMutation, {
        id: stored.tokenId,
      });
    } catch (error) {
      process.stderr.write(`warning: could not revoke the token: ${(error as Error).message}\n`);
    }
  }
  deleteStoredConfig();
  process.stderr.write(`Signed out of ${stored.url} (deleted ${configPath()}).\n`);
}

/** `login`, `logout` and `whoami`. */
export function registerAuthCommands(program: Command): void {
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
    .action(logout);

  program
    .command('whoami')
    .description('Show the signed-in user')
    .addOption(formatOption())
    .addHelpText('after', examples('outpost whoami', 'outpost whoami -o json'))
    .action(async (options: { output: string }) => {
      const client = connect();
      const { me } = await client.data(WhoamiQuery);
      if (!me) throw new RefusedError('the token was not accepted', 'UNAUTHENTICATED');
      const format = parseFormat(options.output);
      const { id, email, name, siteRole } = me;
      if (format !== 'table') return printData({ url: client.url, id, email, name, siteRole }, format);
      process.stdout.write(`${email} (${name}, ${siteRole}) on ${client.url}\n`);
    });
}
