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

export class OpeningWindow {
  readonly #options: OpeningWindowOptions;
  #inFlight = 0;
  #opened = 0;
  /** Most deposits ever in flight at once (what the tests hold to the bound). */
  peak = 0;
  readonly #waiting: Array<() => void> = [];

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

  /** No new deposit may start without waiting. */
  get full(): boolean {
    return this.#inFlight + this.#waiting.length >= this.size;
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
