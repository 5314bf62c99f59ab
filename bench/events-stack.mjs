// What the event benchmarks (status propagation, heartbeat ingest) start: an embedded PostgreSQL with the
// schema, real server processes on it, and the first admin's API token. Everything started is stopped by
// support.mjs's cleanup().
import { performance } from 'node:perf_hooks';
import {
  ADMIN,
  adminToken,
  BENCH_SERVER_ENV,
  cleanups,
  load,
  SERVER_CPUS,
  startProcess,
  waitFor,
} from './support.mjs';

export { adminToken };

// The database comes from the shared stack (stack.mjs), so every benchmark starts it the same way.
export { startDatabase } from './stack.mjs';

/**
 * A real server process (apps/server/dist/main.js) on the database, pinned to SERVER_CPUS, on 127.0.0.1
 * and a free port. Returns the child process (its pid for RSS and CPU time) and its GraphQL URL.
 */
export async function startServer(databaseUrl, env = {}, { nodeArgs = [] } = {}) {
  const server = startProcess(
    'apps/server/dist/main.js',
    {
      DATABASE_URL: databaseUrl,
      KUBECONFIG: '',
      OUTPOST_HOST: '127.0.0.1',
      OUTPOST_PORT: '0',
      OUTPOST_ADMIN_EMAIL: ADMIN.email,
      OUTPOST_ADMIN_PASSWORD: ADMIN.password,
      NODE_ENV: 'production',
      ...BENCH_SERVER_ENV,
      ...env,
    },
    { cpus: SERVER_CPUS, nodeArgs },
  );
  cleanups.push(async () => {
    if (server.exitCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  });
  await waitFor(
    () => /Outpost API:\s+(\S+)/.test(server.output()) || server.exitCode !== null,
    60_000,
    'the server',
  );
  if (server.exitCode !== null) throw new Error(`the server exited:\n${server.output()}`);
  const graphqlUrl = /Outpost API:\s+(\S+)/.exec(server.output())[1];
  return { process: server, graphqlUrl, websocketUrl: graphqlUrl.replace(/^http/, 'ws') };
}

/** A GraphQL request over HTTP; throws on GraphQL errors. */
export async function gql(graphqlUrl, query, variables = {}, token) {
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** Milliseconds on a clock every process on the machine shares (for latencies measured across processes). */
export const now = () => performance.timeOrigin + performance.now();

/** p50/p99/max (and n, min, mean) of a list of milliseconds. */
export function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  const round = (v) => (v === undefined ? undefined : Math.round(v * 100) / 100);
  return {
    n: sorted.length,
    min: round(sorted[0]),
    p50: round(at(0.5)),
    p99: round(at(0.99)),
    max: round(sorted.at(-1)),
    mean: round(sorted.reduce((sum, v) => sum + v, 0) / (sorted.length || 1)),
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `count` providers with an agent credential each, inserted as registerAgent would leave them (the
 * simulated-agent benchmarks' set-up shortcut: credentials hashed with the server's own hashToken).
 * Provider names are `<prefix><n>`; returns the providers' ids and their credentials, in order.
 */
export async function insertAgentProviders(db, count, prefix) {
  const { generateToken, hashToken } = await load('apps/server/dist/auth/tokens.js');
  const { rows } = await db.query(
    `INSERT INTO workspace_providers (id, name, display_name, region, namespace, cluster_address, updated_at)
     SELECT gen_random_uuid(), $2 || i, $2 || i, 'local', 'workspaces', 'https://' || $2 || i || '.invalid:6443', now()
     FROM generate_series(1, $1::int) AS i RETURNING id`,
    [count, prefix],
  );
  const credentials = rows.map(() => generateToken('agentCredential'));
  await db.query(
    `INSERT INTO agent_credentials (id, provider_id, token_hash)
     SELECT gen_random_uuid(), p, h FROM unnest($1::uuid[], $2::text[]) AS t(p, h)`,
    [rows.map((p) => p.id), credentials.map(hashToken)],
  );
  return { providers: rows, credentials };
}
