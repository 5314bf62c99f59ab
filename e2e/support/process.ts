import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/**
 * A child process of a test (the server, an agent) with its output captured, so a test can wait for
 * a log line instead of sleeping, and show the output when it fails. Every process started here is
 * killed when the test process exits, however it exits.
 */

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
let pdeathsig: boolean | undefined;

/**
 * On Linux, util-linux's setpriv makes the kernel kill the child when its parent dies (vitest kills
 * workers outright, and exit hooks do not run then). setpriv execs the command, so the pid we signal
 * is the command's own.
 */
function wrapped(command: string, args: string[]): [string, string[]] {
  pdeathsig ??= spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true']).status === 0;
  return pdeathsig ? ['setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, args];
}

/**
 * The test process's environment without anything that configures Outpost, its agent or Kubernetes
 * access, so a developer's shell (or a pod the tests run in) cannot change what a test starts.
 */
export function inheritedEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^(OUTPOST_|KUBE)/.test(name) || name === 'DATABASE_URL') continue;
    env[name] = value;
  }
  return env;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class TestProcess {
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  private text = '';
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly label: string,
    command: string,
    args: string[],
    env: Record<string, string>,
  ) {
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => {
        for (const child of live) child.kill('SIGKILL');
      });
    }
    const [file, fileArgs] = wrapped(command, args);
    this.child = spawn(file, fileArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this.child);
    const onData = (chunk: Buffer) => {
      this.text += chunk.toString('utf8');
      for (const listener of this.listeners) listener();
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        live.delete(this.child);
        for (const listener of this.listeners) listener();
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything it wrote to stdout and stderr so far. */
  output(): string {
    return this.text;
  }

  /**
   * Resolves with the first match of `pattern` in the output written from `from` (a length of
   * `output()` taken earlier) on; rejects with the output when it does not appear in time or the
   * process exits first.
   */
  waitForOutput(
    pattern: RegExp,
    options: { timeoutMs?: number; from?: number } = {},
  ): Promise<RegExpExecArray> {
    const { timeoutMs = 15_000, from = 0 } = options;
    return new Promise((resolve, reject) => {
      const finish = (error: Error | null, match?: RegExpExecArray) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        if (error) reject(error);
        else resolve(match!);
      };
      const check = () => {
        const match = pattern.exec(this.text.slice(from));
        if (match) return finish(null, match);
        if (!this.running) finish(new Error(`${this.label} exited before writing ${pattern}:\n${this.text}`));
      };
      const timer = setTimeout(
        () =>
          finish(new Error(`${this.label} did not write ${pattern} within ${timeoutMs} ms:\n${this.text}`)),
        timeoutMs,
      );
      this.listeners.add(check);
      check();
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it exited. */
  async stop(graceMs = 15_000): Promise<Exit> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  /** SIGKILL: the process gets no chance to say goodbye. */
  async kill(): Promise<Exit> {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }
}
