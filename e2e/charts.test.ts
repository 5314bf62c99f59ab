import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { agentRoleRules } from '@outpost/agent';
import { ensureKubeBinaries, startKubeCluster, type KubeCluster } from '@outpost/kube-testenv';
import { Teardown } from './support/teardown.js';

/**
 * The Helm charts in charts/: `helm lint` and `helm template` with the real helm binary, for default
 * and non-default values, and every rendered object sent to a real kube-apiserver with a server-side
 * dry run (the API validates the whole object, as `kubectl apply --dry-run=server` would).
 */

const CHARTS = fileURLToPath(new URL('../charts', import.meta.url));
const PROVIDER_CHART = path.join(CHARTS, 'outpost-provider');
const OUTPOST_CHART = path.join(CHARTS, 'outpost');
const run = promisify(execFile);

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

interface Container {
  name: string;
  command?: string[];
  env?: EnvVar[];
  resources?: { requests?: object; limits?: object };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  livenessProbe?: { exec?: { command: string[] } };
  readinessProbe?: { exec?: { command: string[] } };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}

interface PodSpec {
  serviceAccountName?: string;
  securityContext?: { runAsNonRoot?: boolean };
  containers: Container[];
  volumes?: Array<{ name: string; secret?: { secretName: string } }>;
}

/** Lower-case plural of every kind the charts render. */
const PLURALS: Record<string, string> = {
  Namespace: 'namespaces',
  ServiceAccount: 'serviceaccounts',
  Secret: 'secrets',
  Service: 'services',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  Deployment: 'deployments',
  Job: 'jobs',
  Ingress: 'ingresses',
};

describe('helm charts', () => {
  const teardown = new Teardown();
  let helm: string;
  let cluster: KubeCluster;
  let tmp: string;

  beforeAll(async () => {
    helm = (await ensureKubeBinaries()).helm;
    tmp = mkdtempSync(path.join(os.tmpdir(), 'outpost-charts-'));
    teardown.defer(async () => rmSync(tmp, { recursive: true, force: true }));
    cluster = await teardown.track(startKubeCluster({ name: 'charts' }), (started) => started.stop());
  });

  afterAll(() => teardown.run());

  async function lint(chart: string, args: string[]): Promise<void> {
    const { stdout } = await run(helm, ['lint', '--strict', chart, ...args]);
    expect(stdout).toContain('0 chart(s) failed');
  }

  async function template(release: string, chart: string, namespace: string, args: string[]) {
    const { stdout } = await run(helm, ['template', release, chart, '--namespace', namespace, ...args], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const objects = parseAllDocuments(stdout)
      .map((doc) => doc.toJS() as KubeObject | null)
      .filter((object): object is KubeObject => !!object);
    expect(objects.length).toBeGreaterThan(0);
    return objects;
  }

  function objectPath(object: KubeObject, releaseNamespace: string): string {
    const plural = PLURALS[object.kind];
    if (!plural) throw new Error(`no plural known for kind ${object.kind}`);
    const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
    if (object.kind === 'Namespace') return `${base}/${plural}`;
    return `${base}/namespaces/${object.metadata.namespace ?? releaseNamespace}/${plural}`;
  }

  /** Server-side dry run of every object: namespaces first, then the namespaces they need, then the rest. */
  async function dryRun(objects: KubeObject[], releaseNamespace: string): Promise<void> {
    const namespaces = objects.filter((object) => object.kind === 'Namespace');
    for (const object of namespaces) {
      await cluster.requestOk('POST', `${objectPath(object, releaseNamespace)}?dryRun=All`, object);
    }
    const needed = new Set([
      releaseNamespace,
      ...namespaces.map((object) => object.metadata.name),
      ...objects.flatMap((object) => (object.metadata.namespace ? [object.metadata.namespace] : [])),
    ]);
    for (const name of needed) await cluster.createNamespace(name);
    for (const object of objects.filter((o) => o.kind !== 'Namespace')) {
      await cluster.requestOk(
        'POST',
        `${objectPath(object, releaseNamespace)}?dryRun=All&fieldValidation=Strict`,
        {
          ...object,
        },
      );
    }
  }

  function find(objects: KubeObject[], kind: string, name?: string): KubeObject {
    const found = objects.filter(
      (object) => object.kind === kind && (!name || object.metadata.name === name),
    );
    expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
    return found[0]!;
  }

  function podSpec(object: KubeObject): PodSpec {
    return (object.spec as { template: { spec: PodSpec } }).template.spec;
  }

  function env(container: Container): Record<string, string | undefined> {
    return Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
  }

  function expectHardened(spec: PodSpec): void {
    expect(spec.securityContext?.runAsNonRoot).toBe(true);
    for (const container of spec.containers) {
      expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
      expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
    }
  }

  describe('outpost-provider', () => {
    it('renders the agent with default values, exactly agentRoleRules() in its Role, and the API accepts it', async () => {
      const args = [
        '--set',
        'server.url=https://outpost.example.com',
        '--set',
        'registrationToken=oprg_default',
      ];
      await lint(PROVIDER_CHART, args);
      const objects = await template('outpost-provider-eu', PROVIDER_CHART, 'provider-default', args);
      expect(objects.map((o) => o.kind).sort()).toEqual([
        'Deployment',
        'Role',
        'RoleBinding',
        'Secret',
        'ServiceAccount',
      ]);

      const role = find(objects, 'Role');
      expect(role.metadata.namespace).toBe('provider-default');
      expect(role.rules).toEqual(agentRoleRules());
      const binding = find(objects, 'RoleBinding');
      expect(binding.roleRef).toMatchObject({ kind: 'Role', name: role.metadata.name });
      expect(binding.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'outpost-provider-eu', namespace: 'provider-default' },
      ]);

      const secret = find(objects, 'Secret');
      expect(secret.stringData).toEqual({ 'registration-token': 'oprg_default' });

      const spec = podSpec(find(objects, 'Deployment'));
      expectHardened(spec);
      expect(spec.serviceAccountName).toBe('outpost-provider-eu');
      const [agent] = spec.containers;
      expect(agent!.resources?.requests).toBeDefined();
      expect(agent!.resources?.limits).toBeDefined();
      // The probes check the health file the agent writes on every acknowledgement from the server.
      const liveness = agent!.livenessProbe?.exec?.command ?? [];
      const readiness = agent!.readinessProbe?.exec?.command ?? [];
      expect(liveness.slice(0, 2)).toEqual(['node', '-e']);
      expect(liveness[2]).toContain('/tmp/outpost-agent-health');
      expect(liveness[2]).toContain('600000');
      expect(readiness.slice(0, 2)).toEqual(['node', '-e']);
      expect(readiness[2]).toContain('/tmp/outpost-agent-health');
      expect(readiness[2]).toContain('30000');
      expect(agent!.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      expect(env(agent!)).toEqual({
        OUTPOST_SERVER_URL: 'https://outpost.example.com',
        OUTPOST_REGISTRATION_TOKEN_FILE: '/var/run/outpost/registration/registration-token',
        OUTPOST_NAMESPACE: 'provider-default',
        OUTPOST_HEARTBEAT_INTERVAL: '5',
        OUTPOST_CHART_VERSION: '0.1.0',
        OUTPOST_LOG_LEVEL: 'info',
        OUTPOST_WORKSPACE_STORAGE_SIZE: '10Gi',
        OUTPOST_HEALTH_FILE: '/tmp/outpost-agent-health',
      });
      expect(spec.volumes?.find((v) => v.name === 'registration')?.secret?.secretName).toBe(
        secret.metadata.name,
      );

      await dryRun(objects, 'provider-default');
    });

    it('renders the install command of the server with non-default values, and the API accepts it', async () => {
      const tokenFile = path.join(tmp, 'us.registration-token');
      writeFileSync(tokenFile, 'oprg_from_file\n', { mode: 0o600 });
      const args = [
        '--set',
        'server.url=http://outpost.outpost.svc:4000',
        '--set-file',
        `registrationToken=${tokenFile}`,
        '--set',
        'namespace=provider-workspaces',
        '--set',
        'heartbeatInterval=2',
        '--set',
        'image.tag=1.2.3',
        '--set',
        'workspace.image=registry.example.com/workspace:7',
        '--set',
        'workspace.storageClass=fast',
        '--set',
        'workspace.size=50Gi',
        '--set',
        'nodeSelector.pool=agents',
        '--set',
        'workspace.nodeSelector.pool=workspaces',
        '--set',
        'workspace.tolerations[0].key=dedicated',
        '--set',
        'workspace.tolerations[0].operator=Exists',
        '--set',
        'workspace.resources.limits.memory=4Gi',
      ];
      await lint(PROVIDER_CHART, args);
      const objects = await template('outpost-provider-us', PROVIDER_CHART, 'provider-custom', args);
      expect(find(objects, 'Secret').stringData).toEqual({ 'registration-token': 'oprg_from_file' });
      const role = find(objects, 'Role');
      expect(role.metadata.namespace).toBe('provider-workspaces');
      expect(role.rules).toEqual(agentRoleRules());
      expect(find(objects, 'RoleBinding').metadata.namespace).toBe('provider-workspaces');
      const deployment = podSpec(find(objects, 'Deployment'));
      expect(env(deployment.containers[0]!)).toMatchObject({
        OUTPOST_SERVER_URL: 'http://outpost.outpost.svc:4000',
        OUTPOST_NAMESPACE: 'provider-workspaces',
        OUTPOST_HEARTBEAT_INTERVAL: '2',
        OUTPOST_WORKSPACE_IMAGE: 'registry.example.com/workspace:7',
        OUTPOST_WORKSPACE_STORAGE_CLASS: 'fast',
        OUTPOST_WORKSPACE_STORAGE_SIZE: '50Gi',
      });
      const custom = env(deployment.containers[0]!);
      expect(JSON.parse(custom.OUTPOST_WORKSPACE_NODE_SELECTOR!)).toEqual({ pool: 'workspaces' });
      expect(JSON.parse(custom.OUTPOST_WORKSPACE_TOLERATIONS!)).toEqual([
        { key: 'dedicated', operator: 'Exists' },
      ]);
      expect(JSON.parse(custom.OUTPOST_WORKSPACE_RESOURCES!)).toEqual({ limits: { memory: '4Gi' } });
      await dryRun(objects, 'provider-custom');
    });

    it('uses an existing Secret instead of creating one', async () => {
      const args = ['--set', 'server.url=https://o.example.com', '--set', 'existingSecret=my-token'];
      await lint(PROVIDER_CHART, args);
      const objects = await template('outpost-provider-ex', PROVIDER_CHART, 'provider-existing', args);
      expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
      const spec = podSpec(find(objects, 'Deployment'));
      expect(spec.volumes?.find((v) => v.name === 'registration')?.secret?.secretName).toBe('my-token');
      await dryRun(objects, 'provider-existing');
    });

    it('refuses to render without server.url', async () => {
      await expect(template('outpost-provider-x', PROVIDER_CHART, 'x', [])).rejects.toThrow(
        /server\.url is required/,
      );
    });
  });

  describe('outpost', () => {
    it('renders the control plane with default values, and the API accepts it', async () => {
      const args = ['--set', 'database.url=postgresql://outpost:secret@postgres:5432/outpost'];
      await lint(OUTPOST_CHART, args);
      const objects = await template('outpost', OUTPOST_CHART, 'outpost', args);
      expect(objects.map((o) => o.kind).sort()).toEqual([
        'Deployment',
        'Job',
        'Namespace',
        'Role',
        'RoleBinding',
        'Secret',
        'Service',
        'ServiceAccount',
      ]);

      const deployment = find(objects, 'Deployment');
      expect((deployment.spec as { replicas: number }).replicas).toBe(2);
      const spec = podSpec(deployment);
      expectHardened(spec);
      const [server] = spec.containers;
      expect(server!.command).toEqual(['node', 'apps/server/dist/main.js']);
      expect(server!.readinessProbe).toBeDefined();
      expect(server!.livenessProbe).toBeDefined();
      expect(server!.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
        name: 'outpost-database',
        key: 'database-url',
      });
      expect(env(server!)).toMatchObject({
        OUTPOST_BUILTIN_NAMESPACE: 'outpost-workspaces',
        OUTPOST_HOST: '0.0.0.0',
      });

      const job = find(objects, 'Job');
      expect(job.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      expectHardened(podSpec(job));

      // The built-in provider's agent runs in the server, with the server's ServiceAccount.
      const role = find(objects, 'Role');
      expect(role.metadata.namespace).toBe('outpost-workspaces');
      expect(role.rules).toEqual(agentRoleRules());
      expect(find(objects, 'RoleBinding').subjects).toEqual([
        { kind: 'ServiceAccount', name: spec.serviceAccountName, namespace: 'outpost' },
      ]);

      await dryRun(objects, 'outpost');
    });

    it('renders non-default values (existing Secret, Ingress, own namespace), and the API accepts it', async () => {
      const args = [
        '--set',
        'database.existingSecret=pg',
        '--set',
        'database.existingSecretKey=url',
        '--set',
        'replicaCount=3',
        '--set',
        'ingress.enabled=true',
        '--set',
        'ingress.className=nginx',
        '--set',
        'ingress.hosts[0].host=outpost.example.org',
        '--set',
        'ingress.hosts[0].paths[0].path=/',
        '--set',
        'ingress.hosts[0].paths[0].pathType=Prefix',
        '--set',
        'builtInProvider.namespace=builtin-ws',
        '--set',
        'builtInProvider.createNamespace=false',
        '--set',
        'publicUrl=https://outpost.example.org',
      ];
      await lint(OUTPOST_CHART, args);
      const objects = await template('cp', OUTPOST_CHART, 'outpost-custom', args);
      expect(objects.some((o) => o.kind === 'Secret' || o.kind === 'Namespace')).toBe(false);
      const deployment = find(objects, 'Deployment');
      expect((deployment.spec as { replicas: number }).replicas).toBe(3);
      const [server] = podSpec(deployment).containers;
      expect(server!.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
        name: 'pg',
        key: 'url',
      });
      expect(env(server!)).toMatchObject({
        OUTPOST_BUILTIN_NAMESPACE: 'builtin-ws',
        OUTPOST_PUBLIC_URL: 'https://outpost.example.org',
      });
      expect(find(objects, 'Role').metadata.namespace).toBe('builtin-ws');
      expect(find(objects, 'Ingress').spec).toMatchObject({ ingressClassName: 'nginx' });
      await dryRun(objects, 'outpost-custom');
    });

    it('refuses to render without a database', async () => {
      await expect(template('outpost', OUTPOST_CHART, 'x', [])).rejects.toThrow(
        /database\.url or database\.existingSecret/,
      );
    });
  });
});
