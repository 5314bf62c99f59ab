#!/usr/bin/env node
// `npm start`: install, build, and start Outpost on embedded defaults: PostgreSQL under the user's data
// directory (unless DATABASE_URL is set) and, unless KUBECONFIG is set, a local Kubernetes API (real
// etcd + kube-apiserver from packages/kube-testenv) for the built-in provider, so it turns READY.
// OUTPOST_LOCAL_KUBERNETES=false skips the local cluster. Prints the API URL; Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installAndBuild, root } from './lib.mjs';

installAndBuild();

const env = { ...process.env };
let cluster;
let kubeDir;
if (!env.KUBECONFIG && !env.KUBERNETES_SERVICE_HOST && env.OUTPOST_LOCAL_KUBERNETES !== 'false') {
  const kube = await import(path.join(root, 'packages/kube-testenv/dist/index.js'));
  try {
    await kube.ensureKubeBinaries({ log: (message) => console.log(`[local kubernetes] ${message}`) });
    cluster = await kube.startKubeCluster({ name: 'outpost-local' });
    const namespace = env.OUTPOST_BUILTIN_NAMESPACE || 'outpost-workspaces';
    await cluster.createNamespace(namespace);
    kubeDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-local-kube-'));
    env.KUBECONFIG = await cluster.writeKubeconfig(path.join(kubeDir, 'kubeconfig'));
    console.log(`Local Kubernetes API: ${cluster.server} (kubeconfig ${env.KUBECONFIG})`);
  } catch (error) {
    // Outpost still runs; the built-in provider stays PENDING and says how to connect a cluster.
    console.warn(`Could not start a local Kubernetes API (${error.message}); continuing without one.`);
  }
}

async function stopCluster() {
  await cluster?.stop();
  if (kubeDir) rmSync(kubeDir, { recursive: true, force: true });
}

const server = spawn(process.execPath, [path.join(root, 'apps/server/dist/main.js')], {
  stdio: 'inherit',
  env,
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', async (code, signal) => {
  await stopCluster();
  process.exit(code ?? (signal ? 1 : 0));
});
