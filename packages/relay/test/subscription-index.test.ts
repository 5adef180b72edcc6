/** The fan-out index must find exactly what a brute-force scan of every filter finds. */
import { describe, expect, it } from "vitest";
// Seeded (mulberry32), so a failure can be replayed; the benchmark draws its data from the same generator.
import { rng } from "../bench/fixtures.js";
import type { NostrEvent } from "../src/event.js";
import { type Filter, matchesFilter, parseFilter } from "../src/filter.js";
import { SubscriptionIndex } from "../src/subscription-index.js";

const hex = (n: number) => n.toString(16).padStart(64, "0");

describe("SubscriptionIndex", () => {
  it("matches brute force over random filters and events", () => {
    const random = rng(42);
    const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)] as T;
    const some = <T>(items: T[]) => items.filter(() => random() < 0.3);
    const ids = Array.from({ length: 20 }, (_, i) => hex(i));
    const authors = Array.from({ length: 8 }, (_, i) => hex(1_000 + i));
    const kinds = [1, 7, 5050, 6050, 7000];
    const values = ["a", "b", "c", "d"];

    const randomFilter = (): Filter => {
      const raw: Record<string, unknown> = {};
      if (random() < 0.2) raw.ids = some(ids);
      if (random() < 0.4) raw.authors = some(authors);
      if (random() < 0.5) raw.kinds = some(kinds);
      if (random() < 0.4) raw["#e"] = some(values);
      if (random() < 0.2) raw["#p"] = some(values);
      if (random() < 0.3) raw.since = Math.floor(random() * 100);
      if (random() < 0.3) raw.until = Math.floor(random() * 100);
      const parsed = parseFilter(raw, { maxLimit: 10, defaultLimit: 10, maxFilterValues: 100 });
      if (!parsed.ok) throw new Error(parsed.reason);
      return parsed.filter;
    };
    const subs = Array.from({ length: 300 }, (_, i) => ({
      id: `s${i}`,
      filters: Array.from({ length: 1 + Math.floor(random() * 3) }, randomFilter),
    }));
    const index = new SubscriptionIndex<(typeof subs)[number]>();
    for (const sub of subs) index.add(sub);
    // Remove a third again, to exercise removal bookkeeping.
    const removed = new Set(subs.filter((_, i) => i % 3 === 0));
    for (const sub of removed) index.remove(sub);
    expect(index.size).toBe(subs.length - removed.size);

    let totalMatches = 0;
    for (let i = 0; i < 2_000; i++) {
      const event: NostrEvent = {
        id: pick(ids),
        pubkey: pick(authors),
        kind: pick(kinds),
        created_at: Math.floor(random() * 100),
        tags: [
          ["e", pick(values)],
          ["p", pick(values)],
          ["e", pick(values)],
        ],
        content: "",
        sig: "",
      };
      const expected = subs
        .filter((s) => !removed.has(s) && s.filters.some((f) => matchesFilter(f, event)))
        .map((s) => s.id)
        .sort();
      const actual = [...index.matching(event)].map((s) => s.id).sort();
      expect(actual).toEqual(expected);
      totalMatches += actual.length;
    }
    expect(totalMatches).toBeGreaterThan(1_000);
  });
});
