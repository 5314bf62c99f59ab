import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI: the tests run it as a user does, a Node process reading argv, env and stdin. */
export const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a CLI run in `home`: its config lives there, and the caller's own
 * OUTPOST_URL/OUTPOST_TOKEN never leak in (only `extra` may set them).
 */
export function cliEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
  delete env.OUTPOST_URL;
  delete env.OUTPOST_TOKEN;
  return { ...env, ...extra };
}

/** Starts the CLI in `home` (its working directory too) without waiting for it. */
export function startCli(
  home: string,
  args: string[],
  env: Record<string, string> = {},
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [MAIN, ...args], { cwd: home, env: cliEnv(home, env) });
}

/** Runs the CLI to its end and collects what it wrote. */
export function runCli(
  home: string,
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = startCli(home, args, options.env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Runs `outpost providers watch …` while cordoning and uncordoning `provider`, until it has printed a
 * CORDON_CHANGED event (the subscription starts just after the connection, so one change may come too
 * early: the change is repeated until its event arrives). Leaves the provider uncordoned, stops the
 * watch with SIGINT and returns what it printed and its exit code.
 */
export async function watchCordonChange(
  home: string,
  provider: string,
  watchArgs: string[],
  env: Record<string, string> = {},
): Promise<Result> {
  const child = startCli(home, ['providers', 'watch', ...watchArgs], env);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  try {
    const deadline = Date.now() + 20_000;
    while (!stderr.includes('Watching') && Date.now() < deadline) await pause(50);
    let cordoned = false;
    while (stderr.includes('Watching') && !stdout.includes('CORDON_CHANGED') && Date.now() < deadline) {
      cordoned = !cordoned;
      await runCli(
        home,
        cordoned
          ? ['providers', 'cordon', provider, '--reason', 'watch']
          : ['providers', 'uncordon', provider],
        { env },
      );
      await pause(200);
    }
    if (cordoned) await runCli(home, ['providers', 'uncordon', provider], { env });
  } finally {
    child.kill('SIGINT');
  }
  return { code: await exited, stdout, stderr };
}
