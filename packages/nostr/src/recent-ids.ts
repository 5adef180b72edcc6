/**
 * A bounded set of recently seen event ids, each with the event's created_at. When full, the oldest
 * insertion is evicted (a Map keeps insertion order, so eviction is O(1)). Memory stays bounded however long
 * a subscription lives; the capacity only needs to cover the resubscribe overlap and cross-relay duplicates.
 */
export class RecentIds {
  readonly #capacity: number;
  readonly #createdAt = new Map<string, number>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#createdAt.size;
  }

  has(id: string): boolean {
    return this.#createdAt.has(id);
  }

  /** created_at of a remembered id, or undefined. */
  createdAt(id: string): number | undefined {
    return this.#createdAt.get(id);
  }

  add(id: string, createdAt: number): void {
    if (this.#createdAt.has(id)) return;
    if (this.#createdAt.size >= this.#capacity) {
      const oldest = this.#createdAt.keys().next();
      if (!oldest.done) this.#createdAt.delete(oldest.value);
    }
    this.#createdAt.set(id, createdAt);
  }
}
