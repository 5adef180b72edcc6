/**
 * A counting semaphore. `acquireUpTo(n)` waits for at least one permit and takes as many as are free (up to
 * n), so a batch can go out as one group instead of one by one, while never exceeding the cap.
 */
export class Limiter {
  private free: number;
  /** Wake-ups in arrival order (a Set: O(1) to drop an aborted waiter, O(k) to wake the first k). */
  private readonly waiting = new Set<() => void>();

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
    // Wake as many waiters as there are free permits, first come first served (each re-checks and waits
    // again if another took them). Waking everyone would make a 10,000-item batch quadratic.
    let permits = this.free;
    for (const wake of this.waiting) {
      if (permits-- <= 0) break;
      this.waiting.delete(wake);
      wake();
    }
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
        this.waiting.delete(wake);
        reject(abortReason(signal!));
      };
      const wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      this.waiting.add(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("aborted");
}
