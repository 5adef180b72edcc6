/**
 * A binary min-heap of a price tier's candidates that knows where each one sits, so a candidate whose
 * standing changed (a job started or ended there) moves in O(log n) instead of the tier being re-sorted.
 * Order: `rank` (the expected finish in steps, see selector.ts), then fewer of our jobs in flight, then the
 * exact score, then position in the directory (stable).
 */

export interface Ranked {
  /** Expected finish in tolerance steps; Infinity: cannot take a job now (full or avoided). */
  rank: number;
  score: number;
  /** Our jobs in flight there when ranked. */
  load: number;
  readonly order: number;
  /** Index in the heap; -1 when out of it. */
  pos: number;
}

export function before(a: Ranked, b: Ranked): boolean {
  if (a.rank !== b.rank) return a.rank < b.rank;
  if (a.load !== b.load) return a.load < b.load;
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
    if (item.pos < 0) return;
    this.#up(item.pos);
    this.#down(item.pos);
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
