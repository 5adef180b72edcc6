import { describe, expect, it } from "vitest";
import { backoffDelay } from "../src/backoff.js";
import { RecentIds } from "../src/recent-ids.js";
import { normaliseRelayUrl } from "../src/relay-url.js";
import { resumeFilters } from "../src/resume-filters.js";

describe("backoffDelay", () => {
  const options = { initialDelayMs: 100, maxDelayMs: 1_000 };

  it("doubles the ceiling per attempt and keeps the delay in [ceiling/2, ceiling]", () => {
    expect(backoffDelay(0, options, () => 0)).toBe(50);
    expect(backoffDelay(0, options, () => 1)).toBe(100);
    expect(backoffDelay(1, options, () => 1)).toBe(200);
    expect(backoffDelay(3, options, () => 0)).toBe(400);
  });

  it("never exceeds the maximum, however many attempts", () => {
    for (const attempt of [4, 10, 100, 10_000]) {
      expect(backoffDelay(attempt, options, () => 1)).toBe(1_000);
      expect(backoffDelay(attempt, options, () => 0)).toBe(500);
    }
  });

  it("spreads delays with jitter", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, options)));
    expect(delays.size).toBeGreaterThan(10);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(500);
  });
});

describe("RecentIds", () => {
  it("remembers ids with their created_at and evicts the oldest beyond capacity", () => {
    const ids = new RecentIds(3);
    ids.add("a", 1);
    ids.add("b", 2);
    ids.add("c", 3);
    ids.add("a", 99); // already present: no change, no eviction
    expect(ids.createdAt("a")).toBe(1);
    ids.add("d", 4);
    expect(ids.has("a")).toBe(false);
    expect(["b", "c", "d"].every((id) => ids.has(id))).toBe(true);
    expect(ids.size).toBe(3);
  });

  it("rejects a capacity that is not a positive integer", () => {
    expect(() => new RecentIds(0)).toThrow(RangeError);
    expect(() => new RecentIds(1.5)).toThrow(RangeError);
  });
});

describe("resumeFilters", () => {
  it("copies the caller's filters unchanged when there is no cursor", () => {
    const filters = [{ kinds: [1], limit: 10 }];
    const resumed = resumeFilters(filters, undefined, 30);
    expect(resumed).toEqual(filters);
    expect(resumed[0]).not.toBe(filters[0]);
  });

  it("resumes from cursor minus overlap, drops limit, and never goes before the caller's since", () => {
    expect(resumeFilters([{ kinds: [1], limit: 10 }], 1_000, 30)).toEqual([{ kinds: [1], since: 970 }]);
    expect(resumeFilters([{ kinds: [1], since: 990 }], 1_000, 30)).toEqual([{ kinds: [1], since: 990 }]);
    expect(resumeFilters([{ authors: ["x"] }], 10, 30)).toEqual([{ authors: ["x"], since: 0 }]);
  });
});

describe("normaliseRelayUrl", () => {
  it("normalises ws and wss URLs", () => {
    expect(normaliseRelayUrl("WS://Example.com:80/")).toBe("ws://example.com/");
    expect(normaliseRelayUrl(" wss://relay.example/path/ ")).toBe("wss://relay.example/path");
  });

  it("rejects other schemes and garbage with a clear error", () => {
    expect(() => normaliseRelayUrl("https://relay.example")).toThrow(/ws:\/\/ or wss:\/\//);
    expect(() => normaliseRelayUrl("")).toThrow(/non-empty/);
    expect(() => normaliseRelayUrl("ws://")).toThrow(/invalid relay URL/);
  });
});
