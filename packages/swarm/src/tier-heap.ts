/**
 * A price tier's candidates in binary min-heaps that know where each one sits, so a candidate whose
 * standing changed (a job started or ended there) moves in O(log n) instead of the tier being re-sorted.
 * Order: `rank` (the expected finish in steps, see selector.ts), then fewer of our jobs in flight, then
 * fewer given so far (the even spread only; 0 otherwise), then the exact score, then position in the
 * directory (stable). A tier keeps candidates whose payment is held back
 * (no new payment may start there now: PaymentReadiness.mayStart) in a heap of their own, in the same
 * order, so that a pick while the hold lasts looks at one of them, not at every one.
 */

export interface Ranked {
  /** Expected finish in tolerance steps; Infinity: cannot take a job now (full or avoided). */
  rank: number;
  score: number;
  /** Our jobs in flight there when ranked (per slot, in the even spread). */
  load: number;
  /** Our jobs sent there so far, per slot, in the even spread; 0 in the other. */
  given: number;
  readonly order: number;
  /** Index in the heap; -1 when out of it. */
  pos: number;
}

export function before(a: Ranked, b: Ranked): boolean {
  if (a.rank !== b.rank) return a.rank < b.rank;
  if (a.load !== b.load) return a.load < b.load;
  if (a.given !== b.given) return a.given < b.given;
  if (a.score !== b.score) return a.score < b.score;
  return a.order < b.order;
}

export class TierHeap<T extends Ranked> {
  readonly #items: T[] = [];

  constructor(items: Iterable<T>) {
    for (const item of items) {
      item.pos = this.#items.length;
      this.#items.push(item);
    }
    for (let i = (this.#items.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    if (top === undefined) return undefined;
    const last = items.pop() as T;
    top.pos = -1;
    if (items.length > 0) {
      items[0] = last;
      last.pos = 0;
      this.#down(0);
    }
    return top;
  }

  push(item: T): void {
    item.pos = this.#items.length;
    this.#items.push(item);
    this.#up(item.pos);
  }

  /** Restores order after `item`'s rank, load or score changed (in the heap or not). */
  update(item: T): void {
    if (!this.has(item)) return;
    this.#up(item.pos);
    this.#down(item.pos);
  }

  has(item: T): boolean {
    return item.pos >= 0 && this.#items[item.pos] === item;
  }

  /** Takes `item` out (when it is in). */
  remove(item: T): void {
    if (!this.has(item)) return;
    const items = this.#items;
    const last = items.pop() as T;
    const at = item.pos;
    item.pos = -1;
    if (last === item) return;
    items[at] = last;
    last.pos = at;
    this.#up(at);
    this.#down(last.pos);
  }

  #up(i: number): void {
    const items = this.#items;
    const item = items[i] as T;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as T;
      if (!before(item, p)) break;
      items[i] = p;
      p.pos = i;
      i = parent;
    }
    items[i] = item;
    item.pos = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const item = items[i] as T;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && before(items[r] as T, items[l] as T) ? r : l;
      const c = items[child] as T;
      if (!before(c, item)) break;
      items[i] = c;
      c.pos = i;
      i = child;
    }
    items[i] = item;
    item.pos = i;
  }
}

/** A candidate that knows whether its payment is held back (see Tier). */
export interface Holdable extends Ranked {
  held: boolean;
}

/** One price tier: candidates a payment may start at now, and those held back, each in order. */
export class Tier<T extends Holdable> {
  readonly ready: TierHeap<T>;
  readonly held: TierHeap<T>;

  constructor(items: Iterable<T>) {
    const all = [...items];
    this.ready = new TierHeap(all.filter((item) => !item.held));
    this.held = new TierHeap(all.filter((item) => item.held));
  }

  /** Puts `item` in order in the heap its `held` names, moving it there when it sat in the other. */
  update(item: T): void {
    const [home, other] = item.held ? [this.held, this.ready] : [this.ready, this.held];
    if (other.has(item)) {
      other.remove(item);
      home.push(item);
    } else home.update(item);
  }

  /** Back into the heap its `held` names (after a pop). */
  push(item: T): void {
    (item.held ? this.held : this.ready).push(item);
  }

  /** The first in order of the ready heap's top and (unless `skipHeld`) the held heap's top. */
  peek(skipHeld: boolean): T | undefined {
    const a = this.ready.peek();
    const b = skipHeld ? undefined : this.held.peek();
    if (!a || !b) return a ?? b;
    return before(b, a) ? b : a;
  }

  /** Takes `item` (a top from `peek`) out of its heap. */
  take(item: T): void {
    (this.held.has(item) ? this.held : this.ready).remove(item);
  }
}
