import type { Db, PrismaClient } from '@outpost/prisma';
import { createDatabase, migrateDeploy } from '@outpost/prisma';
import { startLocalPostgres, type LocalPostgres } from '@outpost/local-postgres';
import path from 'node:path';
import type { GraphQLSchema } from 'graphql';
import type { OutpostConfig } from './config.js';
import { ensureAdminFromEnvironment, ensureBuiltInProvider } from './database/bootstrap.js';
import { createNotificationPubSub, NotificationListener } from './events/notifications.js';
import { buildOutpostSchema } from './graphql/schema.js';
import { startHttpServer, type OutpostHttpServer } from './http/app.js';
import { startStatusMonitor } from './providers/provider-status.js';
import { DatabaseHealth } from './database/availability.js';
import { startBuiltInAgent } from './providers/built-in-agent.js';
import { AgentConnections } from './agents/agent-connections.js';

export interface RunningOutpost {
  http: OutpostHttpServer;
  prisma: PrismaClient;
  db: Db;
  /** The executable schema both transports serve (tests execute operations in-process on it). */
  schema: GraphQLSchema;
  databaseUrl: string;
  /** True when the first admin still has to be created (nobody has signed up). */
  setupRequired: boolean;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Tests clone an already-migrated template database and skip `prisma migrate deploy`. */
  skipMigrations?: boolean;
  log?: (line: string) => void;
  /** Called for every SQL statement the server sends (tests count them). */
  onStatement?: (sql: string) => void;
}

/** Wires the parts together explicitly: database → migrations → first-start data → events → HTTP. */
export async function startOutpost(
  config: OutpostConfig,
  options: StartOptions = {},
): Promise<RunningOutpost> {
  const log = options.log ?? (() => undefined);
  let embedded: LocalPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startLocalPostgres({ dataDir: path.join(config.dataDir, 'postgres') });
    databaseUrl = embedded.databaseUrl('outpost');
    await embedded.createDatabase('outpost');
    log(`embedded PostgreSQL ${embedded.version} with data in ${embedded.dataDir}`);
  }
  try {
    if (!options.skipMigrations) await migrateDeploy(databaseUrl);
    const database = createDatabase(databaseUrl, { onStatement: options.onStatement });
    const { prisma, db } = database;
    await ensureBuiltInProvider(prisma);
    await ensureAdminFromEnvironment(prisma, config);
    const pubSub = createNotificationPubSub();
    const notifications = new NotificationListener(databaseUrl, pubSub, {
      log: (line) => log(`events: ${line}`),
    });
    await notifications.start();
    const schema = await buildOutpostSchema(pubSub);
    const databaseHealth = new DatabaseHealth();
    const agentConnections = new AgentConnections(prisma, db, config.agents, pubSub, databaseHealth, log);
    const http = await startHttpServer({
      prisma,
      db,
      pool: database.pool,
      schema,
      notifications,
      config,
      databaseHealth,
      agentConnections,
    });
    const builtInAgent = await startBuiltInAgent({ prisma, config, serverUrl: http.url, log });
    const statusMonitor = startStatusMonitor(
      prisma,
      config.agents.heartbeatGraceSeconds,
      (error) => log(`status monitor: ${String(error)}`),
      databaseHealth,
    );
    return {
      http,
      prisma,
      db,
      schema,
      databaseUrl,
      setupRequired: (await prisma.user.count()) === 0,
      async stop() {
        statusMonitor.stop();
        // First: the sockets closing below (the built-in agent's too) are this replica going away, not
        // their agents failing — nothing is marked ERROR and no lease is given up for them.
        await boundedStep('agent lease handover', () => agentConnections.beginShutdown());
        // Each step is bounded: one that hangs is reported by name and the rest still run, so a stop
        // always finishes and releases the database.
        await boundedStep('built-in agent', () => builtInAgent?.stop());
        await boundedStep('HTTP and WebSocket connections', () => http.close());
        await boundedStep('LISTEN connection', () => notifications.stop());
        await boundedStep('database pool', () => database.close());
        await boundedStep('embedded PostgreSQL', () => embedded?.stop());
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

const STOP_STEP_TIMEOUT_MS = 12_000;

async function boundedStep(name: string, step: () => Promise<unknown> | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), STOP_STEP_TIMEOUT_MS);
  });
  try {
    const outcome = await Promise.race([Promise.resolve(step()).then(() => 'done' as const), timedOut]);
    if (outcome === 'timeout')
      console.error(
        `stopping Outpost: ${name} did not stop within ${STOP_STEP_TIMEOUT_MS / 1000} s; going on`,
      );
  } catch (error) {
    console.error(`stopping Outpost: ${name} failed to stop:`, error);
  } finally {
    clearTimeout(timer);
  }
}
