import { fileURLToPath } from 'node:url';
import { createTestDatabase, GraphQLTestClient, type Credentials } from '@outpost/testing';
import { inheritedEnvironment, TestProcess } from './process.js';

/**
 * The Outpost server as its own process (`node apps/server/dist/main.js`, as `npm start` runs it),
 * against a fresh database of the test run's PostgreSQL, listening on 127.0.0.1 only.
 */

const SERVER_MAIN = fileURLToPath(new URL('../../apps/server/dist/main.js', import.meta.url));

export const ADMIN_EMAIL = 'admin@example.com';
export const PASSWORD = 'correct-horse-battery';

export interface OutpostServer {
  process: TestProcess;
  /** `http://127.0.0.1:<port>/graphql`: what agents are given as OUTPOST_SERVER_URL. */
  url: string;
  port: number;
  /** Its PostgreSQL database: another replica started with `sharing` uses the same one. */
  databaseUrl: string;
  client: GraphQLTestClient;
  /** The site admin created from OUTPOST_ADMIN_EMAIL at start. */
  admin: Credentials;
  /** Stops the process (expecting a clean exit, unless `kill` came first) and drops its database. */
  stop(): Promise<void>;
  /** SIGKILL, as when its node dies: no graceful shutdown. `stop` then only drops the database. */
  kill(): Promise<void>;
}

export interface ServerSettings {
  /** OUTPOST_HEARTBEAT_INTERVAL: agents heartbeat this often (the server's AgentAck wins). */
  heartbeatIntervalSeconds: number;
  /** OUTPOST_HEARTBEAT_GRACE: a READY provider silent for longer turns ERROR. */
  heartbeatGraceSeconds: number;
  /** OUTPOST_AGENT_RECONNECT_GRACE: the lease holder's connection closed and nobody took the lease. */
  reconnectGraceSeconds?: number;
  /**
   * A migrated database of the test's own (e.g. a PostgreSQL the test stops and starts); by default a
   * fresh database of the test run's PostgreSQL, dropped at stop.
   */
  databaseUrl?: string;
}

export interface ReplicaOptions {
  /** Another replica: share its database (which stays that replica's to drop) instead of a fresh one. */
  sharing?: OutpostServer;
  /** A fixed port, e.g. to restart a server where its clients expect it. Default: any free port. */
  port?: number;
  /** Names the process in failure output. */
  label?: string;
}

export async function startOutpostServer(
  settings: ServerSettings,
  options: ReplicaOptions = {},
): Promise<OutpostServer> {
  const sharedUrl = options.sharing?.databaseUrl ?? settings.databaseUrl;
  const database = sharedUrl ? { url: sharedUrl, drop: async () => undefined } : await createTestDatabase();
  let server: TestProcess | undefined;
  try {
    server = new TestProcess(options.label ?? 'outpost server', process.execPath, [SERVER_MAIN], {
      ...inheritedEnvironment(),
      DATABASE_URL: database.url,
      OUTPOST_HOST: '127.0.0.1',
      OUTPOST_PORT: String(options.port ?? 0),
      OUTPOST_ADMIN_EMAIL: ADMIN_EMAIL,
      OUTPOST_ADMIN_PASSWORD: PASSWORD,
      OUTPOST_HEARTBEAT_INTERVAL: String(settings.heartbeatIntervalSeconds),
      OUTPOST_HEARTBEAT_GRACE: String(settings.heartbeatGraceSeconds),
      ...(settings.reconnectGraceSeconds
        ? { OUTPOST_AGENT_RECONNECT_GRACE: String(settings.reconnectGraceSeconds) }
        : {}),
      // No cluster for the built-in provider: these tests bring their own agents.
      KUBECONFIG: '',
      // Agents and test clients all call from 127.0.0.1, faster than people: no rate limits in their way.
      OUTPOST_RATE_LIMIT_LOGIN: '1000000',
      OUTPOST_RATE_LIMIT_REGISTRATION: '1000000',
      OUTPOST_RATE_LIMIT_MUTATIONS: '1000000',
    });
    const [, url] = await server.waitForOutput(/Outpost API:\s+(\S+)/, { timeoutMs: 120_000 });
    const client = new GraphQLTestClient(url!, url!.replace(/^http/, 'ws'));
    const admin = options.sharing?.admin ?? { token: await apiTokenFor(client, ADMIN_EMAIL) };
    const running = server;
    let killed = false;
    return {
      process: running,
      url: url!,
      port: Number(new URL(url!).port),
      databaseUrl: database.url,
      client,
      admin,
      async kill() {
        killed = true;
        await running.kill();
      },
      async stop() {
        const exit = await running.stop();
        await database.drop();
        if (exit.code !== 0 && !killed)
          throw new Error(`the server exited with ${JSON.stringify(exit)}:\n${running.output()}`);
      },
    };
  } catch (error) {
    await server?.kill();
    await database.drop();
    throw error;
  }
}

/** Signs in with email + password (the session cookie) and creates an API token, as the CLI does. */
export async function apiTokenFor(client: GraphQLTestClient, email: string): Promise<string> {
  const login = await client.request(
    `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { id } } }`,
    { e: email, p: PASSWORD },
  );
  const cookie = login.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new Error(`cannot sign in as ${email}: ${JSON.stringify(login.errors)}`);
  const { createApiToken } = await client.data<{ createApiToken: { token: string } }>(
    `mutation { createApiToken(name: "e2e") { token } }`,
    {},
    { cookie },
  );
  return createApiToken.token;
}
