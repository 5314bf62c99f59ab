import { MemoryCredentialStore, startAgent, type AgentLogger, type RunningAgent } from '@outpost/agent';
import type { PrismaClient } from '@outpost/prisma';
import type { OutpostConfig } from '../config.js';
import { mintBuiltInAgentCredential } from '../agents/agent-credentials.js';
import { BUILT_IN_PROVIDER_NAME } from './provider-rules.js';
import { changeProviderStatus } from './provider-status.js';

export const NO_CLUSTER_MESSAGE =
  'No Kubernetes cluster is connected to the built-in provider: start Outpost with KUBECONFIG pointing at ' +
  'a cluster (npm start does this with a local Kubernetes API), or run it inside a cluster.';

/**
 * The built-in provider's agent runs inside the server process, against KUBECONFIG or the in-cluster
 * config. It is the same agent the Helm chart deploys for remote providers and speaks the same protocol
 * to this server over its own WebSocket endpoint, so the built-in provider's status means the same thing.
 */
export async function startBuiltInAgent(options: {
  prisma: PrismaClient;
  config: OutpostConfig;
  serverUrl: string;
  log: (line: string) => void;
}): Promise<RunningAgent | null> {
  const { prisma, config } = options;
  const builtIn = await prisma.workspaceProvider.findUniqueOrThrow({
    where: { name: BUILT_IN_PROVIDER_NAME },
  });
  if (!config.builtIn.kubeconfig && !config.builtIn.inCluster) {
    // Stays PENDING; the message tells the admin how to connect a cluster (published like any change).
    await prisma.$transaction((tx) =>
      changeProviderStatus(tx, builtIn.id, {
        status: 'PENDING',
        message: NO_CLUSTER_MESSAGE,
        onlyFrom: ['PENDING'],
      }),
    );
    options.log('built-in provider: no KUBECONFIG and not in a cluster; it stays PENDING');
    return null;
  }
  const credential = await mintBuiltInAgentCredential(prisma, builtIn.id);
  const logger: AgentLogger = {
    debug: () => undefined,
    info: (message) => options.log(`built-in agent: ${message}`),
    warn: (message) => options.log(`built-in agent: ${message}`),
    error: (message) => options.log(`built-in agent: ${message}`),
  };
  return startAgent({
    serverUrl: options.serverUrl,
    namespace: config.builtIn.namespace,
    // Without kubeConfig the agent loads the in-cluster config inside a pod, else KUBECONFIG.
    credential,
    credentialStore: new MemoryCredentialStore(credential),
    heartbeatIntervalSeconds: config.agents.heartbeatIntervalSeconds,
    logger,
  });
}
