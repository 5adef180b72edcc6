/**
 * Everything a test starts registers its own undo here; `run()` (in afterEach/afterAll) undoes it all in
 * reverse order. Every task runs even when an earlier one fails, and the failures are thrown together at
 * the end: a failing close is never swallowed, and never leaves the rest of the test's processes running.
 */
export class Cleanup {
  #tasks: Array<() => unknown> = [];

  /** Registers `task` to run at the next `run()`, before everything registered earlier. */
  add(task: () => unknown): void {
    this.#tasks.push(task);
  }

  /** Registers `close(value)` and hands `value` back: `const relay = cleanup.use(await startRelay(), (r) => r.close())`. */
  use<T>(value: T, close: (value: T) => unknown): T {
    this.add(() => close(value));
    return value;
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (const task of this.#tasks.splice(0).reverse()) {
      try {
        await task();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} cleanup tasks failed`);
  }
}
