import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AuthorizationV1Api, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeCluster, type KubeCluster } from './index.js';

const run = promisify(execFile);

function client(kubeconfig: string) {
  const config = new KubeConfig();
  config.loadFromString(kubeconfig);
  return { core: config.makeApiClient(CoreV1Api), authz: config.makeApiClient(AuthorizationV1Api) };
}

const pod = (name: string): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'main', image: 'busybox' }] },
});

/** The HTTP status of a rejected client-node call (ApiException.code), or its network error code. */
async function failure(promise: Promise<unknown>): Promise<number | string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: number | string }).code ?? String(error);
  }
  throw new Error('expected the request to fail');
}

describe('kube-testenv', () => {
  let alpha: KubeCluster;
  let beta: KubeCluster;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kube-testenv-test-'));

  beforeAll(async () => {
    // Two at once: tests of multi-cluster behaviour (built-in + remote provider) need that.
    const started = await Promise.allSettled([
      startKubeCluster({ name: 'alpha' }),
      startKubeCluster({ name: 'beta' }),
    ]);
    const clusters = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    // If one failed, stop the other before failing: nothing may outlive the test.
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) {
      await Promise.all(clusters.map((cluster) => cluster.stop()));
      throw failed.reason;
    }
    [alpha, beta] = clusters as [KubeCluster, KubeCluster];
  }, 120_000);

  afterAll(async () => {
    await Promise.all([alpha?.stop(), beta?.stop()]);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('runs two independent clusters on 127.0.0.1 over TLS, reporting the pinned version', async () => {
    expect(alpha.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(beta.server).not.toBe(alpha.server);
    await alpha.createNamespace('only-in-alpha');
    const admin = { alpha: client(alpha.adminKubeconfig), beta: client(beta.adminKubeconfig) };
    expect((await admin.alpha.core.readNamespace({ name: 'only-in-alpha' })).metadata?.name).toBe(
      'only-in-alpha',
    );
    expect(await failure(admin.beta.core.readNamespace({ name: 'only-in-alpha' }))).toBe(404);
    const version = await alpha.requestOk<{ gitVersion: string }>('GET', '/version');
    expect(version.gitVersion).toBe(alpha.binaries.version.kubernetes);
    // A kubeconfig for another cluster's CA is refused: each cluster has its own.
    const crossed = alpha.adminKubeconfig.replace(alpha.server, beta.server);
    expect(await failure(client(crossed).core.listNamespace())).not.toBe(200);
    const file = await alpha.writeKubeconfig(path.join(tmp, 'alpha-admin.yaml'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('hands out ServiceAccount kubeconfigs limited to their Role', async () => {
    await alpha.createNamespace('other');
    const admin = client(alpha.adminKubeconfig);
    const kubeconfig = await alpha.serviceAccountKubeconfig({
      namespace: 'team',
      serviceAccount: 'agent',
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
    });
    expect(kubeconfig).toContain('token:');
    expect(kubeconfig).not.toContain('client-key-data');
    // Pods are accepted without the controller-made `default` ServiceAccount.
    await admin.core.createNamespacedPod({ namespace: 'team', body: pod('by-admin') });

    const sa = client(kubeconfig);
    const pods = await sa.core.listNamespacedPod({ namespace: 'team' });
    expect(pods.items.map((p) => p.metadata?.name)).toEqual(['by-admin']);
    expect(await failure(sa.core.createNamespacedPod({ namespace: 'team', body: pod('by-agent') }))).toBe(
      403,
    );
    expect(await failure(sa.core.listNamespacedPod({ namespace: 'other' }))).toBe(403);
    expect(await failure(sa.core.listNamespace())).toBe(403);

    const can = async (verb: string, namespace: string) =>
      (
        await sa.authz.createSelfSubjectAccessReview({
          body: { spec: { resourceAttributes: { verb, resource: 'pods', namespace } } },
        })
      ).status?.allowed;
    expect(await can('list', 'team')).toBe(true);
    expect(await can('create', 'team')).toBe(false);
    expect(await can('list', 'other')).toBe(false);

    // Widening the Role applies to the token already handed out.
    await alpha.updateRole('team', 'agent', [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create'] },
    ]);
    await sa.core.createNamespacedPod({ namespace: 'team', body: pod('by-agent') });
    expect(await can('create', 'team')).toBe(true);

    // The same ServiceAccount name in the other cluster is a different identity.
    expect(
      await failure(client(kubeconfig.replace(alpha.server, beta.server)).core.listNamespace()),
    ).not.toBe(200);
  });

  it('makes the API unreachable and brings it back on the same port with the same data', async () => {
    await alpha.createNamespace('survives');
    const admin = client(alpha.adminKubeconfig);
    await alpha.stopApiServer();
    expect(await failure(admin.core.readNamespace({ name: 'survives' }))).toBe('ECONNREFUSED');
    // The other cluster is unaffected.
    await client(beta.adminKubeconfig).core.listNamespace();
    await alpha.startApiServer();
    expect((await admin.core.readNamespace({ name: 'survives' })).metadata?.name).toBe('survives');
  });

  it('provides helm, which can talk to a cluster', async () => {
    const { helm, version } = alpha.binaries;
    const { stdout } = await run(helm, ['version', '--short']);
    expect(stdout).toContain(version.helm);
    const kubeconfig = await alpha.writeKubeconfig(path.join(tmp, 'helm-admin.yaml'));
    const list = await run(
      helm,
      ['list', '--all-namespaces', '--output', 'json', '--kubeconfig', kubeconfig],
      {
        env: { ...process.env, HELM_CACHE_HOME: tmp, HELM_CONFIG_HOME: tmp, HELM_DATA_HOME: tmp },
      },
    );
    expect(JSON.parse(list.stdout)).toEqual([]);
  });
});
