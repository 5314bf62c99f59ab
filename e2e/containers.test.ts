import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validate } from 'dockerfile-utils';

// Without a Docker engine: the Dockerfiles are linted and the compose file is validated by Debian's
// docker-compose (`config -q` parses and interpolates it without an engine; npm test installs it). The
// images themselves are built and run with podman by e2e/images.test.ts.
const root = fileURLToPath(new URL('..', import.meta.url));
const DOCKERFILES = ['docker/server.Dockerfile', 'docker/agent.Dockerfile'];

function composeConfig(env: Record<string, string>) {
  return spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
}

describe('container images and docker-compose', () => {
  it.each(DOCKERFILES)('%s passes the Dockerfile linter', (file) => {
    expect(validate(readFileSync(`${root}/${file}`, 'utf8'))).toEqual([]);
  });

  it('the linter reports broken instructions (so an empty result means something)', () => {
    expect(validate('FROM node:24-bookworm-slim\nRUNN echo hi\nEXPOSE not-a-port\n').length).toBeGreaterThan(
      0,
    );
  });

  it.each(DOCKERFILES)('%s is multi-stage on a current Node LTS and runs as a non-root user', (file) => {
    const lines = readFileSync(`${root}/${file}`, 'utf8').split('\n');
    const froms = lines.filter((line) => line.startsWith('FROM '));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    // Every stage starts from BASE_IMAGE (a build argument, so that scripts/build-images.mjs can pass a
    // local stand-in where Docker Hub is out of reach), which is the upstream Node image by default.
    expect(lines).toContainEqual(expect.stringMatching(/^ARG BASE_IMAGE=node:(22|24)-bookworm-slim$/));
    for (const from of froms) expect(from).toMatch(/^FROM \$\{BASE_IMAGE\}( AS \w+)?$/);
    const finalStage = lines.slice(lines.lastIndexOf(froms.at(-1)!));
    expect(finalStage.some((line) => /^USER (node|\d+)$/.test(line))).toBe(true);
    // Only production dependencies reach the final stage: it copies a `pnpm deploy --prod` output.
    expect(lines.join('\n')).toMatch(/deploy --prod/);
    expect(finalStage.join('\n')).not.toMatch(/pnpm install/);
  });

  it('docker-compose.yml is valid, and refuses to start without an admin password', () => {
    const valid = composeConfig({ OUTPOST_ADMIN_PASSWORD: 'a-long-enough-password' });
    expect(valid.stderr).toBe('');
    expect(valid.status).toBe(0);
    const missing = composeConfig({});
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('OUTPOST_ADMIN_PASSWORD');
  });

  it('docker-compose.yml runs PostgreSQL with a volume and the server with health checks', () => {
    const config = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', OUTPOST_ADMIN_PASSWORD: 'a-long-enough-password' },
      encoding: 'utf8',
    }).stdout;
    expect(config).toMatch(/postgres-data:\/var\/lib\/postgresql\/data/);
    expect(config).toMatch(/dockerfile: docker\/server\.Dockerfile/);
    expect(config.match(/healthcheck:/g)?.length).toBe(2);
  });
});
