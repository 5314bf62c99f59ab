/**
 * Configuration for the Prisma CLI only (generate, migrate deploy, migrate diff). The application builds
 * its own client in src/index.ts. Prisma 6.19's schema engine runs as WebAssembly through a driver
 * adapter here, because the native engine cannot be downloaded on our machines; that path needs the
 * workarounds below, each for a known upstream bug.
 */
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

// adapter-pg 6.x rejects the catalog types "char" (oid 18), name (19) and name[] (1003) that the schema
// engine's introspection returns (prisma/orm#27403): report them as text and text[].
const CATALOG_OID_AS_TEXT: Record<number, number> = { 18: 25, 19: 25, 1003: 1009 };
type QueryResultLike = { fields?: Array<{ dataTypeID: number }> };
function remapCatalogTypes<T>(result: T): T {
  for (const part of (Array.isArray(result) ? result : [result]) as QueryResultLike[]) {
    for (const field of part?.fields ?? [])
      field.dataTypeID = CATALOG_OID_AS_TEXT[field.dataTypeID] ?? field.dataTypeID;
  }
  return result;
}

// PostgreSQL 18 lists NOT NULL columns in pg_constraint (contype 'n'); the 6.19 schema engine panics on
// them (prisma/orm#29635). This is the upstream fix (prisma-engines#5819) applied to the query text.
const fixPg18ConstraintQuery = (sql: string) =>
  sql.replace("contype NOT IN ('p', 'u', 'f')", "contype IN ('c', 'x')");

class SchemaEngineSafeClient extends pg.Client {
  // pg.Pool calls query(text, values, callback); pooled clients in transactions use the returned promise.
  override query(...args: unknown[]): never {
    const [first] = args;
    if (typeof first === 'string') args[0] = fixPg18ConstraintQuery(first);
    else if (first && typeof (first as { text?: unknown }).text === 'string') {
      args[0] = { ...(first as object), text: fixPg18ConstraintQuery((first as { text: string }).text) };
    }
    const callbackIndex = args.findIndex((arg) => typeof arg === 'function');
    const query = super.query as (...a: unknown[]) => unknown;
    if (callbackIndex >= 0) {
      const callback = args[callbackIndex] as (err: unknown, res: unknown) => void;
      args[callbackIndex] = (err: unknown, res: unknown) => callback(err, err ? res : remapCatalogTypes(res));
      return query.apply(this, args) as never;
    }
    const result = query.apply(this, args) as { then?: unknown } | undefined;
    return (
      typeof result?.then === 'function' ? (result as Promise<unknown>).then(remapCatalogTypes) : result
    ) as never;
  }
}

// Discrete host/port/user/database, not a connection string: adapter-pg builds the shadow database's
// pool as { ...config, database }, and a connection string would override that database.
function poolConfig(url: string): pg.PoolConfig {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.slice(1)) || 'postgres',
    Client: SchemaEngineSafeClient as unknown as typeof pg.Client,
    allowExitOnIdle: true, // pg.Pool's idle timer would otherwise hold the CLI open for 10 s
  };
}

// adapter-pg 6.x drops the shadow database while its own pool is still connected to it, and never
// closes the main pool: close the shadow pool first, then drop the database with FORCE.
class MigrationAdapter extends PrismaPg {
  constructor(private readonly config: pg.PoolConfig) {
    super(config);
  }

  override async connectToShadowDb() {
    const main = await this.connect();
    const database = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID()}`;
    await main.executeScript(`CREATE DATABASE "${database}"`);
    const shadow = await new PrismaPg({ ...this.config, database }).connect();
    const disposeShadow = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await disposeShadow();
      await main.executeScript(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await main.dispose();
    };
    return shadow;
  }
}

// The schema engine arms a 10 s timer it never clears, so `migrate deploy` would linger 10 s after
// finishing. Long timers in this CLI process must not keep it alive; pending database I/O still does.
const realSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = ((callback: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) => {
  const timer = realSetTimeout(callback, ms, ...rest);
  if ((ms ?? 0) >= 5000) timer.unref();
  return timer;
}) as typeof setTimeout;

export default defineConfig({
  schema: 'schema.prisma',
  migrations: { path: 'migrations' },
  engine: 'js',
  experimental: { adapter: true },
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (!url)
      throw new Error('DATABASE_URL is not set: the Prisma CLI needs a PostgreSQL server to work against.');
    return new MigrationAdapter(poolConfig(url));
  },
});
