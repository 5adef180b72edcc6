/**
 * Selection with trust, on real signed announcements (the directory ingests them; no relay): blocked
 * providers are never eligible, trust and price weigh the score as docs/swarm.md says, a required model
 * digest filters, a provider announcing none is a little less wanted, and the probation cap holds back
 * ordinary jobs but not checks. The keeper runs on a real (in-memory) reputation book.
 */
import { RelayPool } from "@pylon/nostr";
import type { AnnouncementSpec } from "@pylon/protocol";
import { DEFAULT_SCHEDULE, ReputationBook } from "@pylon/trust";
import { afterAll, describe, expect, it } from "vitest";
import { ProviderDirectory, type ProviderEntry } from "../src/directory.js";
import { HealthBook } from "../src/health.js";
import {
  createSelector,
  type JobNeeds,
  NO_DIGEST_FACTOR,
  type SelectionTrust,
  selectionScore,
} from "../src/selection.js";
import { TrustKeeper } from "../src/trust-keeper.js";
import { signedAnnouncement } from "./harness.js";

const pool = new RelayPool(["ws://127.0.0.1:9"]);
afterAll(() => pool.close());

const DIGEST = `sha256:${"ab".repeat(32)}`;

function setup(specs: Array<Partial<AnnouncementSpec>>, trust?: SelectionTrust) {
  const directory = new ProviderDirectory(pool);
  const keys = specs.map((spec) => {
    const event = signedAnnouncement({ capacity: { slots: 2, maxQueue: 2 }, ...spec });
    directory.ingest(event);
    return event.pubkey;
  });
  const health = new HealthBook();
  return { directory, health, keys, selector: createSelector(directory, health, trust) };
}

/** Gives the entry's model offer a digest, as a provider announcing one has (ModelOffer.digest). */
function announceDigest(entry: ProviderEntry, digest: string): void {
  Object.assign(entry.announcement.models[0]!, { digest });
}

const needs = (extra: Partial<JobNeeds> = {}): JobNeeds => ({
  model: "m",
  inputTokens: 100,
  maxTokens: 100,
  maxPriceMsats: undefined,
  ...extra,
});

function fakeTrust(
  scores: Record<string, number>,
  blocked: string[] = [],
  capped: string[] = [],
): SelectionTrust {
  return {
    blocked: (p) => blocked.includes(p),
    score: (p) => scores[p] ?? 0.5,
    capped: (p) => capped.includes(p),
  };
}

describe("selection with trust", () => {
  it("never picks a blocked provider, and says so when it is the only one", () => {
    const blockedKeys: string[] = [];
    const trust: SelectionTrust = {
      blocked: (p) => blockedKeys.includes(p),
      score: () => 0.5,
      capped: () => false,
    };
    const { selector, keys } = setup([{}, {}], trust);
    blockedKeys.push(keys[0]!);
    for (let i = 0; i < 5; i++) expect(selector.pick(needs(), new Set())?.pubkey).toBe(keys[1]);
    expect(selector.eligible(needs(), new Set()).map((e) => e.pubkey)).toEqual([keys[1]]);
    blockedKeys.push(keys[1]!);
    expect(selector.pick(needs(), new Set())).toBeUndefined();
    expect(selector.whyNone(needs())).toBe("2 of 2 live: blocked by the reputation book");
  });

  it("weighs trust: a provider trusted 0.9 beats one at 0.3 with the same latency and price", () => {
    const scores: Record<string, number> = {};
    const { selector, keys, directory } = setup([{}, {}], fakeTrust(scores));
    scores[keys[0]!] = 0.3;
    scores[keys[1]!] = 0.9;
    expect(selector.pick(needs(), new Set())?.pubkey).toBe(keys[1]);
    const w = { errorRate: 0, cheapestMsats: 0 };
    const low = selectionScore(directory.get(keys[0]!)!, needs(), 100, 0, { ...w, trust: 0.3 });
    const high = selectionScore(directory.get(keys[1]!)!, needs(), 100, 0, { ...w, trust: 0.9 });
    expect(low / high).toBeCloseTo(3, 6);
    // Trust below 0.05 counts as 0.05: a distrusted provider is unlikely, never impossible.
    const floor = selectionScore(directory.get(keys[0]!)!, needs(), 100, 0, { ...w, trust: 0 });
    expect(floor / high).toBeCloseTo(0.9 / 0.05, 6);
  });

  it("weighs price: 1 + (quote − cheapest) / cheapest", () => {
    // 100 in + 100 out tokens: 200 msats at 1,000 msats per 1k, 400 at 2,000.
    const { selector, keys, directory } = setup(
      [
        { price: { inputMsatsPer1k: 2000, outputMsatsPer1k: 2000 } },
        { price: { inputMsatsPer1k: 1000, outputMsatsPer1k: 1000 } },
      ],
      fakeTrust({}),
    );
    expect(selector.pick(needs(), new Set())?.pubkey).toBe(keys[1]);
    const w = { errorRate: 0, cheapestMsats: 200, trust: 0.5 };
    const dear = selectionScore(directory.get(keys[0]!)!, needs(), 100, 0, w);
    const cheap = selectionScore(directory.get(keys[1]!)!, needs(), 100, 0, w);
    expect(dear / cheap).toBeCloseTo(2, 6);
    // A dearer but much faster provider can still win: price is a factor, not a filter.
    expect(selectionScore(directory.get(keys[0]!)!, needs(), 40, 0, w)).toBeLessThan(cheap);
  });

  it("filters by a required model digest and prefers providers announcing one", () => {
    const { selector, keys, directory } = setup([{}, {}, {}], fakeTrust({}));
    const [none, right, wrong] = keys.map((k) => directory.get(k)!);
    announceDigest(right!, DIGEST);
    announceDigest(wrong!, `sha256:${"cd".repeat(32)}`);
    const picks = new Set<string>();
    for (let i = 0; i < 4; i++) picks.add(selector.pick(needs({ digest: DIGEST }), new Set())!.pubkey);
    expect([...picks]).toEqual([right!.pubkey]);
    expect(selector.whyNone(needs({ digest: `sha256:${"ef".repeat(32)}` }))).toBe(
      `3 of 3 live: does not announce model digest sha256:efefefefefef…`,
    );
    const w = { errorRate: 0, cheapestMsats: 0, trust: 0.5 };
    expect(
      selectionScore(none!, needs(), 100, 0, w) / selectionScore(right!, needs(), 100, 0, w),
    ).toBeCloseTo(NO_DIGEST_FACTOR, 6);
    expect(keys).toContain(none!.pubkey);
  });

  it("holds a capped provider back from ordinary jobs but not from checks", () => {
    const capped: string[] = [];
    const { selector, keys } = setup([{}, {}], fakeTrust({}, [], capped));
    capped.push(keys[0]!, keys[1]!);
    expect(selector.pick(needs(), new Set())).toBeUndefined();
    expect(selector.eligible(needs(), new Set())).toHaveLength(2); // waiting helps: their checks will end
    expect(selector.pick(needs({ check: true }), new Set([keys[1]!]))?.pubkey).toBe(keys[0]);
  });

  it("the keeper on a real book: strikes lower trust, a block excludes, probation caps unverified jobs", () => {
    const book = ReputationBook.open(":memory:");
    const inFlight = new Map<string, number>();
    const keeper = new TrustKeeper({
      book,
      checks: {},
      inFlight: (p) => inFlight.get(p) ?? 0,
      nameOf: () => "",
      onCaught: () => undefined,
    });
    const { selector, keys } = setup([{}, {}], keeper);
    const [a, b] = keys as [string, string];
    expect(keeper.score(a)).toBe(0.5);
    for (let i = 0; i < 5; i++) keeper.recordCheck(a, `job${i}`, "pass", 0);
    keeper.recordCheck(b, "bad", "strike", 10);
    expect(keeper.score(a)).toBeGreaterThan(0.8);
    expect(keeper.score(b)).toBeLessThan(0.1);
    expect(selector.pick(needs(), new Set())?.pubkey).toBe(a);
    // b is a suspect (on probation): probationUnverified jobs (in flight + awaiting a verdict) is its quota.
    inFlight.set(b, DEFAULT_SCHEDULE.probationUnverified - 1);
    expect(keeper.capped(b, 1)).toBe(false);
    keeper.awaiting(b, 1);
    expect(keeper.capped(b, 1)).toBe(true);
    // Alone in the market nobody can check it: probation would only slow the run down.
    expect(keeper.capped(b, 0)).toBe(false);
    keeper.awaiting(b, -1);
    // a left probation (5 passes): no cap.
    inFlight.set(a, DEFAULT_SCHEDULE.probationUnverified + 1);
    expect(keeper.capped(a, 1)).toBe(false);
    book.block(b, "test", "user");
    // The keeper's cache refreshes on its own writes; a block written behind its back shows after a refresh.
    keeper.jobEnded(b, false, "error", 0);
    expect(keeper.blocked(b)).toBe(true);
    expect(selector.eligible(needs(), new Set()).map((e) => e.pubkey)).toEqual([a]);
    keeper.close();
    book.close();
  });
});
