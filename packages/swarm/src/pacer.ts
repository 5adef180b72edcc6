/**
 * A token bucket for job starts. JobClient opens one relay subscription (REQ) per job, and relays limit
 * REQs per connection (ours: 50/s, burst 100; public relays are stricter); a refused REQ means a job whose
 * replies never reach us. So the swarm starts at most `perSecond` jobs a second, `burst` at once.
 */
export class Pacer {
  readonly #perSecond: number;
  readonly #burst: number;
  #tokens: number;
  #last = performance.now();
  #queue: Promise<void> = Promise.resolve();

  constructor(perSecond: number, burst = perSecond) {
    if (!(perSecond > 0) || !(burst >= 1)) throw new RangeError("perSecond must be > 0 and burst ≥ 1");
    this.#perSecond = perSecond;
    this.#burst = burst;
    this.#tokens = burst;
  }

  /** Resolves when a start is allowed (first come, first served). */
  take(): Promise<void> {
    const turn = this.#queue.then(() => this.#wait());
    this.#queue = turn;
    return turn;
  }

  async #wait(): Promise<void> {
    for (;;) {
      const now = performance.now();
      this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#perSecond);
      this.#last = now;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, ((1 - this.#tokens) / this.#perSecond) * 1000));
    }
  }
}
