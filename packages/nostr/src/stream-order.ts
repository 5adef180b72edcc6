/**
 * Puts a streamed answer's pieces (docs/protocol.md "Streaming (partial feedback)") back in order: relays
 * may deliver `["seq", n]` pieces out of order, so a piece ahead of the next expected one waits until the gap
 * is filled; what is delivered is always contiguous text from the start. The wait is bounded: pieces more
 * than `maxBuffered` ahead are dropped (the final result carries all the text anyway). Foreign pieces without
 * a seq are delivered in arrival order.
 */
export class StreamOrder {
  readonly #deliver: (text: string) => void;
  readonly #maxBuffered: number;
  readonly #waiting = new Map<number, string>();
  #next = 0;

  constructor(deliver: (text: string) => void, maxBuffered = 256) {
    this.#deliver = deliver;
    this.#maxBuffered = maxBuffered;
  }

  /** Text delivered so far ends with piece `next - 1`. */
  get next(): number {
    return this.#next;
  }

  /** Pieces held back, waiting for a gap before them to fill. */
  get waiting(): number {
    return this.#waiting.size;
  }

  push(seq: number | undefined, text: string): void {
    if (seq === undefined) {
      this.#emit(text);
      return;
    }
    if (seq < this.#next || this.#waiting.has(seq)) return; // a duplicate (two relays, a re-query)
    if (seq > this.#next) {
      if (seq - this.#next <= this.#maxBuffered) this.#waiting.set(seq, text);
      return;
    }
    this.#next++;
    this.#emit(text);
    for (
      let piece = this.#waiting.get(this.#next);
      piece !== undefined;
      piece = this.#waiting.get(this.#next)
    ) {
      this.#waiting.delete(this.#next);
      this.#next++;
      this.#emit(piece);
    }
  }

  #emit(text: string): void {
    if (text === "") return;
    try {
      this.#deliver(text);
    } catch {
      // a throwing reader must not break the job
    }
  }
}
