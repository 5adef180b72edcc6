/**
 * The written selection rule at many providers (real signed announcements fed to a real directory, a real
 * HealthBook): equal prices spread, two price tiers concentrate on the cheaper one while it has room, quotes
 * within the tolerance are one tier, and the payment strategy's readiness holds back or delays a candidate.
 * The strategy here is a plain object standing in for the Cashu tab strategy's lazy opening (a provider
 * whose tab is being opened: `mayStart` false, or a deposit on its way: `waitMs`); it is not a mock of a
 * running part: selection only reads these two numbers.
 */
import { RelayPool } from "@pylon/nostr";
import type { AnnouncementSpec } from "@pylon/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { ProviderDirectory } from "../src/directory.js";
import { HealthBook } from "../src/health.js";
import { freeStrategy, type PaymentReadiness, type PaymentStrategy } from "../src/payment.js";
import { createSelector, type JobNeeds } from "../src/selection.js";
import { signedAnnouncement } from "./harness.js";

const pool = new RelayPool(["ws://127.0.0.1:9"]);
afterAll(() => pool.close());

const needs: JobNeeds = { model: "m", inputTokens: 100, maxTokens: 100, maxPriceMsats: undefined };
const priced = (per1k: number): Partial<AnnouncementSpec> => ({
  price: { inputMsatsPer1k: per1k, outputMsatsPer1k: per1k },
});

function market(specs: Array<Partial<AnnouncementSpec>>, payment?: PaymentStrategy) {
  const directory = new ProviderDirectory(pool);
  const keys = specs.map((spec) => {
    const event = signedAnnouncement({ capacity: { slots: 2, maxQueue: 2 }, ...spec });
    directory.ingest(event);
    return event.pubkey;
  });
  const health = new HealthBook();
  const selector = createSelector(directory, health, undefined, payment ? { payment } : {});
  /** Picks and starts `count` jobs (none ends); returns jobs per provider. */
  const dispatch = (count: number): Map<string, number> => {
    const jobs = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const entry = selector.pick(needs, new Set());
      if (!entry) break;
      health.started(entry.pubkey);
      jobs.set(entry.pubkey, (jobs.get(entry.pubkey) ?? 0) + 1);
    }
    return jobs;
  };
  return { directory, health, keys, selector, dispatch };
}

describe("selection by price tiers", () => {
  it("spreads jobs evenly over providers at equal prices", () => {
    const { keys, dispatch, health } = market(Array.from({ length: 60 }, () => priced(1000)));
    for (const key of keys) health.succeeded(key, 200); // all equally fast
    const jobs = dispatch(120);
    expect(jobs.size).toBe(60);
    expect(Math.max(...jobs.values())).toBe(2);
  });

  it("sends every job to the cheaper tier while it has room, then to the dearer one", () => {
    const specs = Array.from({ length: 40 }, (_, i) => priced(i % 2 ? 2000 : 1000));
    const { keys, dispatch } = market(specs);
    const cheap = new Set(keys.filter((_, i) => i % 2 === 0));
    const first = dispatch(80); // the cheaper tier holds 20 × 4 places
    expect([...first.keys()].every((key) => cheap.has(key))).toBe(true);
    expect([...first.values()].reduce((a, b) => a + b, 0)).toBe(80);
    const more = dispatch(10); // the cheaper tier is full now
    expect([...more.keys()].every((key) => !cheap.has(key))).toBe(true);
  });

  it("counts quotes within 10% of a tier's cheapest as the same price", () => {
    const { dispatch } = market([priced(1000), priced(1050), priced(1090), priced(1200)]);
    const jobs = dispatch(3);
    expect(jobs.size).toBe(3); // the three within 10% share; the 20% dearer one waits
  });

  it("skips a provider whose payment may not start yet, and weighs the wait for one on its way", () => {
    const ready = new Map<string, PaymentReadiness>();
    let asked = 0;
    // Stands for the tab strategy's lazy opening: per provider, how soon a job there could be paid.
    const payment: PaymentStrategy = {
      ...freeStrategy,
      name: "lazy-tabs-stand-in",
      accepts: () => true,
      readiness: (provider) => {
        asked++;
        return ready.get(provider.pubkey) ?? { waitMs: 0, mayStart: true };
      },
    };
    const { keys, selector, health } = market([priced(1000), priced(1000), priced(1000)], payment);
    const [a, b, c] = keys as [string, string, string];
    for (const key of keys) health.succeeded(key, 100);
    ready.set(a, { waitMs: 0, mayStart: false }); // its tab is being opened and the window is full
    ready.set(b, { waitMs: 2_000, mayStart: true }); // a deposit on its way: 2 s before a job is paid
    expect(selector.pick(needs, new Set())?.pubkey).toBe(c);
    expect(asked).toBeGreaterThan(0);
    ready.set(c, { waitMs: 0, mayStart: false });
    expect(selector.pick(needs, new Set())?.pubkey).toBe(b); // waiting 2 s beats not at all
    ready.set(b, { waitMs: 0, mayStart: false });
    expect(selector.pick(needs, new Set())).toBeUndefined();
    expect(selector.eligible(needs, new Set())).toHaveLength(3); // waiting helps: payments will be ready
    ready.clear();
    selector.invalidate?.(); // what the binding's notify does in a swarm
    expect(selector.pick(needs, new Set())).toBeDefined();
  });

  it("looks at one held candidate per pick while a shared hold lasts, and picks the best once it lifts", () => {
    // Stands for the tab strategy's opening window: full, no new deposit may start; two tabs are open.
    let windowFull = true;
    let asked = 0;
    const open = new Set<string>();
    const payment: PaymentStrategy = {
      ...freeStrategy,
      accepts: () => true,
      readiness: (provider) => {
        asked++;
        if (open.has(provider.pubkey)) return { waitMs: 0, mayStart: true };
        return { waitMs: 300, mayStart: !windowFull };
      },
    };
    const { keys, selector, health } = market(
      Array.from({ length: 1_000 }, () => priced(1000)),
      payment,
    );
    for (const key of keys) health.succeeded(key, 100);
    open.add(keys[500]!).add(keys[900]!);
    // The first pick finds every unopened provider held, one at a time, and sets them aside.
    expect(selector.pick(needs, new Set())).toBeDefined();
    // Fill the two open tabs (2 slots + 2 queued each): from then on nothing may start.
    for (let i = 0; i < 8; i++) {
      const entry = selector.pick(needs, new Set());
      expect(entry && open.has(entry.pubkey)).toBe(true);
      health.started(entry!.pubkey);
    }
    asked = 0;
    for (let i = 0; i < 1_000; i++) expect(selector.pick(needs, new Set())).toBeUndefined();
    // One held candidate asked per pick (the rest share its hold), not a thousand.
    expect(asked).toBeLessThanOrEqual(2_000);
    // The window has room again: the best held candidate (idle, 300 ms away) beats a full open tab.
    windowFull = false;
    const next = selector.pick(needs, new Set());
    expect(next && !open.has(next.pubkey)).toBe(true);
  });

  it("takes a dearer tier when the cheaper one may not be paid now", () => {
    const ready = new Map<string, PaymentReadiness>();
    const payment: PaymentStrategy = {
      ...freeStrategy,
      accepts: () => true,
      readiness: (provider) => ready.get(provider.pubkey) ?? { waitMs: 0, mayStart: true },
    };
    const { keys, selector } = market([priced(1000), priced(3000)], payment);
    ready.set(keys[0]!, { waitMs: 0, mayStart: false });
    expect(selector.pick(needs, new Set())?.pubkey).toBe(keys[1]);
  });

  it("reserves the dearest eligible quote for a sub-call's budget, for its exact prompt", () => {
    const small = { ...priced(9000), models: [{ name: "m", contextLength: 110 }] };
    const { selector } = market([priced(1000), priced(3000), small]);
    // 100 in + 100 out at 9,000 msats per 1k tokens each way: 1,800 msats (the prompt fits its 110 tokens).
    expect(selector.maxQuote?.(needs)).toBe(1800);
    // 120 tokens do not fit it: the dearest left is 3,000 per 1k: 220 × 3 = 660 msats (same cached shape).
    expect(selector.maxQuote?.({ ...needs, inputTokens: 120 })).toBe(660);
    expect(selector.maxQuote?.({ ...needs, model: "other" })).toBe(0);
  });

  it("assumes a newcomer as fast as the market's median, so it is neither shunned nor flooded", () => {
    const { keys, selector, health, directory } = market([priced(1000), priced(1000), priced(1000)]);
    for (const key of keys) health.succeeded(key, 50);
    const newcomer = signedAnnouncement({ capacity: { slots: 2, maxQueue: 2 }, ...priced(1000) });
    directory.ingest(newcomer);
    // Everyone at 50 ms and empty: the newcomer (assumed 50 ms, not 1 s) is among equals.
    const picks = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const entry = selector.pick(needs, new Set())!;
      health.started(entry.pubkey);
      picks.add(entry.pubkey);
    }
    expect(picks.has(newcomer.pubkey)).toBe(true);
    expect(picks.size).toBe(4);
  });
});
