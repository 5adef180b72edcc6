import { Cleanup } from "@pylon/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cashuTabStrategy, createSwarm } from "../src/index.js";
import { ask, type PaidMarket, paidMarket } from "./harness.js";

// Real relay, real mint (no fees, so locked value is exactly what the wallet spent), 2 paid scripted nodes.
const cleanup = new Cleanup();
let relayUrl: string;
let theMint: PaidMarket["mint"];
let buyer: PaidMarket["buyer"];
let nodes: PaidMarket["nodes"];
const FUNDED = 100;
const BUDGET = 5;

beforeAll(async () => {
  ({ relayUrl, mint: theMint, buyer, nodes } = await paidMarket(cleanup, { providers: 2, fundSats: FUNDED }));
}, 30_000);
afterAll(() => cleanup.run(), 30_000);

describe("Cashu tab budget (scripted backends, real mint and relay)", () => {
  it("stops at maxSpendSats: per-slot budget errors, never more locked than the budget", async () => {
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
    expect(FUNDED - balance.unspent - balance.reserved).toBeLessThanOrEqual(BUDGET);

    await swarm.close();
    closed = true;
    expect(strategy.tabs().every((t) => t.state === "closed")).toBe(true);
    // Only paid jobs ran.
    expect(nodes.reduce((sum, n) => sum + n.calls(), 0)).toBe(answered.length);
    for (const n of nodes) expect(n.node.status().jobs.paymentRequired).toBe(0);
  }, 60_000);
});
