import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client/client.js';
import { FAST_TYPES } from './timestamps.js';

export * from './generated/client/client.js';

export interface PrismaClientOptions {
  /** Called for every SQL statement sent (tests count them to catch N+1 queries). */
  onStatement?: (sql: string) => void;
  /** Pool size per server process. */
  maxConnections?: number;
}

/** The pg pool under each client made by createPrismaClient (see `sqlRowReader`). */
const pools = new WeakMap<PrismaClient, pg.Pool>();

export { parseTimestamptz } from './timestamps.js';

/** Runs one parameterized statement (`$1`, `$2`, …) and returns its rows. */
export type ReadRows = <T>(text: string, values: readonly unknown[]) => Promise<T[]>;

/**
 * Reads through the connection pool under a client made by createPrismaClient, for hot read paths that
 * send hand-written SQL: `$queryRaw` runs even raw SQL through Prisma's query compiler (WebAssembly) and
 * result mapper on every call, several times the CPU of the query itself through `pg`. Statements sent
 * here go through the same connections and the same `onStatement` counter. Rows are as `pg` parses them
 * (timestamptz as Date, by parseTimestamptz). Undefined for other clients (transactions).
 */
/**
 * The connection pool under a client made by createPrismaClient, for libraries that take a `pg` pool
 * (rate-limiter-flexible's PostgreSQL store); undefined for other clients.
 */
export function sqlPool(client: PrismaClient): pg.Pool | undefined {
  return pools.get(client);
}

export function sqlRowReader(client: PrismaClient): ReadRows | undefined {
  const pool = pools.get(client);
  if (!pool) return undefined;
  return async <T>(text: string, values: readonly unknown[]) =>
    (await pool.query({ text, values: values as unknown[], types: FAST_TYPES })).rows as T[];
}

/**
 * How long a statement may wait for a free pooled connection. A burst — a thousand agents reconnecting
 * at once after their server replica went away — queues here for its turn; with pg-pool's single
 * `connectionTimeoutMillis` it failed after 3 s as "timeout exceeded when trying to connect", which the
 * server rightly reads as "the database is unreachable" (database/availability.ts): the agents were told
 * SERVICE_UNAVAILABLE and backed off although PostgreSQL was fine, only busy.
 */
const POOL_CHECKOUT_WAIT_MS = 30_000;
/** How long opening a new connection may take: a database that is gone still fails within this. */
const CONNECT_TIMEOUT_MS = 3_000;

export function createPrismaClient(databaseUrl: string, options: PrismaClientOptions = {}): PrismaClient {
  const onStatement = options.onStatement;
  // pg-pool gives its own options to every client it makes; the client's connect timeout (shorter than
  // the pool's checkout wait) is what bounds reaching PostgreSQL.
  class OutpostClient extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    }
  }
  class CountingClient extends OutpostClient {
    override query(...args: unknown[]): never {
      const [first] = args;
      onStatement?.(typeof first === 'string' ? first : ((first as { text?: string })?.text ?? ''));
      return (super.query as (...a: unknown[]) => never).apply(this, args);
    }
  }
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 20,
    connectionTimeoutMillis: POOL_CHECKOUT_WAIT_MS,
    Client: (onStatement ? CountingClient : OutpostClient) as unknown as typeof pg.Client,
  });
  // An idle pooled connection that PostgreSQL closes (restart, DROP DATABASE) must not crash the process:
  // the pool drops it and opens a new one on next use.
  pool.on('error', () => undefined);
  // Prisma's defaults (2 s to get a connection, 5 s per interactive transaction) turn a busy moment —
  // 16 requests queued on one row lock on a loaded machine — into failed requests. Waiting longer is
  // what a caller wants; a database that is really gone still fails fast (CONNECT_TIMEOUT_MS).
  const client = new PrismaClient({
    adapter: new PrismaPg(pool),
    transactionOptions: { maxWait: POOL_CHECKOUT_WAIT_MS, timeout: 15_000 },
  });
  pools.set(client, pool);
  // The adapter does not own a pool it was handed, so disconnecting closes it here.
  const disconnect = client.$disconnect.bind(client);
  client.$disconnect = async () => {
    await disconnect();
    if (!pool.ended) await pool.end();
  };
  return client;
}

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs the Prisma CLI of this package (migrations and their checks) against `databaseUrl`. */
export function runPrismaCli(
  args: string[],
  databaseUrl: string,
): Promise<{ code: number; stdout: string; output: string }> {
  const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args, '--config', 'prisma.config.ts'], {
      cwd: packageDir,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        CHECKPOINT_DISABLE: '1',
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, output }));
  });
}

/** Applies the committed migrations (`prisma migrate deploy`); throws with Prisma's output when it fails. */
export async function migrateDeploy(databaseUrl: string): Promise<void> {
  const { code, output } = await runPrismaCli(['migrate', 'deploy'], databaseUrl);
  if (code !== 0) throw new Error(`prisma migrate deploy failed (exit ${code}):\n${output}`);
}
