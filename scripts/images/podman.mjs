// podman as the image scripts and the image tests run it (see docs/decisions/0161-podman-builds-images.md):
// rootful, no daemon, with its own storage under ~/.cache/outpost/images so the project's images and
// layer cache neither touch nor depend on anything else on the machine, and with the settings our
// machines need (each says why). One home for all of it: build-images.mjs and e2e/images.test.ts call
// `podman()`; `node scripts/podman.mjs …` gives a person the same podman (`… images`, `… logs <name>`).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDebianPackage } from '../lib.mjs';

/** Stand-in base, layer cache, downloads. Kept between runs (CI may restore ~/.cache/outpost). */
export const IMAGES_CACHE =
  process.env.OUTPOST_IMAGES_CACHE || path.join(os.homedir(), '.cache/outpost/images');

/**
 * overlay where the kernel has it (ours: native overlay on ext4, several times faster than vfs and a
 * fraction of the disk); OUTPOST_IMAGES_STORAGE_DRIVER=vfs where it does not (vfs copies every layer
 * in full but works on any filesystem). Each driver keeps its own storage: podman cannot switch one.
 */
export const STORAGE_DRIVER =
  process.env.OUTPOST_IMAGES_STORAGE_DRIVER || (kernelHasOverlay() ? 'overlay' : 'vfs');

/** The images build-images.mjs makes and the tests run. */
export const SERVER_IMAGE = 'localhost/outpost/server:dev';
export const AGENT_IMAGE = 'localhost/outpost/agent:dev';

function kernelHasOverlay() {
  try {
    return /\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8'));
  } catch {
    return false;
  }
}

/** Installs podman and runc from Debian's packages when missing (CI: a fresh machine, as root). */
export function ensurePodman() {
  ensureDebianPackage('podman', '/usr/bin/podman', 'Building and running the container images');
  // crun (podman's default runtime in Debian 12) refuses our machines' hybrid cgroup v1/v2 mounts
  // ("cgroups in hybrid mode not supported"); runc runs containers on v1, hybrid and v2 alike.
  ensureDebianPackage('runc', '/usr/sbin/runc', 'Running the container images');
}

/** podman's global options: the project's storage and this machine's runtime settings. */
export function podmanGlobalOptions() {
  // Runtime state (locks, the "containers running" database) belongs on /run, a tmpfs on most machines,
  // so that a reboot clears it as podman expects; images and layers go to the persistent cache.
  const state = path.join('/run/outpost-images', STORAGE_DRIVER);
  return [
    ['--root', path.join(IMAGES_CACHE, `storage-${STORAGE_DRIVER}`)],
    ['--runroot', path.join(state, 'runroot')],
    ['--tmpdir', path.join(state, 'libpod')],
    ['--storage-driver', STORAGE_DRIVER],
    ['--runtime', 'runc'],
    // No systemd here (PID 1 is not systemd): cgroups are managed directly, events go to a file.
    ['--cgroup-manager', 'cgroupfs'],
    ['--events-backend', 'file'],
  ].flat();
}

/**
 * Options for `podman run` on these machines.
 *   --network host: no bridge networking to set up; the tests' servers listen on 127.0.0.1 only.
 *   --ulimit: podman asks for 1,048,576 open files by default, and a process without CAP_SYS_RESOURCE
 *     (ours: `grep CapEff /proc/self/status` lacks bit 24) may not raise a limit above its own hard
 *     limit, so the runtime fails with "setrlimit RLIMIT_NOFILE: Operation not permitted". The
 *     container gets this process's own hard limit instead, and a process limit well under conmon's.
 */
export function podmanRunOptions() {
  return [
    '--network',
    'host',
    '--ulimit',
    `nofile=${hardLimit('Max open files', 4096)}`,
    '--ulimit',
    'nproc=4096',
  ];
}

function hardLimit(name, fallback) {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(name));
  const hard = Number(line?.slice(name.length).trim().split(/\s+/)[1]);
  return Number.isFinite(hard) ? Math.min(hard, 1_048_576) : fallback;
}

/**
 * Runs podman with the project's options. `inherit` streams its output (builds); otherwise stdout and
 * stderr are returned. Never throws on a non-zero exit: callers decide what a failure means.
 */
export function podman(args, { inherit = false, input } = {}) {
  if (!existsSync('/usr/bin/podman'))
    throw new Error('podman is not installed: run node scripts/build-images.mjs');
  const result = spawnSync('podman', [...podmanGlobalOptions(), ...args], {
    stdio: inherit ? 'inherit' : ['pipe', 'pipe', 'pipe'],
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** True when the image exists in the project's storage. */
export function imageExists(image) {
  return podman(['image', 'exists', image]).status === 0;
}
