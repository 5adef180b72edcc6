/**
 * Finds the open subscriptions a new event matches without testing every filter.
 *
 * Each filter is filed under the values of ONE of its fields (ids, else authors, else a tag, else kinds);
 * since a match needs every field to match, looking up the event's id, pubkey, kind and tag values finds
 * every filter it could match. Filters with none of those fields (e.g. only `since`) sit in a small list
 * that is always checked. Candidates are then confirmed with the full in-memory match.
 */
import type { NostrEvent } from "./event.js";
import { type Filter, matchesFilter } from "./filter.js";

/** Anything with filters; the index hands the same objects back from `matching`. */
export interface Indexable {
  readonly filters: readonly Filter[];
}

interface Entry<S> {
  sub: S;
  filter: Filter;
}

function indexKeys(filter: Filter): string[] | null {
  if (filter.ids) return filter.ids.map((id) => `i${id}`);
  if (filter.authors) return filter.authors.map((pubkey) => `a${pubkey}`);
  if (filter.tags) {
    const first = filter.tags.entries().next().value;
    if (first) return first[1].map((value) => `t${first[0]}:${value}`);
  }
  if (filter.kinds) return filter.kinds.map((kind) => `k${kind}`);
  return null;
}

export class SubscriptionIndex<S extends Indexable> {
  readonly #buckets = new Map<string, Set<Entry<S>>>();
  readonly #unindexed = new Set<Entry<S>>();
  readonly #entries = new Map<S, { entry: Entry<S>; keys: string[] | null }[]>();

  get size(): number {
    return this.#entries.size;
  }

  add(sub: S): void {
    const filed: { entry: Entry<S>; keys: string[] | null }[] = [];
    for (const filter of sub.filters) {
      const entry = { sub, filter };
      const keys = indexKeys(filter);
      if (keys === null) this.#unindexed.add(entry);
      else {
        for (const key of keys) {
          let bucket = this.#buckets.get(key);
          if (!bucket) {
            bucket = new Set();
            this.#buckets.set(key, bucket);
          }
          bucket.add(entry);
        }
      }
      filed.push({ entry, keys });
    }
    this.#entries.set(sub, filed);
  }

  remove(sub: S): void {
    const filed = this.#entries.get(sub);
    if (!filed) return;
    this.#entries.delete(sub);
    for (const { entry, keys } of filed) {
      if (keys === null) {
        this.#unindexed.delete(entry);
        continue;
      }
      for (const key of keys) {
        const bucket = this.#buckets.get(key);
        bucket?.delete(entry);
        if (bucket?.size === 0) this.#buckets.delete(key);
      }
    }
  }

  /** Every subscription with at least one filter matching the event, each once. */
  matching(event: NostrEvent): Set<S> {
    const found = new Set<S>();
    const check = (entries: Set<Entry<S>> | undefined) => {
      if (!entries) return;
      for (const { sub, filter } of entries) {
        if (!found.has(sub) && matchesFilter(filter, event)) found.add(sub);
      }
    };
    check(this.#unindexed);
    if (this.#buckets.size === 0) return found;
    check(this.#buckets.get(`i${event.id}`));
    check(this.#buckets.get(`a${event.pubkey}`));
    check(this.#buckets.get(`k${event.kind}`));
    for (const tag of event.tags) {
      const name = tag[0];
      if (name !== undefined && name.length === 1 && tag[1] !== undefined) {
        check(this.#buckets.get(`t${name}:${tag[1]}`));
      }
    }
    return found;
  }
}
