/**
 * Streams generated text through while cutting it at the first stop string. It holds back any tail that
 * could be the start of a stop string, so text once emitted never has to be taken back.
 */
export class StopStringFilter {
  private pending = "";
  private hit = false;

  constructor(private readonly stops: readonly string[]) {}

  /** True once a stop string was found; later input is ignored. */
  get stopped(): boolean {
    return this.hit;
  }

  /** Feeds generated text and returns the part that is safe to emit now. */
  push(chunk: string): string {
    if (this.hit) return "";
    if (this.stops.length === 0) return chunk;
    this.pending += chunk;

    let cut = -1;
    for (const stop of this.stops) {
      const index = this.pending.indexOf(stop);
      if (index >= 0 && (cut < 0 || index < cut)) cut = index;
    }
    if (cut >= 0) {
      this.hit = true;
      const before = this.pending.slice(0, cut);
      this.pending = "";
      return before;
    }

    const held = this.longestStopPrefixAtEnd();
    const safe = this.pending.slice(0, this.pending.length - held);
    this.pending = this.pending.slice(this.pending.length - held);
    return safe;
  }

  /** Generation ended without a stop string: the held-back tail is ordinary text. */
  flush(): string {
    const rest = this.pending;
    this.pending = "";
    return rest;
  }

  private longestStopPrefixAtEnd(): number {
    const text = this.pending;
    for (let length = Math.min(text.length, this.longestStop() - 1); length > 0; length--) {
      const tail = text.slice(text.length - length);
      if (this.stops.some((stop) => stop.startsWith(tail))) return length;
    }
    return 0;
  }

  private longestStop(): number {
    return this.stops.reduce((longest, stop) => Math.max(longest, stop.length), 0);
  }
}

/** Cuts complete text at the earliest stop string. */
export function cutAtStop(text: string, stops: readonly string[]): { text: string; stopped: boolean } {
  const filter = new StopStringFilter(stops);
  const head = filter.push(text);
  return filter.stopped ? { text: head, stopped: true } : { text: head + filter.flush(), stopped: false };
}
