export { ensureKubeBinaries, kubeBinariesCacheDir } from './binaries.js';
export type { EnsureKubeBinariesOptions, KubeBinaries } from './binaries.js';
export { startKubeCluster } from './cluster.js';
export type {
  KubeCluster,
  PolicyRule,
  ServiceAccountKubeconfigOptions,
  StartKubeClusterOptions,
} from './cluster.js';
export { KubeApiError, kubeRequest, kubeRequestOk } from './http.js';
export type { KubeCredentials, KubeResponse } from './http.js';
export { buildKubeconfig, writeKubeconfig } from './kubeconfig.js';
export type { KubeconfigInput } from './kubeconfig.js';
