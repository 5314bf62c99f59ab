import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeOrigin } from './http/origin.js';

/** Everything the server reads from its environment, in one place (documented in README.md). */
export interface OutpostConfig {
  /** Unset: start an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  host: string;
  port: number;
  development: boolean;
  trustProxy: boolean;
  /** Serve GraphiQL to browsers at GET /graphql (on by default outside production). */
  graphiql: boolean;
  /** Schema introspection and "Did you mean …?" hints in errors (on by default outside production). */
  introspection: boolean;
  /** Largest HTTP request body or WebSocket message accepted, in bytes. */
  maxRequestBytes: number;
  /** Request budgets shared by all replicas (limits/rate-limits.ts); each counts over a window of `windowSeconds`. */
  rateLimits: {
    windowSeconds: number;
    /** `login` attempts per client address, and per email address. */
    login: number;
    /** `registerAgent` calls (registration-token exchanges) per client address. */
    registration: number;
    /** Mutations per signed-in user. */
    mutations: number;
  };
  /** The built console SPA (index.html + assets), served at / when it exists. */
  consoleDir: string;
  admin: { email: string; password: string; name: string } | undefined;
  /** URL agents and the CLI reach this server at; defaults to the address it listens on. */
  publicUrl: string | undefined;
  /**
   * Origins besides the server's own whose pages may use the session cookie (OUTPOST_ALLOWED_ORIGINS),
   * normalized as browsers send them in `Origin` (http/session-cookie.ts).
   */
  allowedOrigins: string[];
  agents: {
    /** How often agents heartbeat (told to them in every AgentAck). */
    heartbeatIntervalSeconds: number;
    /** A READY provider whose agent is silent for longer than this turns ERROR. */
    heartbeatGraceSeconds: number;
    /**
     * The lease holder's connection closed (a crash, not a silent link): a READY provider turns ERROR
     * when no agent holds its lease again this long after (agents/agent-connections.ts).
     */
    reconnectGraceSeconds: number;
    /** Registration tokens expire after this long unless used. */
    registrationTokenTtlHours: number;
    /** After a rotation, the old agent credential keeps working this long. */
    credentialOverlapMinutes: number;
  };
  builtIn: {
    /** Kubeconfig file for the built-in provider's cluster; unset: in-cluster config when inside one. */
    kubeconfig: string | undefined;
    inCluster: boolean;
    namespace: string;
  };
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}".`);
  return value;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = positiveNumber(env, name, fallback);
  if (!Number.isInteger(value)) throw new Error(`${name} must be a whole number, got "${env[name]}".`);
  return value;
}

function booleanSetting(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new Error(`${name} must be "true" or "false", got "${raw}".`);
}

/** A comma-separated list of origins (`https://host[:port]`), each normalized; refused when one is not an origin. */
function originList(env: NodeJS.ProcessEnv, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const origin = normalizeOrigin(entry);
      if (!origin) {
        throw new Error(
          `${name} must list origins separated by commas, each written as scheme://host[:port] with http or https and no path (got "${entry}").`,
        );
      }
      return origin;
    });
}

/** apps/console/dist, found from this file whether it runs from src/ (tests) or dist/ (the build). */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../console/dist', import.meta.url));

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
  const development = (env.NODE_ENV ?? 'development') !== 'production';
  const graphiql = booleanSetting(env, 'OUTPOST_GRAPHIQL', development);
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.OUTPOST_DATA_DIR || defaultDataDir(),
    host: env.OUTPOST_HOST || '127.0.0.1',
    port,
    development,
    trustProxy: env.OUTPOST_TRUST_PROXY === 'true',
    graphiql,
    // GraphiQL cannot work without introspection: an operator who turns it on in production gets both.
    introspection: booleanSetting(env, 'OUTPOST_INTROSPECTION', graphiql),
    maxRequestBytes: positiveInteger(env, 'OUTPOST_MAX_REQUEST_BYTES', 256 * 1024),
    rateLimits: {
      windowSeconds: positiveInteger(env, 'OUTPOST_RATE_LIMIT_WINDOW_SECONDS', 60),
      login: positiveInteger(env, 'OUTPOST_RATE_LIMIT_LOGIN', 10),
      registration: positiveInteger(env, 'OUTPOST_RATE_LIMIT_REGISTRATION', 20),
      mutations: positiveInteger(env, 'OUTPOST_RATE_LIMIT_MUTATIONS', 120),
    },
    consoleDir: path.resolve(env.OUTPOST_CONSOLE_DIR || DEFAULT_CONSOLE_DIR),
    admin:
      adminEmail && adminPassword
        ? { email: adminEmail, password: adminPassword, name: env.OUTPOST_ADMIN_NAME || 'Admin' }
        : undefined,
    publicUrl: env.OUTPOST_PUBLIC_URL || undefined,
    allowedOrigins: originList(env, 'OUTPOST_ALLOWED_ORIGINS'),
    agents: {
      heartbeatIntervalSeconds: positiveNumber(env, 'OUTPOST_HEARTBEAT_INTERVAL', 5),
      heartbeatGraceSeconds: positiveNumber(env, 'OUTPOST_HEARTBEAT_GRACE', 15),
      reconnectGraceSeconds: positiveNumber(env, 'OUTPOST_AGENT_RECONNECT_GRACE', 3),
      registrationTokenTtlHours: positiveNumber(env, 'OUTPOST_REGISTRATION_TOKEN_TTL_HOURS', 24),
      credentialOverlapMinutes: positiveNumber(env, 'OUTPOST_CREDENTIAL_OVERLAP_MINUTES', 10),
    },
    builtIn: {
      kubeconfig: env.KUBECONFIG || undefined,
      inCluster: !!env.KUBERNETES_SERVICE_HOST,
      namespace: env.OUTPOST_BUILTIN_NAMESPACE || 'outpost-workspaces',
    },
  };
}
