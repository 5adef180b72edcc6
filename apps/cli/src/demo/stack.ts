/**
 * Everything the demo starts, in one place with one way out: `Stack.stop()` runs every registered stop in
 * reverse order of start, once, whatever failed, so a failure or Ctrl-C part way through leaves nothing
 * running.
 */
export class Stack {
  readonly #stops: Array<{ name: string; stop: () => unknown }> = [];
  #stopped = false;

  /** Registers `stop` for `value` (started just now) and returns the value. */
  add<T>(name: string, value: T, stop: (value: T) => unknown): T {
    this.#stops.push({ name, stop: () => stop(value) });
    return value;
  }

  /** Stops everything, newest first; returns what failed to stop cleanly (never throws). */
  async stop(): Promise<string[]> {
    if (this.#stopped) return [];
    this.#stopped = true;
    const problems: string[] = [];
    for (const { name, stop } of this.#stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        problems.push(`while stopping ${name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return problems;
  }
}

/** A stop that may run early (providers before the accounting) and later again as a no-op. */
export function once(fn: () => Promise<unknown>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn().then(() => undefined);
    return done;
  };
}
