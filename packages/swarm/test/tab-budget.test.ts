import { Cleanup } from "@pylon/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cashuTabStrategy, createSwarm } from "../src/index.js";
import { ask, NO_CHECKS, type PaidMarket, paidMarket } from "./harness.js";

// Real relay, real mint (no fees, so locked value is exactly what the wallet spent), 2 paid scripted nodes.
const cleanup = new Cleanup();
let relayUrl: string;
let theMint: PaidMarket["mint"];
let buyer: PaidMarket["buyer"];
let nodes: PaidMarket["nodes"];
const FUNDED = 2_000;
const BUDGET = 5;

beforeAll(async () => {
  ({ relayUrl, mint: theMint, buyer, nodes } = await paidMarket(cleanup, { providers: 2, fundSats: FUNDED }));
}, 30_000);
afterAll(() => cleanup.run(), 30_000);

describe("Cashu tab budget (scripted backends, real mint and relay)", () => {
  it("stops at maxSpendSats: per-slot budget errors, never more locked than the budget", async () => {
    const funded = buyer.balance().total.unspent;
    const strategy = cashuTabStrategy({
      wallet: buyer,
      mintUrl: theMint.url,
      depositSats: 3,
      maxSpendSats: BUDGET,
    });
    const swarm = await createSwarm({
      relays: [relayUrl],
      payment: strategy,
      hedge: false,
      maxAttempts: 2,
      backoff: { initialDelayMs: 10, maxDelayMs: 20 },
    });
    let closed = false;
    cleanup.add(() => (closed ? undefined : swarm.close()));

    const requests = Array.from({ length: 40 }, (_, i) => ask(`budget question ${i}`, 32));
    const results = await swarm.complete(requests, new AbortController().signal);
    const answered = results.filter((r) => r.ok);
    const refused = results.filter((r) => !r.ok);
    expect(answered.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r.ok ? "" : r.error).toMatch(/payment budget exhausted/);
    for (const r of answered) expect(r.costSats).toBeGreaterThan(0);

    // Never more locked than the budget: the strategy's count and the wallet's (no fees at this mint).
    expect(strategy.lockedSats).toBeLessThanOrEqual(BUDGET);
    const balance = buyer.balance().total;
    expect(funded - balance.unspent - balance.reserved).toBeLessThanOrEqual(BUDGET);

    await swarm.close();
    closed = true;
    expect(strategy.tabs().every((t) => t.state === "closed")).toBe(true);
    // Only paid jobs ran.
    expect(nodes.reduce((sum, n) => sum + n.calls(), 0)).toBe(answered.length);
    for (const n of nodes) expect(n.node.status().jobs.paymentRequired).toBe(0);
  }, 60_000);

  it("a top-up doubles the tab's last deposit (at most 8× the base); a policy's sizes are kept as given", async () => {
    /** 160 sub-calls over the two nodes: deposit swaps made, and sats locked. */
    const run = async (options: Partial<Parameters<typeof cashuTabStrategy>[0]>) => {
      const strategy = cashuTabStrategy({ wallet: buyer, mintUrl: theMint.url, depositSats: 4, ...options });
      const swarm = await createSwarm({
        relays: [relayUrl],
        payment: strategy,
        hedge: false,
        trust: NO_CHECKS,
      });
      let closed = false;
      cleanup.add(() => (closed ? undefined : swarm.close()));
      await swarm.directory.waitFor(2);
      const requests = Array.from({ length: 160 }, (_, i) => ask(`top-up question ${i}`, 32));
      const results = await swarm.complete(requests, new AbortController().signal);
      expect(results.filter((r) => !r.ok)).toEqual([]);
      await swarm.close();
      closed = true;
      expect(strategy.tabs().every((t) => t.state === "closed")).toBe(true);
      const deposited = strategy.tabs().map((t) => t.depositedMsats / 1000);
      return { swaps: strategy.depositSwaps, locked: strategy.lockedSats, deposited };
    };
    const grown = await run({});
    const fixed = await run({ policy: { depositSats: () => 4 } });
    // Each tab took 4, then 8, 16, 32 and 32 again (the cap: 8 × 4; no mint fee here, so no rounding).
    const doubling = [4, 12, 28, 60, 92, 124, 156, 188];
    for (const sats of grown.deposited) expect(doubling).toContain(sats);
    expect(grown.deposited.some((sats) => sats >= 28)).toBe(true); // it did grow
    for (const sats of fixed.deposited) expect(sats % 4).toBe(0);
    // The same work in fewer deposit swaps (a job waits behind each top-up).
    expect(fixed.swaps).toBeGreaterThan(grown.swaps);
    const fixedDeposits = fixed.deposited.reduce((n, sats) => n + sats / 4, 0);
    const grownDeposits = grown.deposited.reduce((n, sats) => n + doubling.indexOf(sats) + 1, 0);
    expect(fixedDeposits).toBeGreaterThan(grownDeposits);
  }, 90_000);
});
