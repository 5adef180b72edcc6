/**
 * Coalesces a job's generated tokens into stream pieces (docs/protocol.md "Streaming (partial feedback)"):
 * at most one piece per `intervalMs`, and none while the previous one is still being published, so a fast
 * model or a slow relay never floods relays; at most `maxPieces` per job (after that the result carries the
 * rest). The first token goes out at once: what a buyer waits for is the first text.
 */

export interface PartialStreamSettings {
  /** Least time between two pieces of one job, ms. */
  intervalMs: number;
  /** Most pieces one job sends. */
  maxPieces: number;
}

/** Publishes piece `seq`; resolves when done (accepted or not). */
export type SendPiece = (seq: number, text: string) => Promise<unknown>;

export class PartialStream {
  readonly #send: SendPiece;
  readonly #settings: PartialStreamSettings;
  #pending = "";
  #seq = 0;
  #lastSentAt = Number.NEGATIVE_INFINITY;
  #sending = false;
  #timer: NodeJS.Timeout | undefined;
  #finished = false;

  constructor(send: SendPiece, settings: PartialStreamSettings) {
    this.#send = send;
    this.#settings = settings;
  }

  /** Pieces sent (or being sent) so far. */
  get pieces(): number {
    return this.#seq;
  }

  /** New text from the model. */
  push(text: string): void {
    if (this.#finished || text === "" || this.#seq >= this.#settings.maxPieces) return;
    this.#pending += text;
    this.#schedule();
  }

  /** No more pieces: text not sent yet stays for the result (which carries it all anyway). */
  finish(): void {
    this.#finished = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = "";
  }

  #schedule(): void {
    if (this.#sending || this.#timer || this.#pending === "") return;
    const wait = Math.max(0, this.#lastSentAt + this.#settings.intervalMs - Date.now());
    this.#timer = setTimeout(() => this.#flush(), wait);
    this.#timer.unref();
  }

  #flush(): void {
    this.#timer = undefined;
    if (this.#finished || this.#pending === "" || this.#seq >= this.#settings.maxPieces) return;
    const text = this.#pending;
    this.#pending = "";
    this.#sending = true;
    this.#lastSentAt = Date.now();
    void this.#send(this.#seq++, text)
      .catch(() => undefined)
      .finally(() => {
        this.#sending = false;
        if (!this.#finished) this.#schedule();
      });
  }
}
