import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { agentRoleRules } from '@outpost/agent';
import { ensureKubeBinaries, startKubeCluster, type KubeCluster } from '@outpost/kube-testenv';
import { startOutpostServer } from './support/server.js';
import { Teardown } from './support/teardown.js';

/**
 * The Helm charts in charts/: `helm lint` and `helm template` with the real helm binary, for default
 * and non-default values, and every rendered object sent to a real kube-apiserver with a server-side
 * dry run (the API validates the whole object, as `kubectl apply --dry-run=server` would). Bad values
 * are refused by the charts' values.schema.json before anything renders; `helm install` runs against
 * the real kube-apiserver for the NOTES and the release's objects.
 *
 * `helm test` itself is not run: it waits for the test pod to finish, and these clusters have no
 * nodes or kubelet, so no pod ever runs. Instead each test hook's rendered command runs here as a
 * process, with what the pod would have (the test ServiceAccount's token and the cluster's CA; the
 * Service's address replaced by a real server's), against the real kube-apiserver and a real server.
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
  image?: string;
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
  automountServiceAccountToken?: boolean;
  restartPolicy?: string;
  affinity?: { podAntiAffinity?: Record<string, unknown>; nodeAffinity?: Record<string, unknown> };
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
  Pod: 'pods',
  PodDisruptionBudget: 'poddisruptionbudgets',
  Job: 'jobs',
  Ingress: 'ingresses',
};

/** The parts of JSON Schema the coverage check below reads. */
interface JsonSchema {
  $ref?: string;
  description?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  definitions?: Record<string, JsonSchema>;
}

/**
 * The paths of `value` (a values.yaml) the schema does not describe with a type and a description: a
 * value added to values.yaml without its schema fails here, before `additionalProperties: false`
 * refuses it in every install.
 */
function undescribedValues(value: unknown, schema: JsonSchema, root: JsonSchema, at: string): string[] {
  const resolved = schema.$ref ? root.definitions?.[schema.$ref.replace('#/definitions/', '')] : schema;
  if (!resolved) return [`${at}: ${schema.$ref} is not defined`];
  const problems: string[] = [];
  if (at && !schema.description && !resolved.description) problems.push(`${at}: no description`);
  if (!resolved.type) problems.push(`${at}: no type`);
  const children: Array<[string, unknown, JsonSchema | undefined]> = Array.isArray(value)
    ? value.map((item, index) => [String(index), item, resolved.items])
    : value && typeof value === 'object'
      ? Object.entries(value).map(([key, child]) => [
          key,
          child,
          resolved.properties?.[key] ??
            (typeof resolved.additionalProperties === 'object' ? resolved.additionalProperties : undefined),
        ])
      : [];
  for (const [key, child, childSchema] of children) {
    if (!childSchema) problems.push(`${at}/${key}: not in the schema`);
    else problems.push(...undescribedValues(child, childSchema, root, `${at}/${key}`));
  }
  return problems;
}

describe('helm charts', () => {
  const teardown = new Teardown();
  let helm: string;
  let cluster: KubeCluster;
  let tmp: string;
  let kubeconfig: string;

  beforeAll(async () => {
    helm = (await ensureKubeBinaries()).helm;
    tmp = mkdtempSync(path.join(os.tmpdir(), 'outpost-charts-'));
    teardown.defer(async () => rmSync(tmp, { recursive: true, force: true }));
    cluster = await teardown.track(startKubeCluster({ name: 'charts' }), (started) => started.stop());
    kubeconfig = await cluster.writeKubeconfig(path.join(tmp, 'kubeconfig'));
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

  /** What helm says when it refuses (it exits non-zero); fails the test when helm accepts. */
  async function refusal(args: string[]): Promise<string> {
    try {
      await run(helm, args, { maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      return `${stderr ?? ''}${stdout ?? ''}`;
    }
    throw new Error(`helm ${args.join(' ')} accepted the values`);
  }

  /** `helm install --dry-run=server` against the real kube-apiserver: everything install prints. */
  async function installDryRun(release: string, chart: string, namespace: string, args: string[]) {
    const { stdout } = await run(
      helm,
      [
        'install',
        release,
        chart,
        '--namespace',
        namespace,
        '--dry-run=server',
        '--kubeconfig',
        kubeconfig,
        ...args,
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const notes = stdout.split(/^NOTES:$/m)[1];
    expect(notes, 'the NOTES section').toBeDefined();
    return { stdout, notes: notes!.trim() };
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
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
        'Deployment/outpost-provider-eu',
        'Pod/outpost-provider-eu-test-agent-ready',
        'Role/outpost-provider-eu',
        'Role/outpost-provider-eu-test',
        'RoleBinding/outpost-provider-eu',
        'RoleBinding/outpost-provider-eu-test',
        'Secret/outpost-provider-eu-registration',
        'ServiceAccount/outpost-provider-eu',
        'ServiceAccount/outpost-provider-eu-test',
      ]);

      const role = find(objects, 'Role', 'outpost-provider-eu');
      expect(role.metadata.namespace).toBe('provider-default');
      expect(role.rules).toEqual(agentRoleRules());
      const binding = find(objects, 'RoleBinding', 'outpost-provider-eu');
      expect(binding.roleRef).toMatchObject({ kind: 'Role', name: role.metadata.name });
      expect(binding.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'outpost-provider-eu', namespace: 'provider-default' },
      ]);

      const secret = find(objects, 'Secret');
      expect(secret.stringData).toEqual({ 'registration-token': 'oprg_default' });

      const spec = podSpec(find(objects, 'Deployment'));
      expectHardened(spec);
      expect(spec.serviceAccountName).toBe('outpost-provider-eu');
      expect(spec.containers[0]!.image).toBe('ghcr.io/outpost/agent:0.1.0');
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
      const role = find(objects, 'Role', 'outpost-provider-us');
      expect(role.metadata.namespace).toBe('provider-workspaces');
      expect(role.rules).toEqual(agentRoleRules());
      expect(find(objects, 'RoleBinding', 'outpost-provider-us').metadata.namespace).toBe(
        'provider-workspaces',
      );
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
        'Pod',
        'PodDisruptionBudget',
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

  describe('values.schema.json', () => {
    it('is what charts/schema generates (node charts/schema/generate.mjs --check)', async () => {
      await expect(
        run(process.execPath, [path.join(CHARTS, 'schema', 'generate.mjs'), '--check']),
      ).resolves.toBeDefined();
    });

    it.each([OUTPOST_CHART, PROVIDER_CHART])(
      'describes, with a type, every value in %s/values.yaml',
      (chart) => {
        const values = parseYaml(readFileSync(path.join(chart, 'values.yaml'), 'utf8')) as unknown;
        const schema = JSON.parse(readFileSync(path.join(chart, 'values.schema.json'), 'utf8')) as JsonSchema;
        expect(undescribedValues(values, schema, schema, '')).toEqual([]);
      },
    );

    /** A bad value, and the path helm's message must name (a JSON pointer into the values). */
    interface BadValue {
      args: string[];
      at: string;
      says: RegExp;
    }
    const providerBase = [
      '--set',
      'server.url=https://outpost.example.com',
      '--set',
      'registrationToken=oprg_x',
    ];
    const providerBad: BadValue[] = [
      {
        args: ['--set', 'heartbeatInterval=five'],
        at: '/heartbeatInterval',
        says: /got string, want number/,
      },
      {
        args: ['--set', 'heartbeatInterval=0'],
        at: '/heartbeatInterval',
        says: /must be > 0|exclusiveMinimum/,
      },
      {
        args: ['--set', 'heartbeatInterval=-5'],
        at: '/heartbeatInterval',
        says: /must be > 0|exclusiveMinimum/,
      },
      { args: ['--set', 'workspace.size=big'], at: '/workspace/size', says: /does not match pattern/ },
      { args: ['--set', 'workspace.sizee=10Gi'], at: '/workspace', says: /additional propert.*'sizee'/ },
      { args: ['--set', 'heartbeatIntervall=5'], at: '', says: /additional propert.*'heartbeatIntervall'/ },
      { args: ['--set', 'logLevel=verbose'], at: '/logLevel', says: /value must be one of/ },
      {
        args: ['--set', 'server.url=outpost.example.com'],
        at: '/server/url',
        says: /does not match pattern/,
      },
      // --set instead of --set-file: the file's name, not the token.
      {
        args: ['--set', 'registrationToken=./eu.registration-token'],
        at: '/registrationToken',
        says: /does not match pattern/,
      },
      { args: ['--set', 'namespace=Workspaces_EU'], at: '/namespace', says: /does not match pattern/ },
      {
        args: ['--set', 'image.pullPolicy=Sometimes'],
        at: '/image/pullPolicy',
        says: /value must be one of/,
      },
      {
        args: ['--set', 'image.repository=ghcr.io/outpost/agent:1.2'],
        at: '/image/repository',
        says: /pattern/,
      },
      {
        args: ['--set', 'probes.readinessMaxAgeSeconds=-30'],
        at: '/probes/readinessMaxAgeSeconds',
        says: /minimum/,
      },
      {
        args: ['--set', 'probes.livenessMaxAgeSeconds=ten'],
        at: '/probes/livenessMaxAgeSeconds',
        says: /want integer/,
      },
      // A label value must be a string: YAML's true would reach the API as a boolean.
      {
        args: ['--set', 'workspace.nodeSelector.gpu=true'],
        at: '/workspace/nodeSelector/gpu',
        says: /want string/,
      },
      {
        args: ['--set', 'resources.limits.memory=lots'],
        at: '/resources/limits/memory',
        says: /does not match pattern/,
      },
      { args: ['--set', 'resources.limits.cpu=-1'], at: '/resources/limits/cpu', says: /minimum/ },
      { args: ['--set', 'resources.limit.cpu=1'], at: '/resources', says: /additional propert.*'limit'/ },
      {
        args: [
          '--set',
          'workspace.tolerations[0].key=dedicated',
          '--set',
          'workspace.tolerations[0].tolerationSecond=5',
        ],
        at: '/workspace/tolerations/0',
        says: /additional propert.*'tolerationSecond'/,
      },
      {
        args: ['--set', 'workspace.tolerations[0].operator=exists'],
        at: '/workspace/tolerations/0/operator',
        says: /value must be one of/,
      },
      {
        args: [
          '--set',
          'affinity.podAntiAffinity.requiredDuringScheduling[0].topologyKey=kubernetes.io/hostname',
        ],
        at: '/affinity/podAntiAffinity',
        says: /additional propert.*'requiredDuringScheduling'/,
      },
      { args: ['--set', 'tests.image.repository=node'], at: '/tests/image/tag', says: /minLength/ },
      { args: ['--set', 'tests.timeoutSeconds=0'], at: '/tests/timeoutSeconds', says: /minimum/ },
      { args: ['--set', 'imagePullSecrets[0]=regcred'], at: '/imagePullSecrets/0', says: /want object/ },
    ];
    const outpostBase = ['--set', 'database.url=postgresql://outpost:secret@postgres:5432/outpost'];
    const outpostBad: BadValue[] = [
      { args: ['--set', 'replicaCount=-1'], at: '/replicaCount', says: /minimum/ },
      { args: ['--set', 'replicaCount=two'], at: '/replicaCount', says: /want integer/ },
      { args: ['--set', 'replicas=3'], at: '', says: /additional propert.*'replicas'/ },
      { args: ['--set', 'heartbeatInterval=five'], at: '/heartbeatInterval', says: /want number/ },
      { args: ['--set', 'heartbeatGrace=-15'], at: '/heartbeatGrace', says: /must be > 0|exclusiveMinimum/ },
      { args: ['--set', 'trustProxy=yes'], at: '/trustProxy', says: /want boolean/ },
      { args: ['--set', 'service.port=70000'], at: '/service/port', says: /maximum/ },
      { args: ['--set', 'service.type=Internal'], at: '/service/type', says: /value must be one of/ },
      {
        args: ['--set', 'database.url=mysql://db/outpost'],
        at: '/database/url',
        says: /does not match pattern/,
      },
      { args: ['--set', 'migrations.backoffLimit=-1'], at: '/migrations/backoffLimit', says: /minimum/ },
      {
        args: ['--set', 'podDisruptionBudget.maxUnavailable=0'],
        at: '/podDisruptionBudget/maxUnavailable',
        says: /minimum/,
      },
      {
        args: ['--set', 'podAntiAffinity.mode=sometimes'],
        at: '/podAntiAffinity/mode',
        says: /value must be one of/,
      },
      { args: ['--set', 'podAntiAffinity.weight=500'], at: '/podAntiAffinity/weight', says: /maximum/ },
      {
        args: ['--set', 'extraEnv[0].nam=OUTPOST_ADMIN_EMAIL', '--set', 'extraEnv[0].value=a@example.com'],
        at: '/extraEnv/0',
        says: /missing propert.*'name'|additional propert.*'nam'/,
      },
      {
        args: [
          '--set',
          'ingress.enabled=true',
          '--set',
          'ingress.hosts[0].host=outpost.example.org',
          '--set',
          'ingress.hosts[0].paths[0].path=/',
          '--set',
          'ingress.hosts[0].paths[0].pathType=prefix',
        ],
        at: '/ingress/hosts/0/paths/0/pathType',
        says: /value must be one of/,
      },
      {
        args: ['--set', 'ingress.enabled=true', '--set-json', 'ingress.hosts=[]'],
        at: '/ingress/hosts',
        says: /minItems/,
      },
      {
        args: ['--set', 'builtInProvider.namespce=ws'],
        at: '/builtInProvider',
        says: /additional propert.*'namespce'/,
      },
      {
        args: ['--set', 'tests.image.pullPolicy=always'],
        at: '/tests/image/pullPolicy',
        says: /value must be one of/,
      },
    ];

    it.each([
      ['outpost-provider', PROVIDER_CHART, providerBase, providerBad],
      ['outpost', OUTPOST_CHART, outpostBase, outpostBad],
    ] as const)(
      'refuses bad values of %s in helm lint and helm template, naming the value',
      async (name, chart, base, bad) => {
        for (const { args, at, says } of bad) {
          const commands = [
            ['lint', '--strict', chart],
            ['template', 'release', chart],
          ];
          const messages = await Promise.all(
            commands.map((command) => refusal([...command, ...base, ...args])),
          );
          messages.forEach((message, index) => {
            const context = `helm ${commands[index]![0]} ${args.join(' ')}:\n${message}`;
            expect(message, context).toContain(`values don't meet the specifications of the schema(s)`);
            expect(message, context).toContain(`at '${at}'`);
            expect(message, context).toMatch(says);
          });
        }
      },
      120_000,
    );

    it('refuses bad values in helm install too, before anything reaches the cluster', async () => {
      const message = await refusal([
        'install',
        'outpost-provider-bad',
        PROVIDER_CHART,
        '--namespace',
        'provider-bad',
        '--create-namespace',
        '--kubeconfig',
        kubeconfig,
        ...providerBase,
        '--set',
        'heartbeatInterval=five',
      ]);
      expect(message).toContain(`at '/heartbeatInterval'`);
      const releases = await run(helm, [
        'list',
        '--all-namespaces',
        '--all',
        '-q',
        '--kubeconfig',
        kubeconfig,
      ]);
      expect(releases.stdout).not.toContain('outpost-provider-bad');
      expect((await cluster.request('GET', '/api/v1/namespaces/provider-bad')).status).toBe(404);
    });

    it('refuses two sources for one secret', async () => {
      expect(
        await refusal(['template', 'p', PROVIDER_CHART, ...providerBase, '--set', 'existingSecret=token']),
      ).toContain('set registrationToken or existingSecret, not both');
      expect(
        await refusal([
          'template',
          'o',
          OUTPOST_CHART,
          ...outpostBase,
          '--set',
          'database.existingSecret=pg',
        ]),
      ).toContain('set database.url or database.existingSecret, not both');
    });

    it.each(['outpost/examples/high-availability.yaml', 'outpost-provider/examples/dedicated-nodes.yaml'])(
      'installs the documented example %s (lint, template, server-side dry run, helm install --dry-run=server)',
      async (example) => {
        const chart = path.join(CHARTS, example.split('/')[0]!);
        const namespace = `example-${path.basename(example, '.yaml')}`;
        const args = ['-f', path.join(CHARTS, example)];
        if (chart === PROVIDER_CHART) args.push('--set', 'registrationToken=oprg_example');
        // Each control-plane render brings its built-in provider's namespace: one of its own per test.
        else args.push('--set', `builtInProvider.namespace=${namespace}-ws`);
        await lint(chart, args);
        const objects = await template('outpost-example', chart, namespace, args);
        // helm first: the dry run below creates the namespaces it needs, which helm would not adopt.
        await installDryRun('outpost-example', chart, namespace, args);
        await dryRun(objects, namespace);
      },
    );
  });

  describe('NOTES.txt', () => {
    it('tells the provider admin how to see the agent, and what PENDING, ERROR and READY mean', async () => {
      const { notes } = await installDryRun('outpost-provider-eu-west', PROVIDER_CHART, 'ws-eu', [
        '--set',
        'server.url=https://outpost.example.com',
        '--set',
        'registrationToken=oprg_notes',
      ]);
      expect(notes).toContain('kubectl -n ws-eu rollout status deployment/outpost-provider-eu-west');
      expect(notes).toContain('kubectl -n ws-eu logs deployment/outpost-provider-eu-west --follow');
      expect(notes).toContain('helm test outpost-provider-eu-west -n ws-eu --logs');
      expect(notes).toContain('outpost providers show eu-west');
      expect(notes).toMatch(/PENDING +the agent has not reported yet/);
      expect(notes).toContain('outpost providers rotate-token eu-west');
      expect(notes).toMatch(/ERROR +the provider's status message says what failed/);
      expect(notes).toMatch(/READY +workspaces can be deployed here/);
      expect(notes).toContain('https://outpost.example.com');
    });

    it('tells the control-plane admin the URL, the first admin and the migrations', async () => {
      const notesOf = async (...args: string[]) =>
        (
          await installDryRun('outpost', OUTPOST_CHART, 'outpost-notes', [
            ...args,
            '--set',
            'builtInProvider.namespace=outpost-notes-ws',
          ])
        ).notes;
      const plain = await notesOf('--set', 'database.url=postgresql://outpost:secret@postgres:5432/outpost');
      expect(plain).toContain('kubectl -n outpost-notes logs job/outpost-migrations');
      expect(plain).toContain('kubectl -n outpost-notes port-forward service/outpost 4000:80');
      expect(plain).toContain('http://outpost.outpost-notes.svc:80');
      expect(plain).toContain('publicUrl is empty');
      expect(plain).toContain('ANYONE who reaches the server can create it');
      expect(plain).toContain('curl -s http://127.0.0.1:4000/graphql');
      expect(plain).toContain('setupFirstAdmin');
      expect(plain).toContain('helm test outpost -n outpost-notes --logs');
      expect(plain).toContain('outpost providers show built-in');
      expect(plain).toContain('deploys workspaces into namespace\n   outpost-notes-ws');

      const ha = await notesOf(
        '-f',
        path.join(OUTPOST_CHART, 'examples', 'high-availability.yaml'),
        '--set',
        'migrations.enabled=false',
      );
      expect(ha).toContain('with 3 server replica(s)');
      expect(ha).toContain('https://outpost.example.com/   (the console; the API is /graphql)');
      expect(ha).not.toContain('port-forward');
      expect(ha).toContain('Agents and the CLI are told https://outpost.example.com');
      expect(ha).toContain('from OUTPOST_ADMIN_EMAIL and OUTPOST_ADMIN_PASSWORD (extraEnv)');
      expect(ha).toContain('sign in at https://outpost.example.com/ with them');
      expect(ha).not.toContain('ANYONE');
      expect(ha).toContain('each server replica applies pending migrations when it starts');
    });
  });

  describe('outpost with several replicas', () => {
    const database = [
      '--set',
      'database.url=postgresql://outpost:secret@postgres:5432/outpost',
      // The dry runs create the namespaces they need; the built-in provider's is another test's.
      '--set',
      'builtInProvider.createNamespace=false',
    ];

    it('has no PodDisruptionBudget and no anti-affinity with one replica', async () => {
      const objects = await template('single', OUTPOST_CHART, 'outpost-single', [
        ...database,
        '--set',
        'replicaCount=1',
      ]);
      expect(objects.some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
      expect(podSpec(find(objects, 'Deployment')).affinity).toBeUndefined();
      await dryRun(objects, 'outpost-single');
    });

    it('with three: a policy/v1 PodDisruptionBudget and preferred anti-affinity by hostname, and the API accepts them', async () => {
      const args = [...database, '--set', 'replicaCount=3'];
      await lint(OUTPOST_CHART, args);
      const objects = await template('ha', OUTPOST_CHART, 'outpost-ha', args);
      const deployment = find(objects, 'Deployment');
      const podLabels = (deployment.spec as { template: { metadata: { labels: Record<string, string> } } })
        .template.metadata.labels;
      const pdb = find(objects, 'PodDisruptionBudget');
      expect(pdb.apiVersion).toBe('policy/v1');
      expect(pdb.spec).toEqual({
        maxUnavailable: 1,
        selector: { matchLabels: podLabels },
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      });
      expect(podSpec(deployment).affinity).toEqual({
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              podAffinityTerm: {
                labelSelector: { matchLabels: podLabels },
                topologyKey: 'kubernetes.io/hostname',
              },
            },
          ],
        },
      });
      await dryRun(objects, 'outpost-ha');
    });

    it('takes its own rule, a percentage, or none; and keeps the affinity given', async () => {
      const required = await template('ha', OUTPOST_CHART, 'outpost-ha2', [
        ...database,
        '--set',
        'replicaCount=3',
        '--set',
        'podAntiAffinity.mode=required',
        '--set',
        'podAntiAffinity.topologyKey=topology.kubernetes.io/zone',
        '--set',
        'podDisruptionBudget.maxUnavailable=50%',
        '--set',
        'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key=pool',
        '--set',
        'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator=In',
        '--set',
        'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values[0]=system',
      ]);
      const affinity = podSpec(find(required, 'Deployment')).affinity!;
      expect(affinity.nodeAffinity).toBeDefined();
      expect(affinity.podAntiAffinity).toEqual({
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: expect.any(Object) }, topologyKey: 'topology.kubernetes.io/zone' },
        ],
      });
      expect((find(required, 'PodDisruptionBudget').spec as { maxUnavailable: unknown }).maxUnavailable).toBe(
        '50%',
      );
      await dryRun(required, 'outpost-ha2');

      const none = await template('ha', OUTPOST_CHART, 'outpost-ha3', [
        ...database,
        '--set',
        'replicaCount=3',
        '--set',
        'podAntiAffinity.mode=none',
        '--set',
        'podDisruptionBudget.enabled=false',
      ]);
      expect(none.some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
      expect(podSpec(find(none, 'Deployment')).affinity).toBeUndefined();

      const own = await template('ha', OUTPOST_CHART, 'outpost-ha4', [
        ...database,
        '--set',
        'replicaCount=3',
        '--set',
        'affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey=kubernetes.io/hostname',
        '--set',
        'affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels.app=outpost',
      ]);
      expect(podSpec(find(own, 'Deployment')).affinity).toEqual({
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'outpost' } } },
          ],
        },
      });
      await dryRun(own, 'outpost-ha4');
    });
  });

  describe('helm test hooks', () => {
    function testPod(objects: KubeObject[]): KubeObject {
      const pods = objects.filter((o) => o.kind === 'Pod');
      expect(pods).toHaveLength(1);
      expect(pods[0]!.metadata.annotations?.['helm.sh/hook']).toBe('test');
      return pods[0]!;
    }

    /** Runs a test pod's container command here, as that pod would; resolves with its exit and output. */
    async function runHook(pod: KubeObject, env: Record<string, string>) {
      const [container] = (pod.spec as PodSpec).containers;
      const [command, ...args] = container!.command!;
      expect(command).toBe('node');
      const podEnv = Object.fromEntries((container!.env ?? []).map((e) => [e.name, e.value ?? '']));
      return run(process.execPath, args, {
        env: { PATH: process.env.PATH, ...podEnv, ...env },
        timeout: 60_000,
      }).then(
        ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
        (error: { code?: number; stdout?: string; stderr?: string }) => ({
          code: error.code ?? -1,
          output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
        }),
      );
    }

    it('render as hardened test pods with the chart image by default, or the image given', async () => {
      const provider = testPod(
        await template('outpost-provider-eu', PROVIDER_CHART, 'hooks', [
          '--set',
          'server.url=https://o.example.com',
        ]),
      );
      const outpost = testPod(
        await template('outpost', OUTPOST_CHART, 'hooks', [
          '--set',
          'database.existingSecret=pg',
          '--set',
          'image.tag=2.0.0',
        ]),
      );
      for (const pod of [provider, outpost]) {
        expect((pod.spec as PodSpec).restartPolicy).toBe('Never');
        expectHardened(pod.spec as PodSpec);
        expect(pod.metadata.annotations?.['helm.sh/hook-delete-policy']).toBe('before-hook-creation');
      }
      expect((provider.spec as PodSpec).containers[0]!.image).toBe('ghcr.io/outpost/agent:0.1.0');
      expect((provider.spec as PodSpec).serviceAccountName).toBe('outpost-provider-eu-test');
      expect((outpost.spec as PodSpec).containers[0]!.image).toBe('ghcr.io/outpost/server:2.0.0');
      expect((outpost.spec as PodSpec).automountServiceAccountToken).toBe(false);

      const custom = testPod(
        await template('outpost', OUTPOST_CHART, 'hooks', [
          '--set',
          'database.existingSecret=pg',
          '--set',
          'tests.image.repository=registry.example.com/node',
          '--set',
          'tests.image.tag=24-slim',
        ]),
      );
      expect((custom.spec as PodSpec).containers[0]!.image).toBe('registry.example.com/node:24-slim');
      const none = await template('outpost', OUTPOST_CHART, 'hooks', [
        '--set',
        'database.existingSecret=pg',
        '--set',
        'tests.enabled=false',
      ]);
      expect(none.some((o) => o.kind === 'Pod')).toBe(false);
    });

    it('outpost-provider: helm install creates the release; the hook passes once the agent Deployment is ready, as its own ServiceAccount', async () => {
      const release = 'outpost-provider-live';
      const namespace = 'provider-live';
      await run(helm, [
        'install',
        release,
        PROVIDER_CHART,
        '--namespace',
        namespace,
        '--create-namespace',
        '--kubeconfig',
        kubeconfig,
        '--set',
        'server.url=https://outpost.example.com',
        '--set',
        'registrationToken=oprg_live',
      ]);
      teardown.defer(async () => {
        await run(helm, ['uninstall', release, '--namespace', namespace, '--kubeconfig', kubeconfig]);
      });
      // The hook as installed in the release.
      const hooks = await run(helm, [
        'get',
        'hooks',
        release,
        '--namespace',
        namespace,
        '--kubeconfig',
        kubeconfig,
      ]);
      const pod = testPod(
        parseAllDocuments(hooks.stdout)
          .map((doc) => doc.toJS() as KubeObject | null)
          .filter((object): object is KubeObject => !!object),
      );
      // What the kubelet would mount in the pod: its ServiceAccount's token and the cluster's CA.
      const serviceAccount = (pod.spec as PodSpec).serviceAccountName!;
      const { status } = await cluster.requestOk<{ status: { token: string } }>(
        'POST',
        `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`,
        { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } },
      );
      const mounted = path.join(tmp, 'serviceaccount');
      mkdirSync(mounted, { recursive: true });
      writeFileSync(path.join(mounted, 'token'), status.token);
      writeFileSync(path.join(mounted, 'ca.crt'), cluster.caCertPem);
      const inPod = {
        KUBERNETES_SERVICE_HOST: '127.0.0.1',
        KUBERNETES_SERVICE_PORT: String(cluster.port),
        SERVICE_ACCOUNT_DIR: mounted,
      };

      // No kubelet here: the Deployment never gets a ready pod, and the hook says so when its time is up.
      const waiting = await runHook(pod, { ...inPod, TIMEOUT_SECONDS: '1' });
      expect(waiting, waiting.output).toMatchObject({ code: 1 });
      expect(waiting.output).toMatch(/agent not ready: .*(not acted on its latest spec|0 of 1 agent pods)/);

      // Its ServiceAccount may read this Deployment only: another one is forbidden, and the hook stops at once.
      const forbidden = await runHook(pod, { ...inPod, DEPLOYMENT: 'some-other-deployment' });
      expect(forbidden, forbidden.output).toMatchObject({ code: 1 });
      expect(forbidden.output).toContain('HTTP 403');

      // What the Deployment controller writes once the agent's pod passes its readiness probe.
      const deploymentPath = `/apis/apps/v1/namespaces/${namespace}/deployments/${release}`;
      const deployment = await cluster.requestOk<KubeObject & { metadata: { generation: number } }>(
        'GET',
        deploymentPath,
      );
      await cluster.requestOk('PUT', `${deploymentPath}/status`, {
        ...deployment,
        status: {
          observedGeneration: deployment.metadata.generation,
          replicas: 1,
          updatedReplicas: 1,
          readyReplicas: 1,
          availableReplicas: 1,
        },
      });
      const ready = await runHook(pod, inPod);
      expect(ready, ready.output).toMatchObject({ code: 0 });
      expect(ready.output).toContain(
        `agent ready: Deployment ${namespace}/${release} has all its pods ready`,
      );
    });

    it('outpost: the hook passes against a real server and fails when nothing answers', async () => {
      const pod = testPod(
        await template('outpost', OUTPOST_CHART, 'hooks', ['--set', 'database.existingSecret=pg']),
      );
      const env = (pod.spec as PodSpec).containers[0]!.env ?? [];
      // The Service's address, as the pod is given it.
      expect(env.find((e) => e.name === 'OUTPOST_URL')?.value).toBe('http://outpost.hooks.svc:80');

      const server = await startOutpostServer({ heartbeatIntervalSeconds: 5, heartbeatGraceSeconds: 15 });
      const base = `http://127.0.0.1:${server.port}`;
      let stopped = false;
      teardown.defer(async () => {
        if (!stopped) await server.stop();
      });
      const answers = await runHook(pod, { OUTPOST_URL: base });
      expect(answers, answers.output).toMatchObject({ code: 0 });
      expect(answers.output).toContain(
        `server answers at ${base}: /healthz ok, /graphql { __typename } = Query`,
      );

      await server.stop();
      stopped = true;
      const gone = await runHook(pod, { OUTPOST_URL: base, TIMEOUT_SECONDS: '1' });
      expect(gone, gone.output).toMatchObject({ code: 1 });
      expect(gone.output).toContain(`server does not answer: `);
    }, 180_000);
  });
});
