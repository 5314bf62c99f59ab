// Shared by start.mjs and test.mjs: they need nothing but Node and npm on the machine.
import { spawnSync } from 'node:child_process';
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
