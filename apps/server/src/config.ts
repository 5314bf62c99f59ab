import os from 'node:os';
import path from 'node:path';

/** Everything the server reads from its environment, in one place (documented in README.md). */
export interface OutpostConfig {
  /** Unset: start an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  host: string;
  port: number;
  development: boolean;
  trustProxy: boolean;
  admin: { email: string; password: string; name: string } | undefined;
}

function defaultDataDir(): string {
  const base = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'outpost');
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): OutpostConfig {
  const port = Number(env.OUTPOST_PORT ?? env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`OUTPOST_PORT must be a port number (0–65535), got "${env.OUTPOST_PORT ?? env.PORT}".`);
  }
  const adminEmail = env.OUTPOST_ADMIN_EMAIL;
  const adminPassword = env.OUTPOST_ADMIN_PASSWORD;
  if (!!adminEmail !== !!adminPassword) {
    throw new Error('Set both OUTPOST_ADMIN_EMAIL and OUTPOST_ADMIN_PASSWORD, or neither.');
  }
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.OUTPOST_DATA_DIR || defaultDataDir(),
    host: env.OUTPOST_HOST || '127.0.0.1',
    port,
    development: (env.NODE_ENV ?? 'development') !== 'production',
    trustProxy: env.OUTPOST_TRUST_PROXY === 'true',
    admin:
      adminEmail && adminPassword
        ? { email: adminEmail, password: adminPassword, name: env.OUTPOST_ADMIN_NAME || 'Admin' }
        : undefined,
  };
}
