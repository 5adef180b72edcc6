/**
 * A counting semaphore. `acquireUpTo(n)` waits for at least one permit and takes as many as are free (up to
 * n), so a batch can go out as one group instead of slot by slot, while never exceeding the cap.
 */
export class Limiter {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError("capacity must be a positive integer");
    this.free = capacity;
  }

  get available(): number {
    return this.free;
  }

  /** Resolves with the number of permits taken (1…wanted); rejects if `signal` aborts while waiting. */
  async acquireUpTo(wanted: number, signal?: AbortSignal): Promise<number> {
    while (this.free === 0) await this.waitForRelease(signal);
    const taken = Math.max(1, Math.min(wanted, this.free));
    this.free -= taken;
    return taken;
  }

  release(count = 1): void {
    this.free = Math.min(this.capacity, this.free + count);
    // Wake everyone: each waiter re-checks, so no wake-up is lost when several permits come back at once.
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** Runs `task` holding one permit. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquireUpTo(1, signal);
    try {
      return await task();
    } finally {
      this.release(1);
    }
  }

  private waitForRelease(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiting.indexOf(wake);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(abortReason(signal!));
      };
      const wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      this.waiting.push(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("aborted");
}
