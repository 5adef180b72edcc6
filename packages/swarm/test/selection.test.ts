/**
 * Selection rules on real signed announcements (no relay needed: the directory ingests them directly):
 * model, context and price filters, the capacity limit, avoidance as a last resort, latency-aware spread.
 */
import { RelayPool } from "@pylon/nostr";
import type { AnnouncementSpec } from "@pylon/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { ProviderDirectory } from "../src/directory.js";
import { HealthBook } from "../src/health.js";
import { createSelector, type JobNeeds, serves } from "../src/selection.js";
import { signedAnnouncement } from "./harness.js";

// Never dialled: the directory is fed by ingest() here.
const pool = new RelayPool(["ws://127.0.0.1:9"]);
afterAll(() => pool.close());

function setup(specs: Array<Partial<AnnouncementSpec>>) {
  const directory = new ProviderDirectory(pool);
  const keys = specs.map((spec) => {
    const event = signedAnnouncement({ capacity: { slots: 2, maxQueue: 1 }, ...spec });
    directory.ingest(event);
    return event.pubkey;
  });
  const health = new HealthBook();
  return { directory, health, keys, selector: createSelector(directory, health) };
}

const needs = (extra: Partial<JobNeeds> = {}): JobNeeds => ({
  model: "m",
  inputTokens: 100,
  maxTokens: 100,
  maxPriceMsats: undefined,
  ...extra,
});

describe("provider selection", () => {
  it("filters by model, context and worst-case price", () => {
    const { directory, keys } = setup([
      { price: { inputMsatsPer1k: 1000, outputMsatsPer1k: 1000 } }, // 100 in + 100 out → 200 msats
      { models: [{ name: "other", contextLength: 1000 }] },
    ]);
    const [priced, other] = keys.map((key) => directory.get(key)!);
    expect(serves(priced!, needs())).toBe(true);
    expect(serves(priced!, needs({ maxPriceMsats: 200 }))).toBe(true);
    expect(serves(priced!, needs({ maxPriceMsats: 199 }))).toBe(false);
    expect(serves(priced!, needs({ inputTokens: 1000 }))).toBe(false); // does not fit its context
    expect(serves(other!, needs())).toBe(false);
    expect(serves(other!, needs({ model: "OTHER" }))).toBe(true);
    expect(serves(other!, needs({ model: undefined }))).toBe(true);
  });

  it("says why no live provider serves a job, each refusal counted", () => {
    const { selector } = setup([
      { price: { inputMsatsPer1k: 1000, outputMsatsPer1k: 1000 } },
      {},
      { models: [{ name: "other", contextLength: 1000 }] },
    ]);
    expect(selector.whyNone(needs({ inputTokens: 1000 }))).toBe(
      "2 of 3 live: the 1000-token prompt exceeds its 1000-token context window; 1 of 3 live: does not offer model m",
    );
    expect(selector.whyNone(needs({ model: undefined, maxPriceMsats: 10 }))).toBe(
      "2 of 3 live: names no price (a price ceiling is set); 1 of 3 live: costs up to 200 msats, above the 10-msat ceiling",
    );
    expect(setup([]).selector.whyNone(needs())).toBe("no live provider on the relays");
  });

  it("never picks a provider whose announced slots + queue are taken by our jobs", () => {
    const { selector, health, keys } = setup([{}, {}]);
    const picks: string[] = [];
    for (let i = 0; i < 6; i++) {
      const entry = selector.pick(needs(), new Set());
      expect(entry).toBeDefined();
      health.started(entry!.pubkey);
      picks.push(entry!.pubkey);
    }
    expect(selector.pick(needs(), new Set())).toBeUndefined(); // 2 × (2 slots + 1 queue) in flight
    for (const key of keys) expect(picks.filter((p) => p === key)).toHaveLength(3);
    health.ended(keys[0]!);
    expect(selector.pick(needs(), new Set())?.pubkey).toBe(keys[0]);
  });

  it("prefers the faster provider, and uses avoided ones only when nothing else is left", () => {
    const { selector, health, keys } = setup([{}, {}]);
    const [fast, slow] = keys as [string, string];
    health.succeeded(fast, 50);
    health.succeeded(slow, 900);
    expect(selector.pick(needs(), new Set())?.pubkey).toBe(fast);
    health.failed(fast);
    health.failed(fast); // two in a row: avoided
    expect(health.isAvoided(fast)).toBe(true);
    expect(selector.pick(needs(), new Set())?.pubkey).toBe(slow);
    health.failed(slow);
    health.failed(slow);
    expect(selector.pick(needs(), new Set())).toBeDefined(); // all avoided: a doubtful one beats none
  });
});
