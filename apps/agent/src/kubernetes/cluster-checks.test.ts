import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubernetesClients } from './clients.js';
import { CHECK_NAMES, runClusterChecks, type CheckResult } from './cluster-checks.js';
import { readNodeSummary, UNKNOWN_NODE_SUMMARY } from './node-summary.js';
import { requiredNamespaceAccess } from './permissions.js';
import { adminCore, agentClients, roleRules, startKubeCluster, type KubeCluster } from './test-cluster.js';

const byName = (checks: CheckResult[]) => Object.fromEntries(checks.map((check) => [check.name, check]));

describe('cluster checks against a real kube-apiserver', () => {
  let cluster: KubeCluster;

  beforeAll(async () => {
    cluster = await startKubeCluster({ name: 'agent-checks' });
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('passes every check for a ServiceAccount with the outpost-provider Role', async () => {
    const clients = await agentClients(cluster, 'ws-full');
    const report = await runClusterChecks(clients, 'ws-full');
    const checks = byName(report.checks);
    expect(report.checks.map((check) => check.name)).toEqual([
      CHECK_NAMES.kubernetesApi,
      CHECK_NAMES.namespace,
      CHECK_NAMES.rbac,
    ]);
    expect(
      report.checks.every((check) => check.passed),
      JSON.stringify(report.checks),
    ).toBe(true);
    expect(report.kubernetesVersion).toBe(cluster.binaries.version.kubernetes);
    expect(checks['kubernetes-api']!.message).toContain(cluster.server);
    // The Role grants nothing on Namespace objects: existence is confirmed by a dry-run create instead.
    expect(checks.namespace!.message).toBe('namespace ws-full exists.');
    // Nothing was actually created by that dry run.
    const secrets = await adminCore(cluster).listNamespacedSecret({ namespace: 'ws-full' });
    expect(secrets.items.map((secret) => secret.metadata?.name)).not.toContain('outpost-namespace-probe');
  });

  it('fails the rbac check naming what the Role lacks when it does not allow creating pods', async () => {
    const clients = await agentClients(
      cluster,
      'ws-narrow',
      roleRules({ without: { verb: 'create', resource: 'pods' } }),
    );
    const checks = byName((await runClusterChecks(clients, 'ws-narrow')).checks);
    expect(checks['kubernetes-api']!.passed).toBe(true);
    expect(checks.namespace!.passed).toBe(true);
    expect(checks.rbac).toEqual({
      name: 'rbac',
      passed: false,
      message: expect.stringContaining(
        'cannot create pods in namespace ws-narrow: grant the outpost-provider Role',
      ),
    });
    // Only the missing permission is named.
    expect(checks.rbac!.message).not.toMatch(/services|persistentvolumeclaims|secrets/);
  });

  it('asks one SelfSubjectAccessReview per verb × resource of AGENT_PERMISSIONS, secrets included', async () => {
    const clients = await agentClients(
      cluster,
      'ws-secrets',
      roleRules({ without: { verb: 'update', resource: 'secrets' } }),
    );
    const rbac = byName((await runClusterChecks(clients, 'ws-secrets')).checks).rbac!;
    expect(rbac.passed).toBe(false);
    expect(rbac.message).toContain('cannot update secrets in namespace ws-secrets');
    expect(requiredNamespaceAccess()).toContainEqual({ group: '', resource: 'secrets', verb: 'update' });
    expect(requiredNamespaceAccess()).toContainEqual({ group: '', resource: 'pods', verb: 'watch' });
  });

  it('fails the namespace check when the namespace does not exist', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(cluster.adminKubeconfig);
    const checks = byName((await runClusterChecks(createKubernetesClients(kc), 'ws-missing')).checks);
    expect(checks['kubernetes-api']!.passed).toBe(true);
    expect(checks.namespace).toEqual({
      name: 'namespace',
      passed: false,
      message: expect.stringContaining('namespace ws-missing does not exist: create it'),
    });
  });

  it('reports nodes when it may list them, and no summary (without failing) when RBAC forbids it', async () => {
    const admin = new KubeConfig();
    admin.loadFromString(cluster.adminKubeconfig);
    // No kubelet registers in the test cluster: zero nodes, but a known zero.
    expect((await readNodeSummary(createKubernetesClients(admin).core)).summary).toEqual({
      nodeCount: 0,
      cpuMillicores: 0,
      memoryBytes: '0',
    });
    const clients = await agentClients(cluster, 'ws-nodes');
    const forbidden = await readNodeSummary(clients.core);
    expect(forbidden.summary).toEqual(UNKNOWN_NODE_SUMMARY);
    expect((forbidden.error as { code?: number }).code).toBe(403);
  });

  it('fails kubernetes-api with "cannot reach the Kubernetes API" while the API server is down', async () => {
    const clients = await agentClients(cluster, 'ws-down');
    await cluster.stopApiServer();
    try {
      const report = await runClusterChecks(clients, 'ws-down');
      const checks = byName(report.checks);
      expect(report.kubernetesVersion).toBeNull();
      expect(checks['kubernetes-api']!.passed).toBe(false);
      expect(checks['kubernetes-api']!.message).toMatch(
        new RegExp(`^cannot reach the Kubernetes API at ${cluster.server}: .*ECONNREFUSED`),
      );
      expect(checks.namespace!.passed).toBe(false);
      expect(checks.rbac!.passed).toBe(false);
      expect(checks.rbac!.message).toContain('not checked');
    } finally {
      await cluster.startApiServer();
    }
    const after = await runClusterChecks(clients, 'ws-down');
    expect(after.checks.every((check) => check.passed)).toBe(true);
  }, 90_000);
});
