#!/usr/bin/env node
// Builds the server and agent images (docker/*.Dockerfile) with podman, without a Docker daemon:
//   node scripts/build-images.mjs
// On a machine that cannot pull node:24-bookworm-slim (ours reach only Debian's mirror and the package
// registries) the base is the local STAND-IN, localhost/outpost-standin-base (scripts/images/
// standin-base.mjs); OUTPOST_BASE_IMAGE=node:24-bookworm-slim builds on the real one where it can be pulled.
// podman, runc and debootstrap are installed from Debian's packages when missing. Everything is cached in
// ~/.cache/outpost/images; a second run with unchanged sources takes seconds. Images: localhost/outpost/
// server:dev and localhost/outpost/agent:dev (`node scripts/podman.mjs images`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { root } from './lib.mjs';
import { AGENT_IMAGE, ensurePodman, podman, SERVER_IMAGE, STORAGE_DRIVER } from './images/podman.mjs';
import { buildStandinBase } from './images/standin-base.mjs';

/** The machine's npm setting `name`, or undefined (npm prints "undefined"/"null" for unset ones). */
function npmConfig(name) {
  const value = spawnSync('npm', ['config', 'get', name], { encoding: 'utf8' }).stdout?.trim();
  return value && value !== 'undefined' && value !== 'null' ? value : undefined;
}

/**
 * How a build reaches the npm registry: the machine's registry and the CA bundle that signs it (ours sit
 * behind a TLS-inspecting proxy with its own CA, which the base image does not trust). The CA goes in as
 * a build secret, mounted for the one step that downloads and never stored in a layer.
 */
function registryOptions() {
  const options = [];
  const registry = npmConfig('registry');
  if (registry) options.push('--build-arg', `NPM_CONFIG_REGISTRY=${registry}`);
  const ca = [npmConfig('cafile'), process.env.NODE_EXTRA_CA_CERTS].find((file) => file && existsSync(file));
  if (ca) options.push('--secret', `id=npm-ca,src=${ca}`);
  return options;
}

/**
 * Options of every build.
 *   --isolation chroot: RUN steps in a chroot, not an OCI container: no cgroups, no user namespace, the
 *     host's network; what works in a sandbox (an OCI RUN would need the same workarounds as `podman run`).
 *   --format docker: OCI image configs cannot hold HEALTHCHECK (podman drops it with a warning).
 *   --layers: each step is cached, so unchanged sources rebuild in seconds and a source change reuses the
 *     dependency layer (`pnpm fetch`).
 */
function buildOptions(pullPolicy) {
  return [
    '--isolation',
    'chroot',
    '--network',
    'host',
    '--format',
    'docker',
    '--layers',
    `--pull=${pullPolicy}`,
  ];
}

function timed(label, step) {
  const started = Date.now();
  const result = step();
  console.log(`\n✓ ${label} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return result;
}

function buildImage(dockerfile, image, baseImage, pullPolicy) {
  const status = podman(
    [
      'build',
      ...buildOptions(pullPolicy),
      ...registryOptions(),
      '--build-arg',
      `BASE_IMAGE=${baseImage}`,
      '--label',
      `org.outpost.base-image=${baseImage}`,
      '-f',
      dockerfile,
      '-t',
      image,
      root,
    ],
    { inherit: true },
  ).status;
  if (status !== 0) {
    console.error(`\n✗ building ${image} from ${dockerfile} failed (exit ${status})`);
    process.exit(1);
  }
}

const started = Date.now();
ensurePodman();
console.log(`podman storage driver: ${STORAGE_DRIVER}`);
const upstream = process.env.OUTPOST_BASE_IMAGE;
const baseImage = upstream || timed('stand-in base image', () => buildStandinBase(buildOptions('never')));
// The stand-in only exists locally: never look for it in a registry.
const pullPolicy = upstream ? 'missing' : 'never';
timed(SERVER_IMAGE, () => buildImage('docker/server.Dockerfile', SERVER_IMAGE, baseImage, pullPolicy));
timed(AGENT_IMAGE, () => buildImage('docker/agent.Dockerfile', AGENT_IMAGE, baseImage, pullPolicy));
const sizes = podman([
  'images',
  '--filter',
  'reference=localhost/outpost/*',
  '--format',
  '{{.Repository}}:{{.Tag}} {{.Size}}',
]);
console.log(`\nImages on ${baseImage} (${((Date.now() - started) / 1000).toFixed(0)} s):\n${sizes.stdout}`);
