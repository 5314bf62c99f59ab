#!/usr/bin/env node
// podman with the project's image storage and this machine's settings (scripts/images/podman.mjs), for
// looking at what build-images.mjs built:  node scripts/podman.mjs images | run --rm … | logs <name>
// `run` needs scripts/images/podman.mjs's run options too on our machines: `podman.mjs run-here …` adds them.
import { podman, podmanRunOptions } from './images/podman.mjs';

const [command, ...rest] = process.argv.slice(2);
const args = command === 'run-here' ? ['run', ...podmanRunOptions(), ...rest] : process.argv.slice(2);
process.exit(podman(args, { inherit: true }).status);
