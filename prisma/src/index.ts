import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import { PrismaClient } from './generated/client/client.js';
import { FAST_TYPES } from './timestamps.js';
import type { DB } from './generated-kysely/types.js';

export * from './generated/client/client.js';

export interface DatabaseOptions {
  /**
   * Called for every SQL statement sent, whoever sends it (Kysely or Prisma): tests count them to catch
   * N+1 queries. The one hook sits on the pool's connections, which both share.
   */
  onStatement?: (sql: string) => void;
  /** Pool size per server process. */
  maxConnections?: number;
}

export { parseTimestamptz } from './timestamps.js';
export type { DB } from './generated-kysely/types.js';
/** The tables' row types as Kysely sees them (snake_case columns, generated from schema.prisma). */
export type * as Tables from './generated-kysely/types.js';

/** Application queries: Kysely over the pool, typed from schema.prisma (docs/decisions/0125). */
export type Db = Kysely<DB>;
/** Kysely bound to one transaction's connection (Db#transaction), or the pool's Kysely. */
export type DbOrTransaction = Db | Transaction<DB>;
/** The pg pool under both (for libraries that take one: rate-limiter-flexible's PostgreSQL store). */
export type SqlPool = pg.Pool;

/**
 * One connection pool and the two ways onto it: Kysely for the application's queries and Prisma for
 * the writes not yet moved (and for migrations, in the CLI). Both send through the same pg connections,
 * so `onStatement` counts every statement once.
 */
export interface Database {
  db: Db;
  prisma: PrismaClient;
  /** For libraries that take a pg pool (rate-limiter-flexible's PostgreSQL store). */
  pool: pg.Pool;
  /** Closes Prisma and the pool. */
  close(): Promise<void>;
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

export function createDatabase(databaseUrl: string, options: DatabaseOptions = {}): Database {
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
    // pg's own parsers except timestamptz (timestamps.ts): Kysely's rows come through these. Prisma's
    // adapter passes its own parsers with every query, so its rows are unchanged.
    types: FAST_TYPES,
    Client: (onStatement ? CountingClient : OutpostClient) as unknown as typeof pg.Client,
  });
  // An idle pooled connection that PostgreSQL closes (restart, DROP DATABASE) must not crash the process:
  // the pool drops it and opens a new one on next use.
  pool.on('error', () => undefined);
  // Prisma's defaults (2 s to get a connection, 5 s per interactive transaction) turn a busy moment —
  // 16 requests queued on one row lock on a loaded machine — into failed requests. Waiting longer is
  // what a caller wants; a database that is really gone still fails fast (CONNECT_TIMEOUT_MS).
  const prisma = new PrismaClient({
    adapter: new PrismaPg(pool),
    transactionOptions: { maxWait: POOL_CHECKOUT_WAIT_MS, timeout: 15_000 },
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  // The adapter does not own a pool it was handed, so disconnecting closes it here.
  const disconnect = prisma.$disconnect.bind(prisma);
  const close = async () => {
    await disconnect();
    if (!pool.ended) await pool.end();
  };
  prisma.$disconnect = close;
  return { db, prisma, pool, close };
}

/** A Prisma client on a pool of its own (tests arranging state, the CLI); `$disconnect` closes the pool. */
export function createPrismaClient(databaseUrl: string, options: DatabaseOptions = {}): PrismaClient {
  return createDatabase(databaseUrl, options).prisma;
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
export { generateKyselyTypes, KYSELY_TYPES_FILE } from './kysely-types.js';
