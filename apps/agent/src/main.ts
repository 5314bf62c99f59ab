#!/usr/bin/env node
import { startAgent } from './agent.js';
import { AgentConfigError, agentOptionsFromEnvironment, loadKubeConfig } from './config.js';
import { consoleLogger, errorMessage } from './logger.js';

/**
 * The agent as a process (the outpost-provider chart's container): configured from the environment
 * (config.ts), stopped cleanly by SIGTERM or SIGINT with exit code 0.
 */

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  let environment: ReturnType<typeof agentOptionsFromEnvironment>;
  let kubeConfig: ReturnType<typeof loadKubeConfig>;
  try {
    environment = agentOptionsFromEnvironment(process.env);
    kubeConfig = loadKubeConfig(process.env);
  } catch (error) {
    console.error(
      error instanceof AgentConfigError ? error.message : `Agent configuration: ${errorMessage(error)}`,
    );
    process.exit(1);
  }
  const logger = consoleLogger(environment.logLevel);
  const agent = await startAgent({ ...environment.options, kubeConfig, logger });

  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info(`received ${signal}`);
    const force = setTimeout(() => {
      logger.warn(`did not stop within ${SHUTDOWN_GRACE_MS / 1000} s; exiting anyway`);
      process.exit(0);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    agent.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`error while stopping: ${errorMessage(error)}`);
        process.exit(0);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error(
    `The agent failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
