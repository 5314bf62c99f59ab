/**
 * What a test file started, stopped in afterAll in reverse order — including what was still starting
 * when a parallel start failed, so a failing beforeAll leaks no cluster or process.
 */
export class Teardown {
  private readonly pending: Array<Promise<unknown>> = [];
  private readonly stops: Array<() => Promise<unknown>> = [];

  /** Resolves with what `start` resolves with; `stop` runs at teardown once it has started. */
  track<T>(start: Promise<T>, stop: (started: T) => Promise<unknown>): Promise<T> {
    const started = start.then((value) => {
      this.stops.push(() => stop(value));
      return value;
    });
    this.pending.push(started.catch(() => undefined));
    return started;
  }

  /** Runs `stop` at teardown. */
  defer(stop: () => Promise<unknown>): void {
    this.stops.push(stop);
  }

  /** Waits for starts in flight, then stops everything, newest first; throws if any stop failed. */
  async run(): Promise<void> {
    await Promise.all(this.pending);
    const errors: unknown[] = [];
    for (const stop of this.stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'several stops failed');
  }
}
