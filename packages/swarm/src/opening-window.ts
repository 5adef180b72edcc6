/**
 * Slow start for tab deposits (docs/payments.md, Lazy tabs). A swap carries `swapSize` deposits: `initial` at
 * first (a few outputs, ~0.1 s, so a run starts on its first tabs at once), then as many as tabs are open,
 * up to `maxSwap`. At most two swaps' worth are requested and not yet confirmed at once (one swap running,
 * the next gathering behind it; more would only queue). Deposits past that wait here, first come first.
 */
export interface OpeningWindowOptions {
  /** Deposits per swap before any tab is open. */
  initial: number;
  /** Never more deposits in one swap. */
  maxSwap: number;
  /** A place freed up or the window grew: waiting sub-calls may re-pick. */
  onRoom: () => void;
}

/** How long a claim holds a window place without its `prepare`, ms. */
const CLAIM_TTL_MS = 5_000;

export class OpeningWindow {
  readonly #options: OpeningWindowOptions;
  #inFlight = 0;
  #opened = 0;
  /** Most deposits ever in flight at once (what the tests hold to the bound). */
  peak = 0;
  readonly #waiting: Array<() => void> = [];
  /** Providers chosen for a new deposit whose `prepare` has not run yet, and since when (epoch ms). */
  readonly #claims = new Map<string, number>();

  constructor(options: OpeningWindowOptions) {
    this.#options = options;
  }

  /** Deposits one swap carries now: max(initial, tabs opened), at most `maxSwap`. */
  get swapSize(): number {
    const { initial, maxSwap } = this.#options;
    return Math.max(1, Math.min(maxSwap, Math.max(initial, this.#opened)));
  }

  /** Deposits allowed in flight now: two swaps' worth. */
  get size(): number {
    return 2 * this.swapSize;
  }

  /** Deposits requested and not yet confirmed (or given up). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** No new deposit may start without waiting (claims count: their deposits are on their way here). */
  get full(): boolean {
    return this.#inFlight + this.#waiting.length + this.#liveClaims() >= this.size;
  }

  /** `key` was chosen for a new deposit (selection's pick); `prepare` takes it over (`unclaim`). */
  claim(key: string, now = Date.now()): void {
    if (!this.#claims.has(key)) this.#claims.set(key, now);
  }

  unclaim(key: string): void {
    this.#claims.delete(key);
  }

  claimed(key: string): boolean {
    return this.#claims.has(key);
  }

  /** Claims younger than CLAIM_TTL_MS: one whose job went elsewhere (or was aborted) lapses. */
  #liveClaims(): number {
    if (this.#claims.size === 0) return 0;
    const oldest = Date.now() - CLAIM_TTL_MS;
    for (const [key, at] of this.#claims) if (at < oldest) this.#claims.delete(key);
    return this.#claims.size;
  }

  /** Resolves once a place is ours (at once when one is free). */
  acquire(): Promise<void> {
    if (this.#waiting.length === 0 && this.#inFlight < this.size) {
      this.#take();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** A place given back: its deposit confirmed (`opened`: a new tab is open) or given up. */
  release(opened: boolean): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (opened) this.#opened++;
    while (this.#waiting.length > 0 && this.#inFlight < this.size) {
      this.#take();
      this.#waiting.shift()?.();
    }
    this.#options.onRoom();
  }

  #take(): void {
    this.#inFlight++;
    this.peak = Math.max(this.peak, this.#inFlight);
  }
}
