import {
  AuthorizationV1Api,
  CoreV1Api,
  ServerConfiguration,
  VersionApi,
  createConfiguration,
  type KubeConfig,
  type Middleware,
} from '@kubernetes/client-node';

/** The Kubernetes API clients the agent uses, all bound to one cluster and one request timeout. */
export interface KubernetesClients {
  core: CoreV1Api;
  authorization: AuthorizationV1Api;
  version: VersionApi;
  /** The API server's URL, for messages ("cannot reach the Kubernetes API at …"). */
  apiServerUrl: string;
}

/**
 * Builds the clients. Unlike `kc.makeApiClient`, every request carries an abort signal, so an API
 * server that accepts connections but never answers fails a check or a reconcile instead of hanging it.
 */
export function createKubernetesClients(
  kc: KubeConfig,
  options: { requestTimeoutMs?: number } = {},
): KubernetesClients {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('The kubeconfig selects no cluster (no current-context).');
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const timeout: Middleware = {
    pre: async (context) => {
      context.setSignal(AbortSignal.timeout(requestTimeoutMs));
      return context;
    },
    post: async (context) => context,
  };
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [timeout],
  });
  return {
    core: new CoreV1Api(configuration),
    authorization: new AuthorizationV1Api(configuration),
    version: new VersionApi(configuration),
    apiServerUrl: cluster.server,
  };
}
