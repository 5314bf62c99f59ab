import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureKubeBinaries, type KubeBinaries } from './binaries.js';
import { createClusterPki } from './certs.js';
import { KubeApiError, kubeRequest, kubeRequestOk, type KubeCredentials, type KubeResponse } from './http.js';
import { buildKubeconfig, writeKubeconfig } from './kubeconfig.js';
import { isAlive, sleep } from './util.js';

/** An RBAC rule, as in a Role's `rules`. */
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface StartKubeClusterOptions {
  /** Names the kubeconfig's cluster/context and the temp folder. Default: `kube-<n>`. */
  name?: string;
  /** Every log line of etcd and kube-apiserver. Default: kept in memory, shown when start fails. */
  log?: (line: string) => void;
  /** Default: ensureKubeBinaries(). */
  binaries?: KubeBinaries;
}

export interface ServiceAccountKubeconfigOptions {
  namespace: string;
  serviceAccount: string;
  /** Rules of a Role in `namespace`, bound to the ServiceAccount. */
  rules: PolicyRule[];
  /** Cluster-wide rules (e.g. list nodes): a ClusterRole + ClusterRoleBinding `<namespace>:<serviceAccount>`. */
  clusterRules?: PolicyRule[];
  /** Name of the Role and RoleBinding. Default: the ServiceAccount's name. */
  roleName?: string;
  /** Lifetime of the TokenRequest token. Default: 24 h (longer than any test). */
  expirationSeconds?: number;
}

export interface KubeCluster {
  name: string;
  /** `https://127.0.0.1:<port>`; the same across stopApiServer/startApiServer. */
  server: string;
  port: number;
  caCertPem: string;
  /** Client certificate in group system:masters. */
  adminKubeconfig: string;
  adminCredentials: KubeCredentials;
  binaries: KubeBinaries;
  /** One admin request; resolves with any status (check `status`), rejects only when unreachable. */
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<KubeResponse<T>>;
  /** One admin request; rejects with KubeApiError unless 2xx. */
  requestOk<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Creates the namespace unless it exists. */
  createNamespace(name: string): Promise<void>;
  /**
   * Creates (or updates) the ServiceAccount, a Role with `rules` and its RoleBinding, then returns a
   * kubeconfig whose user is that ServiceAccount, with a token from the TokenRequest API. The
   * namespace is created if missing and is the context's default namespace.
   */
  serviceAccountKubeconfig(options: ServiceAccountKubeconfigOptions): Promise<string>;
  /** Replaces a Role's rules (creating the Role if missing): narrow or widen what a token may do. */
  updateRole(namespace: string, name: string, rules: PolicyRule[]): Promise<void>;
  /** Writes a kubeconfig (default: the admin's) with mode 0600; returns the path. */
  writeKubeconfig(file: string, yaml?: string): Promise<string>;
  /** Stops kube-apiserver only: requests fail with ECONNREFUSED; etcd keeps the data. */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again on the same port with the same data; resolves when ready. */
  startApiServer(): Promise<void>;
  restartApiServer(): Promise<void>;
  /** Stops both processes and deletes the cluster's data. Idempotent. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 10_000;
const LOG_LINES_KEPT = 200;

let clusterCount = 0;
const live = new Set<Managed>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

/** Last resort when a test forgets stop() or throws past it: no etcd or apiserver outlives us. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const managed of live) managed.child.kill('SIGKILL');
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  });
}

const DIR_PREFIX = 'outpost-kube-';

/**
 * A process killed outright (a vitest worker torn down mid-start) cannot delete its clusters'
 * folders; the next start deletes those whose owner is gone, so /tmp does not fill up over runs.
 */
function removeOrphanedDirs(): void {
  for (const entry of readdirSync(os.tmpdir())) {
    if (!entry.startsWith(DIR_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), entry);
    let owner: number;
    try {
      owner = Number(readFileSync(path.join(dir, 'owner.pid'), 'utf8'));
    } catch {
      continue; // Being created right now, or not ours.
    }
    if (!owner || isAlive(owner)) continue;
    rmSync(dir, { recursive: true, force: true });
  }
}

let pdeathsig: boolean | undefined;

/**
 * The exit hook does not run when our process is killed (vitest tears workers down that way). On
 * Linux, util-linux's setpriv makes the kernel kill the child when its parent dies.
 */
function wrapCommand(binary: string, args: string[]): [string, string[]] {
  pdeathsig ??= spawnSync('setpriv', ['--pdeathsig', 'KILL', 'true']).status === 0;
  return pdeathsig ? ['setpriv', ['--pdeathsig', 'KILL', '--', binary, ...args]] : [binary, args];
}

class Managed {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private readonly lines: string[] = [];

  constructor(
    readonly label: string,
    binary: string,
    args: string[],
    log: ((line: string) => void) | undefined,
  ) {
    const [command, commandArgs] = wrapCommand(binary, args);
    this.child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        this.lines.push(line);
        if (this.lines.length > LOG_LINES_KEPT) this.lines.shift();
        log?.(`[${label}] ${line}`);
      }
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => {
      this.child.on('error', (error) => {
        this.lines.push(String(error));
        live.delete(this);
        resolve(null);
      });
      this.child.on('exit', (code) => {
        live.delete(this);
        resolve(code);
      });
    });
  }

  get running(): boolean {
    return live.has(this);
  }

  recentLog(): string {
    return this.lines.slice(-40).join('\n');
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns true; fails fast if the process dies meanwhile. */
async function waitUntil(what: string, process: Managed, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (!process.running)
      throw new Error(`${process.label} exited while waiting for ${what}:\n${process.recentLog()}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`${what}: not ready after ${START_TIMEOUT_MS / 1000} s:\n${process.recentLog()}`);
    await sleep(100);
  }
}

function etcdHealthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(
      { host: '127.0.0.1', port, path: '/health', agent: false, timeout: 2000 },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(res.statusCode === 200 && text.includes('true')));
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

/**
 * Starts a real etcd and kube-apiserver on 127.0.0.1 (free ports, data in a temp folder) with TLS,
 * RBAC, and ServiceAccount tokens; resolves when the API is ready and the `default` namespace
 * exists. Several can run at once. No controller-manager or kubelet: objects are stored, validated
 * and authorized, but nothing reconciles them (no pod runs, namespaces never finish deleting).
 */
export async function startKubeCluster(options: StartKubeClusterOptions = {}): Promise<KubeCluster> {
  const binaries = options.binaries ?? (await ensureKubeBinaries());
  const name = options.name ?? `kube-${++clusterCount}`;
  installExitHook();
  // Free ports are picked before the servers bind them: another process (a parallel test file
  // starting its own cluster) can take one in between. Rare, and a new set of ports fixes it.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, binaries, name);
    } catch (error) {
      if (attempt >= 3 || !/address already in use/.test(String(error))) throw error;
    }
  }
}

async function startOnce(
  options: StartKubeClusterOptions,
  binaries: KubeBinaries,
  name: string,
): Promise<KubeCluster> {
  removeOrphanedDirs();
  const dir = mkdtempSync(path.join(os.tmpdir(), `${DIR_PREFIX}${name.replace(/[^\w.-]/g, '_')}-`));
  writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
  liveDirs.add(dir);
  let etcd: Managed | undefined;
  let apiserver: Managed | undefined;
  const cleanup = async () => {
    await apiserver?.stop();
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };
  try {
    mkdirSync(path.join(dir, 'pki'));
    const pki = await createClusterPki(path.join(dir, 'pki'));
    const [etcdPort, peerPort, port] = [await freePort(), await freePort(), await freePort()];
    etcd = new Managed(
      `${name} etcd`,
      binaries.etcd,
      [
        '--name=default',
        `--data-dir=${path.join(dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
        // Throwaway data: fsync only slows tests down.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      options.log,
    );
    await waitUntil(`${name} etcd`, etcd, () => etcdHealthy(etcdPort));

    const apiserverArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${path.join(dir, 'apiserver')}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.serviceAccountPublicKey}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      // The default (lease) reconciler refuses a loopback advertise address; nothing here needs
      // the `kubernetes` Service's endpoints anyway.
      '--endpoint-reconciler-type=none',
      // Its pod check wants the namespace's `default` ServiceAccount, which only the (absent)
      // controller-manager creates: pods would be refused in every namespace a test makes.
      '--disable-admission-plugins=ServiceAccount',
      // Priority-and-fairness bootstrap objects only slow the start; tests send little traffic.
      '--enable-priority-and-fairness=false',
      '--allow-privileged=true',
      '--profiling=false',
    ];
    const server = `https://127.0.0.1:${port}`;
    const adminCredentials: KubeCredentials = {
      caCertPem: pki.caCertPem,
      clientCertPem: pki.adminCertPem,
      clientKeyPem: pki.adminKeyPem,
    };
    const request = <T>(method: string, apiPath: string, body?: unknown) =>
      kubeRequest<T>(server, adminCredentials, method, apiPath, body);
    const requestOk = <T>(method: string, apiPath: string, body?: unknown) =>
      kubeRequestOk<T>(server, adminCredentials, method, apiPath, body);

    const startApiServer = async () => {
      if (apiserver?.running) return;
      const current = new Managed(
        `${name} kube-apiserver`,
        binaries.kubeApiserver,
        apiserverArgs,
        options.log,
      );
      apiserver = current;
      await waitUntil(`${name} kube-apiserver /readyz`, current, async () => {
        return (await request('GET', '/readyz')).status === 200;
      });
      // The bootstrap controller creates `default` shortly after /readyz; tests expect it.
      await waitUntil(`${name} namespace default`, current, async () => {
        return (await request('GET', '/api/v1/namespaces/default')).status === 200;
      });
    };
    await startApiServer();

    const createOrIgnore = async (apiPath: string, body: unknown) => {
      const response = await request('POST', apiPath, body);
      if (response.status === 409) return;
      if (response.status < 200 || response.status > 299)
        throw new KubeApiError(response.status, response.body, 'POST', apiPath);
    };
    // PUT first (the object usually exists on a second call), POST when it does not.
    const upsert = async (collection: string, objectName: string, body: unknown) => {
      const response = await request('PUT', `${collection}/${objectName}`, body);
      if (response.status === 404) return void (await requestOk('POST', collection, body));
      if (response.status < 200 || response.status > 299)
        throw new KubeApiError(response.status, response.body, 'PUT', `${collection}/${objectName}`);
    };
    const createNamespace = (namespace: string) =>
      createOrIgnore('/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: namespace },
      });
    const updateRole = (namespace: string, roleName: string, rules: PolicyRule[]) =>
      upsert(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, roleName, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: roleName, namespace },
        rules,
      });

    const adminKubeconfig = buildKubeconfig({
      name,
      server,
      caCertPem: pki.caCertPem,
      userName: `${name}-admin`,
      clientCertPem: pki.adminCertPem,
      clientKeyPem: pki.adminKeyPem,
    });

    let stopped = false;
    const cluster: KubeCluster = {
      name,
      server,
      port,
      caCertPem: pki.caCertPem,
      adminKubeconfig,
      adminCredentials,
      binaries,
      request,
      requestOk,
      createNamespace,
      updateRole,
      async serviceAccountKubeconfig(sa) {
        const { namespace, serviceAccount } = sa;
        const roleName = sa.roleName ?? serviceAccount;
        const subject = { kind: 'ServiceAccount', name: serviceAccount, namespace };
        const rbac = '/apis/rbac.authorization.k8s.io/v1';
        await createNamespace(namespace);
        await createOrIgnore(`/api/v1/namespaces/${namespace}/serviceaccounts`, {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: serviceAccount, namespace },
        });
        await updateRole(namespace, roleName, sa.rules);
        await upsert(`${rbac}/namespaces/${namespace}/rolebindings`, roleName, {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: roleName, namespace },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
          subjects: [subject],
        });
        if (sa.clusterRules) {
          const clusterRoleName = `${namespace}:${serviceAccount}`;
          await upsert(`${rbac}/clusterroles`, clusterRoleName, {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRole',
            metadata: { name: clusterRoleName },
            rules: sa.clusterRules,
          });
          await upsert(`${rbac}/clusterrolebindings`, clusterRoleName, {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            metadata: { name: clusterRoleName },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName },
            subjects: [subject],
          });
        }
        const tokenRequest = await requestOk<{ status: { token: string } }>(
          'POST',
          `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`,
          {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenRequest',
            spec: { expirationSeconds: sa.expirationSeconds ?? 86_400 },
          },
        );
        return buildKubeconfig({
          name,
          server,
          caCertPem: pki.caCertPem,
          userName: `system:serviceaccount:${namespace}:${serviceAccount}`,
          token: tokenRequest.status.token,
          namespace,
        });
      },
      writeKubeconfig: (file, yaml) => writeKubeconfig(file, yaml ?? adminKubeconfig),
      async stopApiServer() {
        await apiserver?.stop();
      },
      async startApiServer() {
        if (stopped) throw new Error(`cluster ${name} is stopped`);
        await startApiServer();
      },
      async restartApiServer() {
        await cluster.stopApiServer();
        await cluster.startApiServer();
      },
      async stop() {
        stopped = true;
        await cleanup();
      },
    };
    return cluster;
  } catch (error) {
    await cleanup();
    throw error;
  }
}
