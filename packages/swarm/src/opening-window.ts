/**
 * Slow start for tab deposits (docs/payments.md, Lazy tabs): at most `size` deposits requested and not yet
 * confirmed at once, `size` starting small (so the first swap is a few outputs, ~0.1 s, and a run starts on
 * its first tabs at once) and growing with the tabs confirmed, up to a cap (two swaps' worth: one running,
 * one gathering; more would only queue behind them). Deposits past the window wait here, first come first.
 */
export interface OpeningWindowOptions {
  /** Deposits in flight allowed before any tab is confirmed. */
  initial: number;
  /** Never more than this in flight. */
  max: number;
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

  /** Deposits allowed in flight now: max(initial, tabs opened), at most `max`. */
  get size(): number {
    return Math.max(1, Math.min(this.#options.max, Math.max(this.#options.initial, this.#opened)));
  }

  /** Deposits requested and not yet confirmed (or given up). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Deposits waiting for a place. */
  get waiting(): number {
    return this.#waiting.length;
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
