import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { FormattedExecutionResult } from 'graphql';
import type { Client } from 'graphql-ws';
import type { Db, PrismaClient, ProviderStatus } from '@outpost/prisma';
import { createDatabase } from '@outpost/prisma';
import { createTestDatabase, GraphQLTestClient, type Credentials } from '@outpost/testing';
import { readConfig, type OutpostConfig } from '../src/config.js';
import { startOutpost, type RunningOutpost } from '../src/outpost.js';
import { changeProviderStatus } from '../src/providers/provider-status.js';

export interface TestServer {
  outpost: RunningOutpost;
  client: GraphQLTestClient;
  /** A separate Prisma client for arranging and inspecting state directly. */
  db: PrismaClient;
  /** Kysely over the same separate pool as `db`. */
  kysely: Db;
  databaseUrl: string;
}

/** Settings a test overrides on top of the defaults; `agents` and `rateLimits` are merged key by key. */
export type TestConfig = Partial<Omit<OutpostConfig, 'agents' | 'rateLimits'>> & {
  agents?: Partial<OutpostConfig['agents']>;
  rateLimits?: Partial<OutpostConfig['rateLimits']>;
};

/**
 * Tests sign in and change things far faster than people do, all from 127.0.0.1: the rate limits are out
 * of their way unless a test sets them (test/rate-limits.test.ts). The environment form is for servers
 * started as processes.
 */
export const UNLIMITED_RATES: OutpostConfig['rateLimits'] = {
  windowSeconds: 60,
  login: 1_000_000,
  registration: 1_000_000,
  mutations: 1_000_000,
};
export const UNLIMITED_RATES_ENV = {
  OUTPOST_RATE_LIMIT_LOGIN: '1000000',
  OUTPOST_RATE_LIMIT_REGISTRATION: '1000000',
  OUTPOST_RATE_LIMIT_MUTATIONS: '1000000',
};

/**
 * The status monitor (src/providers/provider-status.ts) sweeps for silent agents every 2 s in a transaction
 * of its own, on the same pool as requests: tests counting the statements a request or an event costs
 * leave those out. (Requests and event deliveries that these tests count never open a transaction.)
 */
export function isStatusMonitorSweep(sql: string): boolean {
  return (
    /^\s*(BEGIN|COMMIT|ROLLBACK)\b/.test(sql) ||
    sql.includes('AS "silentSince"') ||
    // Once a minute, the agent-lease bookkeeping forgets connections of replicas that died.
    sql.includes('DELETE FROM agent_connections WHERE last_seen_at')
  );
}

/**
 * useTestServer, plus `statementsDuring(step)`: the SQL statements the server sent while `step` ran,
 * the status monitor's sweeps left out (for tests that a request or an event costs a fixed number).
 */
export function useStatementCountingServer(options: { config?: TestConfig } = {}): TestServer & {
  statementsDuring<T>(step: () => Promise<T>): Promise<{ result: T; statements: string[] }>;
} {
  let statements: string[] | null = null;
  const server = useTestServer({
    ...options,
    onStatement: (sql) => {
      if (statements && !isStatusMonitorSweep(sql)) statements.push(sql);
    },
  });
  return Object.assign(server, {
    async statementsDuring<T>(step: () => Promise<T>) {
      const recorded: string[] = [];
      statements = recorded;
      try {
        return { result: await step(), statements: recorded };
      } finally {
        statements = null;
      }
    },
  });
}

/** Starts a real Outpost (HTTP + WebSocket) on 127.0.0.1 against a fresh database for this test file. */
export function useTestServer(
  options: { onStatement?: (sql: string) => void; config?: TestConfig } = {},
): TestServer {
  const server = {} as TestServer;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    const defaults = readConfig({});
    const { agents, rateLimits, ...overrides } = options.config ?? {};
    const outpost = await startOutpost(
      {
        ...defaults,
        ...overrides,
        agents: { ...defaults.agents, ...agents },
        rateLimits: { ...UNLIMITED_RATES, ...rateLimits },
        databaseUrl: database.url,
        port: 0,
        host: '127.0.0.1',
        development: overrides.development ?? true,
      },
      { skipMigrations: true, onStatement: options.onStatement },
    );
    const direct = createDatabase(database.url);
    Object.assign(server, {
      outpost,
      client: new GraphQLTestClient(outpost.http.graphqlUrl, outpost.http.websocketUrl),
      db: direct.prisma,
      kysely: direct.db,
      databaseUrl: database.url,
    });
  });
  afterAll(async () => {
    await server.db?.$disconnect();
    await server.outpost?.stop();
    await drop?.();
  });
  return server;
}

export const PASSWORD = 'correct-horse-battery';

/** The six kinds of user every API field is tested against (authorization.test.ts adds two agents). */
export const PERSONA_NAMES = [
  'anonymous',
  'otherOrgMember',
  'member',
  'orgAdmin',
  'siteManager',
  'siteAdmin',
] as const;
export type PersonaName = (typeof PERSONA_NAMES)[number];

/**
 * The two provider agents the authorization matrix adds (authorization.test.ts): the agent of the
 * provider a case is about, and the agent of another provider.
 */
export const AGENT_PERSONA_NAMES = ['agentOfProvider', 'agentOfOtherProvider'] as const;
export type AgentPersonaName = (typeof AGENT_PERSONA_NAMES)[number];

/** Registers an agent for the provider as its chart does: a registration token, exchanged for a credential. */
export async function registerAgentFor(
  server: Pick<TestServer, 'client'>,
  admin: Credentials,
  providerId: string,
): Promise<Credentials> {
  const { issueProviderRegistrationToken } = await server.client.data<{
    issueProviderRegistrationToken: { token: string };
  }>(
    `mutation($p: ID!) { issueProviderRegistrationToken(providerId: $p) { token } }`,
    { p: providerId },
    admin,
  );
  const { registerAgent } = await server.client.data<{ registerAgent: { credential: string } }>(
    `mutation { registerAgent { credential } }`,
    {},
    { token: issueProviderRegistrationToken.token },
  );
  return { token: registerAgent.credential };
}

export interface Persona {
  name: PersonaName;
  userId: string | null;
  email: string | null;
  credentials: Credentials;
}

export interface World {
  personas: Record<PersonaName, Persona>;
  /** The organization `member` and `orgAdmin` belong to. */
  org: { id: string; slug: string };
  /** Another organization, which `otherOrgMember` belongs to. */
  otherOrg: { id: string; slug: string };
  builtInId: string;
}

let worldCounter = 0;

/**
 * Creates an admin (through the real first-admin setup when no user exists yet), two organizations and
 * one user per persona, each signed in with an API token. Safe to call more than once per database.
 */
export async function createWorld(server: Pick<TestServer, 'client' | 'db'>): Promise<World> {
  const { client } = server;
  const n = ++worldCounter;
  const suffix = `${n}-${Math.random().toString(36).slice(2, 8)}`;
  const adminEmail = `admin-${suffix}@example.com`;
  if ((await server.db.user.count()) === 0) {
    await client.data(
      `mutation($e: String!, $p: String!) { setupFirstAdmin(email: $e, name: "Admin", password: $p) { id } }`,
      {
        e: adminEmail,
        p: PASSWORD,
      },
    );
  } else {
    const anyAdmin = await server.db.user.findFirstOrThrow({ where: { siteRole: 'ADMIN' } });
    const token = await tokenFor(client, anyAdmin.email);
    await client.data(
      `mutation($e: String!, $p: String!) { createUser(email: $e, name: "Admin", password: $p, siteRole: ADMIN) { id } }`,
      { e: adminEmail, p: PASSWORD },
      { token },
    );
  }
  const adminToken = await tokenFor(client, adminEmail);
  const admin = { token: adminToken };
  const createOrg = async (slug: string) =>
    (
      await client.data<{ createOrganization: { id: string; slug: string } }>(
        `mutation($s: String!) { createOrganization(name: $s, slug: $s) { id slug } }`,
        { s: slug },
        admin,
      )
    ).createOrganization;
  const org = await createOrg(`org-${suffix}`);
  const otherOrg = await createOrg(`other-${suffix}`);

  const makeUser = async (
    name: PersonaName,
    siteRole: 'ADMIN' | 'MANAGER' | 'MEMBER',
    orgId?: string,
    orgRole?: string,
  ) => {
    const email = `${name.toLowerCase()}-${suffix}@example.com`;
    const { createUser } = await client.data<{ createUser: { id: string } }>(
      `mutation($e: String!, $p: String!, $r: SiteRole!) { createUser(email: $e, name: "${name}", password: $p, siteRole: $r) { id } }`,
      { e: email, p: PASSWORD, r: siteRole },
      admin,
    );
    if (orgId) {
      await client.data(
        `mutation($o: ID!, $e: String!, $r: OrganizationRole!) { addOrganizationMember(organizationId: $o, email: $e, role: $r) { userId } }`,
        { o: orgId, e: email, r: orgRole },
        admin,
      );
    }
    return { name, userId: createUser.id, email, credentials: { token: await tokenFor(client, email) } };
  };

  const adminUser = await server.db.user.findUniqueOrThrow({ where: { email: adminEmail } });
  const personas: Record<PersonaName, Persona> = {
    anonymous: { name: 'anonymous', userId: null, email: null, credentials: {} },
    otherOrgMember: await makeUser('otherOrgMember', 'MEMBER', otherOrg.id, 'MEMBER'),
    member: await makeUser('member', 'MEMBER', org.id, 'MEMBER'),
    orgAdmin: await makeUser('orgAdmin', 'MEMBER', org.id, 'ADMIN'),
    siteManager: await makeUser('siteManager', 'MANAGER'),
    siteAdmin: { name: 'siteAdmin', userId: adminUser.id, email: adminEmail, credentials: admin },
  };
  const builtIn = await server.db.workspaceProvider.findUniqueOrThrow({ where: { name: 'built-in' } });
  return { personas, org, otherOrg, builtInId: builtIn.id };
}

/** Signs in with email + password and returns a fresh API token for that user. */
export async function tokenFor(client: GraphQLTestClient, email: string): Promise<string> {
  const login = await client.request(
    `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { id } } }`,
    {
      e: email,
      p: PASSWORD,
    },
  );
  const cookie = login.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new Error(`login failed for ${email}: ${JSON.stringify(login.errors)}`);
  const { createApiToken } = await client.data<{ createApiToken: { token: string } }>(
    `mutation { createApiToken(name: "tests") { token } }`,
    {},
    { cookie },
  );
  return createApiToken.token;
}

/** Stands in for the provider agent (issue 3) by making the status transition the agent would cause. */
export async function setProviderStatus(
  db: PrismaClient,
  providerId: string,
  status: ProviderStatus,
  message = '',
) {
  await db.$transaction((tx) => changeProviderStatus(tx, providerId, { status, message }));
}

/** Creates a provider through the API as the given admin, READY unless told otherwise. */
export async function createProvider(
  server: Pick<TestServer, 'client' | 'db'>,
  admin: Credentials,
  name: string,
  options: { organizationIds?: string[]; status?: ProviderStatus } = {},
): Promise<{ id: string; name: string }> {
  const {
    createWorkspaceProvider: { provider },
  } = await server.client.data<{
    createWorkspaceProvider: { provider: { id: string; name: string } };
  }>(
    `mutation($input: CreateWorkspaceProviderInput!) { createWorkspaceProvider(input: $input) { provider { id name } } }`,
    {
      input: {
        name,
        region: 'eu-west',
        clusterAddress: `https://${name}.k8s.example.com:6443`,
        namespace: 'workspaces',
        organizationIds: options.organizationIds ?? [],
      },
    },
    admin,
  );
  const status = options.status ?? 'READY';
  if (status !== 'PENDING') await setProviderStatus(server.db, provider.id, status, `test: ${status}`);
  return provider;
}

export interface ServerProcess {
  child: ChildProcess;
  client: GraphQLTestClient;
  output: () => string;
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/**
 * Runs the built server (`node apps/server/dist/main.js`, as `npm start` does) as its own process:
 * for tests that need several replicas or a restart.
 */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      KUBECONFIG: '',
      OUTPOST_HOST: '127.0.0.1',
      OUTPOST_PORT: '0',
      ...UNLIMITED_RATES_ENV,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${output}`)), 60_000);
    const check = () => {
      const match = /Outpost API:\s+(\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    child,
    client: new GraphQLTestClient(url, url.replace(/^http/, 'ws')),
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs one operation on a graphql-ws connection; resolves with its result, rejects with the socket's error. */
export function resultOf(client: Client, query: string): Promise<FormattedExecutionResult> {
  return new Promise((resolve, reject) => {
    let result: FormattedExecutionResult | undefined;
    client.subscribe(
      { query },
      {
        next: (value) => (result = value as FormattedExecutionResult),
        error: reject,
        complete: () => (result ? resolve(result) : reject(new Error('completed without a result'))),
      },
    );
  });
}

/**
 * Runs `action`, whose first read of api_tokens (authenticating a request, re-checking a subscriber's
 * token before an event) is made to hang on a lock; PostgreSQL then ends that read's connection (57P01,
 * as when the database shuts down). Resolves with what `action` resolved with.
 */
export async function withApiTokensReadFailing<T>(databaseUrl: string, action: () => Promise<T>): Promise<T> {
  const locker = new pg.Client({ connectionString: databaseUrl });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE api_tokens IN ACCESS EXCLUSIVE MODE');
    const result = action();
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error('nothing waited on the lock of api_tokens');
      // Whoever waits on this lock (matched by the lock, not by query text: a prepared statement waits
      // for it while pg_stat_activity still shows the connection's previous query).
      const { rows } = await locker.query<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND pg_backend_pid() = ANY (pg_blocking_pids(pid))`,
      );
      if (rows[0]!.n > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await locker.query('ROLLBACK');
    return await result;
  } finally {
    await locker.end();
  }
}
