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

function market(
  specs: Array<Partial<AnnouncementSpec>>,
  payment?: PaymentStrategy,
  spread?: "finish" | "even",
) {
  const directory = new ProviderDirectory(pool);
  const keys = specs.map((spec) => {
    const event = signedAnnouncement({ capacity: { slots: 2, maxQueue: 2 }, ...spec });
    directory.ingest(event);
    return event.pubkey;
  });
  const health = new HealthBook();
  const selector = createSelector(directory, health, undefined, {
    ...(payment ? { payment } : {}),
    ...(spread ? { spread } : {}),
  });
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

  it("even spread: every equal provider gets its share though most need a deposit first; 'finish' stays on open tabs", () => {
    // Stands for the tab strategy: two tabs open; at the others a job waits 300 ms for its deposit.
    const open = new Set<string>();
    const payment: PaymentStrategy = {
      ...freeStrategy,
      accepts: () => true,
      readiness: (provider) => ({ waitMs: open.has(provider.pubkey) ? 0 : 300, mayStart: true }),
    };
    /** Jobs one at a time, each answered in 20 ms before the next is picked (instant backends). */
    const run = (spread: "finish" | "even") => {
      const { keys, selector, health } = market(
        Array.from({ length: 10 }, () => priced(1000)),
        payment,
        spread,
      );
      open.clear();
      open.add(keys[0]!).add(keys[1]!);
      const jobs = new Map<string, number>();
      for (let i = 0; i < 200; i++) {
        const entry = selector.pick(needs, new Set())!;
        health.started(entry.pubkey);
        health.ended(entry.pubkey);
        health.succeeded(entry.pubkey, 20);
        open.add(entry.pubkey); // its first job carried the deposit: the tab is open from then on
        jobs.set(entry.pubkey, (jobs.get(entry.pubkey) ?? 0) + 1);
      }
      return jobs;
    };
    const finish = run("finish");
    expect(finish.size).toBeLessThanOrEqual(2); // 20 ms answers beat a 300 ms deposit every time
    const even = run("even");
    expect(even.size).toBe(10);
    expect(Math.max(...even.values())).toBe(20);
    expect(Math.min(...even.values())).toBe(20);
  });

  it("even spread: the fewest jobs sent per slot goes first, then the fewest in flight; capacity in proportion", () => {
    const specs = [
      { capacity: { slots: 4, maxQueue: 4 }, ...priced(1000) },
      { capacity: { slots: 1, maxQueue: 1 }, ...priced(1000) },
    ];
    const directory = new ProviderDirectory(pool);
    const [big, small] = specs.map((spec) => {
      const event = signedAnnouncement(spec);
      directory.ingest(event);
      return event.pubkey;
    }) as [string, string];
    const health = new HealthBook();
    const selector = createSelector(directory, health, undefined, { spread: "even" });
    const picks: string[] = [];
    for (let i = 0; i < 10; i++) {
      const entry = selector.pick(needs, new Set());
      if (!entry) break;
      health.started(entry.pubkey);
      picks.push(entry.pubkey);
    }
    // Capacity in proportion (4 + 4 against 1 + 1), never past it.
    expect(picks.filter((p) => p === big)).toHaveLength(8);
    expect(picks.filter((p) => p === small)).toHaveLength(2);
    expect(picks.slice(0, 5).filter((p) => p === small)).toHaveLength(1); // 1 of 1 slot = 4 of 4 slots
  });

  it("a sub-call's pick stops at the first stranger holding its probation quota; a check's job may take one", () => {
    // Stands for the trust keeper: every provider on probation, `quota` unverified jobs each.
    const quota = 2;
    const unverified = new Map<string, number>();
    let asked = 0;
    const trust = {
      blocked: () => false,
      score: () => 0.5,
      capped: (pubkey: string) => {
        asked++;
        return (unverified.get(pubkey) ?? 0) >= quota;
      },
    };
    const directory = new ProviderDirectory(pool);
    const keys = Array.from({ length: 1_000 }, () => {
      const event = signedAnnouncement({ capacity: { slots: 4, maxQueue: 4 }, ...priced(1000) });
      directory.ingest(event);
      return event.pubkey;
    });
    const health = new HealthBook();
    const selector = createSelector(directory, health, trust);
    for (let i = 0; i < 1_000 * quota; i++) {
      const entry = selector.pick(needs, new Set())!;
      unverified.set(entry.pubkey, (unverified.get(entry.pubkey) ?? 0) + 1);
      selector.rerank?.(entry.pubkey); // what the keeper's onChange does in a swarm
    }
    expect([...unverified.values()].every((n) => n === quota)).toBe(true);
    asked = 0;
    for (let i = 0; i < 1_000; i++) expect(selector.pick(needs, new Set())).toBeUndefined();
    expect(asked).toBeLessThanOrEqual(1_000); // not a thousand strangers walked per pick
    expect(selector.pick({ ...needs, check: true }, new Set())).toBeDefined();
    // A verdict frees one place (the keeper's onChange re-ranks it): that provider is found again.
    unverified.set(keys[700]!, quota - 1);
    selector.rerank?.(keys[700]!);
    expect(selector.pick(needs, new Set())?.pubkey).toBe(keys[700]);
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
