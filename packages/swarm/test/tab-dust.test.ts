/**
 * A tab that ends with less than a sat on it (scripted LM, real mint, relay and node): nothing can come back
 * as ecash, and the node refuses the close ("the tab holds N msats, less than 1 sat"). The buyer settles the
 * tab with the dust as the rest left there, closes without an error, and every sat still adds up.
 */
import { Cleanup } from "@pylon/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cashuTabStrategy, createSwarm } from "../src/index.js";
import {
  ask,
  expectInvariant,
  expectProvidersSettled,
  NO_CHECKS,
  type PaidMarket,
  paidMarket,
} from "./harness.js";

const cleanup = new Cleanup();
const FUNDED = 50;
let market: PaidMarket;

beforeAll(async () => {
  market = await paidMarket(cleanup, { providers: 1, fundSats: FUNDED });
}, 30_000);
afterAll(() => cleanup.run(), 30_000);

describe("closing a tab holding less than a sat", () => {
  it("settles it with the dust as the rest; close() does not fail; books add up", async () => {
    const strategy = cashuTabStrategy({ wallet: market.buyer, mintUrl: market.mint.url, depositSats: 1 });
    const swarm = await createSwarm({
      relays: [market.relayUrl],
      payment: strategy,
      hedge: false,
      trust: NO_CHECKS,
    });
    await swarm.directory.waitFor(1);
    // Small deposits; short jobs spend them a few hundred msats at a time, until less than a sat is left
    // (above a job's worst case, so no top-up comes first).
    let before = strategy.tabs()[0];
    for (let i = 0; i < 30 && !(before && (before.balanceMsats ?? 0) < 1_000); i++) {
      const [result] = await swarm.complete([ask(`dust ${i}`, 8)], new AbortController().signal);
      expect(result?.ok).toBe(true);
      before = strategy.tabs()[0];
    }
    expect(before!.balanceMsats).toBeGreaterThan(0);
    expect(before!.balanceMsats).toBeLessThan(1_000);
    await swarm.close(); // the node refuses to refund less than a sat: not an error of the run
    const [tab] = strategy.tabs();
    expect(tab?.state).toBe("closed");
    expect(tab?.refundedMsats).toBe(0);
    expect(tab?.depositedMsats).toBe(before!.depositedMsats);
    // The rest left there is the node's own count of the dust (its refusal names it).
    expect(tab?.balanceMsats).toBe(market.nodes[0]!.node.payments!.tabTotals().balanceMsats);
    expect(tab?.balanceMsats).toBeLessThan(1_000);
    const { ecashSats } = await expectProvidersSettled(market.nodes, strategy.tabs());
    await expectInvariant(market, FUNDED, ecashSats);
  }, 60_000);
});
