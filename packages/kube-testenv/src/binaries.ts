import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, sleep } from './util.js';

export interface KubeBinaries {
  etcd: string;
  kubeApiserver: string;
  helm: string;
  version: { kubernetes: string; etcd: string; helm: string };
}

export interface EnsureKubeBinariesOptions {
  /** Progress messages (a build is minutes long). Default: stderr. */
  log?: (message: string) => void;
}

type ToolName = 'etcd' | 'kube-apiserver' | 'helm';

interface Tool {
  name: ToolName;
  /** The module whose version go.mod pins (the version we report). */
  module: string;
  /** The main package to build. */
  pkg: string;
  /** Cold build on a 2-core machine, for the "first run only" message. */
  coldBuildMinutes: number;
  /** -X flags: a module build leaves the version variables at their placeholders otherwise. */
  ldflags(goMod: string): string[];
}

// dist/ and src/ both sit one level below the package root; tools/ ships with the package.
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = path.join(packageRoot, 'tools');

const TOOLS: Tool[] = [
  {
    name: 'etcd',
    module: 'go.etcd.io/etcd/server/v3',
    pkg: 'go.etcd.io/etcd/server/v3',
    coldBuildMinutes: 1,
    ldflags: () => [],
  },
  {
    name: 'kube-apiserver',
    module: 'k8s.io/kubernetes',
    pkg: 'k8s.io/kubernetes/cmd/kube-apiserver',
    coldBuildMinutes: 5,
    ldflags(goMod) {
      // Without these /version says v0.0.0-master, and clients (helm's kubeVersion checks, the
      // agent's cluster report) see a nonsense server version.
      const version = requiredVersion(goMod, 'k8s.io/kubernetes');
      const [major, minor] = version.replace(/^v/, '').split('.');
      return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
        `-X ${pkg}.gitVersion=${version}`,
        `-X ${pkg}.gitMajor=${major}`,
        `-X ${pkg}.gitMinor=${minor}`,
        `-X ${pkg}.gitTreeState=clean`,
      ]);
    },
  },
  {
    name: 'helm',
    module: 'helm.sh/helm/v3',
    pkg: 'helm.sh/helm/v3/cmd/helm',
    coldBuildMinutes: 1,
    ldflags(goMod) {
      // The same variables helm's Makefile sets: its version, and the Kubernetes version that
      // `helm template`/`helm lint` assume when no cluster is asked (from the client-go it uses).
      const version = requiredVersion(goMod, 'helm.sh/helm/v3');
      const [, minor] = requiredVersion(goMod, 'k8s.io/client-go').replace(/^v/, '').split('.');
      return [
        `-X helm.sh/helm/v3/internal/version.version=${version}`,
        '-X helm.sh/helm/v3/internal/version.gitTreeState=clean',
        ...['helm.sh/helm/v3/pkg/lint/rules', 'helm.sh/helm/v3/pkg/chartutil'].flatMap((pkg) => [
          `-X ${pkg}.k8sVersionMajor=1`,
          `-X ${pkg}.k8sVersionMinor=${minor}`,
        ]),
      ];
    },
  },
];

function requiredVersion(goMod: string, module: string): string {
  const escaped = module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(goMod);
  if (!match?.[1]) throw new Error(`${module} is not required in the kube-testenv tools go.mod`);
  return match[1];
}

/** `$XDG_CACHE_HOME/outpost/kube-binaries`: outside the repo, so fresh clones (CI) reuse it. */
export function kubeBinariesCacheDir(): string {
  if (process.env.OUTPOST_KUBE_BINARIES_DIR) return path.resolve(process.env.OUTPOST_KUBE_BINARIES_DIR);
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'outpost', 'kube-binaries');
}

interface BuildPlan {
  tool: Tool;
  version: string;
  dir: string;
  binary: string;
  ldflags: string;
}

function plan(tool: Tool): BuildPlan {
  const moduleDir = path.join(toolsDir, tool.name);
  const goMod = readFileSync(path.join(moduleDir, 'go.mod'), 'utf8');
  const goSum = readFileSync(path.join(moduleDir, 'go.sum'), 'utf8');
  const version = requiredVersion(goMod, tool.module);
  const ldflags = ['-s', '-w', ...tool.ldflags(goMod)].join(' ');
  // Keyed by everything that changes the binary, so a version bump builds anew and never reuses
  // a stale binary; the version stays readable in the folder name. Comment lines are left out:
  // rewording one should not cost a rebuild.
  const pins = goMod
    .split('\n')
    .filter((line) => !line.trim().startsWith('//'))
    .join('\n');
  const key = createHash('sha256')
    .update([pins, goSum, ldflags, process.platform, process.arch].join('\0'))
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(kubeBinariesCacheDir(), `${tool.name}-${version}-${key}`);
  return { tool, version, dir, binary: path.join(dir, tool.name), ldflags };
}

let cached: Promise<KubeBinaries> | undefined;

/**
 * The etcd, kube-apiserver and helm binaries. etcd and kube-apiserver come from KUBEBUILDER_ASSETS
 * when it is set (the envtest convention), helm from HELM_BINARY; everything else is built once
 * from the pinned Go modules in tools/ and cached outside the repo (see kubeBinariesCacheDir).
 * Safe to call from several processes at once: one builds, the others wait for it.
 */
export function ensureKubeBinaries(options: EnsureKubeBinariesOptions = {}): Promise<KubeBinaries> {
  cached ??= resolveBinaries(options.log ?? ((message) => process.stderr.write(`${message}\n`)));
  // A failed build should not poison the process: let the next caller try again.
  cached.catch(() => (cached = undefined));
  return cached;
}

async function resolveBinaries(log: (message: string) => void): Promise<KubeBinaries> {
  const [etcdPlan, apiserverPlan, helmPlan] = TOOLS.map(plan) as [BuildPlan, BuildPlan, BuildPlan];
  const assets = process.env.KUBEBUILDER_ASSETS;
  let etcd: string;
  let kubeApiserver: string;
  let kubernetesVersion = apiserverPlan.version;
  let etcdVersion = etcdPlan.version;
  if (assets) {
    etcd = path.join(assets, 'etcd');
    kubeApiserver = path.join(assets, 'kube-apiserver');
    for (const file of [etcd, kubeApiserver])
      if (!existsSync(file)) throw new Error(`KUBEBUILDER_ASSETS is set but ${file} does not exist`);
    // Binaries we did not build: ask them which version they are.
    kubernetesVersion = versionOutput(kubeApiserver, /v\d+\.\d+\.\d+\S*/) ?? 'unknown';
    const etcdOutput = versionOutput(etcd, /etcd Version: v?(\S+)/);
    etcdVersion = etcdOutput ? `v${etcdOutput}` : 'unknown';
  } else {
    etcd = await ensureBuilt(etcdPlan, log);
    kubeApiserver = await ensureBuilt(apiserverPlan, log);
  }
  let helm: string;
  let helmVersion = helmPlan.version;
  if (process.env.HELM_BINARY) {
    helm = path.resolve(process.env.HELM_BINARY);
    helmVersion = versionOutput(helm, /v\d+\.\d+\.\d+\S*/, ['version', '--short']) ?? 'unknown';
  } else {
    helm = await ensureBuilt(helmPlan, log);
  }
  return {
    etcd,
    kubeApiserver,
    helm,
    version: { kubernetes: kubernetesVersion, etcd: etcdVersion, helm: helmVersion },
  };
}

function versionOutput(binary: string, pattern: RegExp, args = ['--version']): string | undefined {
  const result = spawnSync(binary, args, { encoding: 'utf8' });
  const match = pattern.exec(`${result.stdout}${result.stderr}`);
  return match?.[1] ?? match?.[0];
}

async function ensureBuilt(build: BuildPlan, log: (message: string) => void): Promise<string> {
  if (existsSync(build.binary)) return build.binary;
  await mkdir(path.dirname(build.dir), { recursive: true });
  const release = await lock(`${build.dir}.lock`, build.tool.name, log);
  try {
    // Another process may have finished it while we waited for the lock.
    if (existsSync(build.binary)) return build.binary;
    // Leftovers of builds that were killed (holding the lock, no one else is writing them).
    const parent = path.dirname(build.dir);
    for (const entry of await readdir(parent))
      if (entry.startsWith(`${path.basename(build.dir)}.tmp-`))
        await rm(path.join(parent, entry), { recursive: true, force: true });
    await goBuild(build, log);
    return build.binary;
  } finally {
    await release();
  }
}

async function goBuild(build: BuildPlan, log: (message: string) => void): Promise<void> {
  const { tool } = build;
  if (spawnSync('go', ['version']).error)
    throw new Error(
      `building ${tool.name} needs Go (1.26 or newer) on PATH; or set KUBEBUILDER_ASSETS to a folder ` +
        'holding etcd and kube-apiserver (and HELM_BINARY to a helm)',
    );
  log(
    `building ${tool.name} ${build.version} from Go modules (first run only, ~${tool.coldBuildMinutes} min) into ${build.dir}`,
  );
  const started = Date.now();
  // A private temp folder next to the final one, renamed into place when complete: a killed build
  // never leaves a half-written binary where the next run would trust it.
  const temp = `${build.dir}.tmp-${process.pid}-${Date.now()}`;
  await rm(temp, { recursive: true, force: true });
  await mkdir(temp, { recursive: true });
  try {
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        'go',
        ['build', '-trimpath', `-ldflags=${build.ldflags}`, '-o', path.join(temp, tool.name), tool.pkg],
        {
          cwd: path.join(toolsDir, tool.name),
          env: {
            ...process.env,
            // Static binaries, no C toolchain needed; the go.mod/go.sum in the repo are the pins
            // (readonly: a build never rewrites them); no go.work or VCS stamping from around us.
            CGO_ENABLED: '0',
            GOFLAGS: '-mod=readonly -buildvcs=false',
            GOWORK: 'off',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0)
      throw new Error(`go build of ${tool.pkg} failed (exit ${code}):\n${output.join('').slice(-4000)}`);
    try {
      await rename(temp, build.dir);
    } catch (error) {
      // Someone else's build won the race (a lock taken over as stale): theirs is as good.
      if (!existsSync(build.binary)) throw error;
    }
    log(`built ${tool.name} ${build.version} in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/**
 * A lock file holding the builder's pid. Only saves duplicate work (the rename above keeps the
 * cache correct either way), so a lock whose process is gone is simply taken over.
 */
async function lock(
  file: string,
  what: string,
  log: (message: string) => void,
): Promise<() => Promise<void>> {
  let told = false;
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await unlink(file).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    // A pid from before a reboot may belong to someone else by now; no build takes an hour.
    const old = Date.now() - ((await stat(file).catch(() => undefined))?.mtimeMs ?? Date.now()) > 3_600_000;
    if (!holder || !isAlive(holder) || old) {
      // Empty: its writer may be between open and write; give it a moment before taking over.
      if (!holder) await sleep(1000);
      const again = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (again === holder) await unlink(file).catch(() => undefined);
      continue;
    }
    if (!told) log(`waiting for process ${holder}, which is building ${what}`);
    told = true;
    await sleep(1000);
  }
}
