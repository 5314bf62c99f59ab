// Shared by start.mjs, test.mjs and build-images.mjs: they need nothing but Node and npm on the machine
// (and, on Debian, what ensureDebianPackage installs).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const PNPM = 'pnpm@12.21.0';

/** Runs a command in the repo root with inherited output; exits with its code when it fails. */
export function run(command, args, { env = {}, allowFailure = false } = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0 && !allowFailure) {
    console.error(`\n✗ ${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
    process.exit(result.status ?? 1);
  }
  return result.status ?? 1;
}

/** pnpm through npx, so nothing has to be installed globally first. */
export function pnpm(args, options) {
  return run('npx', ['--yes', PNPM, ...args], options);
}

/** Installs dependencies exactly as locked and builds every package. */
export function installAndBuild() {
  pnpm(['install', '--frozen-lockfile', '--reporter=append-only']);
  pnpm(['run', 'build']);
}

/**
 * Installs a Debian package when `binary` is missing (Chromium for Playwright, docker-compose, podman…):
 * CI runs as root on a fresh Debian 12, so packages are installed on the spot; elsewhere through sudo.
 * Idempotent: nothing runs when the binary is there. Several engineers share a machine, so apt waits
 * for another apt's lock instead of failing at once.
 */
export function ensureDebianPackage(pkg, binary, why) {
  if (existsSync(binary)) return;
  const asRoot = process.getuid?.() === 0;
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const waitForLock = ['-o', 'DPkg::Lock::Timeout=600'];
  const apt = (args) =>
    asRoot
      ? run('apt-get', [...waitForLock, ...args], { env })
      : run('sudo', ['apt-get', ...waitForLock, ...args], { env });
  const sudo = asRoot ? '' : 'sudo ';
  console.log(
    `\n${why} need ${binary}, which is missing: installing Debian's ${pkg} package ` +
      `(${sudo}apt-get update && ${sudo}apt-get install -y ${pkg}).`,
  );
  apt(['update']);
  apt(['install', '-y', pkg]);
  if (!existsSync(binary)) {
    console.error(`apt-get installed ${pkg} but ${binary} is still missing.`);
    process.exit(1);
  }
}
