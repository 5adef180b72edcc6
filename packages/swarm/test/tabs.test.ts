import { randomBytes } from "node:crypto";
import path from "node:path";
import { Cleanup, tempDir } from "@pylon/testkit";
import type { PylonWallet } from "@pylon/wallet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CashuTabStrategy,
  cashuTabStrategy,
  createSwarm,
  type PaymentStrategy,
  RunStore,
  type TabWallet,
} from "../src/index.js";
import { ask, expectInvariant, expectProvidersSettled, type PaidMarket, paidMarket } from "./harness.js";

// Real relay (WebSockets), real mint (HTTP, input fee 100 ppk), real SQLite everywhere; 4 provider nodes
// that require Cashu payment, scripted (instant) backends.
const cleanup = new Cleanup();
let relayUrl: string;
let theMint: PaidMarket["mint"];
let buyer: PaidMarket["buyer"];
let nodes: PaidMarket["nodes"];
const FUNDED = 2_000;

beforeAll(async () => {
  ({
    relayUrl,
    mint: theMint,
    buyer,
    nodes,
  } = await paidMarket(cleanup, {
    providers: 4,
    fundSats: FUNDED,
    inputFeePpk: 100,
  }));
}, 30_000);
afterAll(() => cleanup.run(), 30_000);

/** The buyer wallet, recording the size of every deposit swap. */
function recording(wallet: PylonWallet): { wallet: TabWallet; swaps: number[] } {
  const swaps: number[] = [];
  return {
    swaps,
    wallet: {
      createLockedPayments: (requests, opts) => {
        swaps.push(requests.length);
        return wallet.createLockedPayments(requests, opts);
      },
      receive: (token) => wallet.receive(token),
    },
  };
}

describe("Cashu tabs from the swarm (scripted backends, real mint and relay)", () => {
  it("pays 200 sub-calls over 4 paid scripted providers through tabs; every sat accounted for", async () => {
    const dir = await tempDir(cleanup);
    const { wallet, swaps } = recording(buyer);
    const strategy: CashuTabStrategy = cashuTabStrategy({
      wallet,
      mintUrl: theMint.url,
      // Less than the 200 jobs cost, however they spread: some tab is topped up.
      depositSats: 3,
      lockSeconds: 3_600,
      maxSpendSats: 500,
    });
    const swarm = await createSwarm({
      relays: [relayUrl],
      payment: strategy,
      store: path.join(dir, "run.db"),
      hedge: false,
      jobsPerSecond: 200,
      ackTimeoutMs: 10_000,
    });
    let closed = false;
    cleanup.add(() => (closed ? undefined : swarm.close()));
    expect(swarm.directory.live().filter((e) => strategy.accepts(e))).toHaveLength(4);

    const requests = Array.from({ length: 200 }, (_, i) => ask(`paid question ${i}`, 32));
    const results = await swarm.complete(requests, new AbortController().signal);
    const failed = results.filter((r) => !r.ok);
    expect(failed).toEqual([]);
    results.forEach((r, i) => {
      expect(r.ok && r.text).toBe(`answer to: paid question ${i}`);
    });
    const used = new Set(results.map((r) => r.provider));
    expect(used.size).toBe(4);
    // The four opening deposits, known at batch start, were locked in ONE swap; top-ups followed.
    expect(swaps[0]).toBe(4);
    expect(swaps.length).toBeGreaterThan(1);
    // Each slot reports what it cost (price × tokens, at most its quote of 32 output tokens).
    for (const r of results) expect(r.costSats).toBeGreaterThan(0);
    for (const r of results) expect(r.costSats).toBeLessThanOrEqual(0.7);
    const slotCostMsats = Math.round(results.reduce((sum, r) => sum + r.costSats * 1000, 0));

    const tabsBefore = strategy.tabs();
    expect(tabsBefore.filter((t) => t.state === "open")).toHaveLength(4);
    await swarm.close();
    closed = true;
    const tabs = strategy.tabs();
    expect(tabs.every((t) => t.state === "closed")).toBe(true);
    expect(strategy.refundedSats).toBeGreaterThan(0);

    // No provider served a job unpaid: none asked for payment. Every generate() was a job we sent (a job
    // given up on, e.g. no acknowledgement in time on a loaded machine, may have run too: paid from the tab).
    const calls = nodes.reduce((sum, n) => sum + n.calls(), 0);
    expect(calls).toBeGreaterThanOrEqual(200);
    expect(calls).toBeLessThanOrEqual(swarm.counters.jobsSent);
    // Every node's books settled, and the buyer's run store agrees with each provider's tab, to the msat.
    const { ecashSats: providersEcash, chargedMsats: providersChargedMsats } = await expectProvidersSettled(
      nodes,
      tabs,
    );
    for (const n of nodes)
      expect(n.node.status().earnings!.creditedSats * 1000).toBe(n.node.payments!.tabTotals().depositedMsats);
    // Less deposits whose job never left (still locked, reclaimable): on no tab.
    expect((strategy.lockedSats - strategy.unsentSats) * 1000).toBe(
      tabs.reduce((sum, t) => sum + t.depositedMsats, 0),
    );
    expect(strategy.lockedSats).toBeLessThanOrEqual(500);
    // Per-slot costs are estimates (token counts are the provider's); the tab totals are exact.
    expect(Math.abs(slotCostMsats - providersChargedMsats)).toBeLessThan(providersChargedMsats / 2);

    const { spent, fees, reclaimable, minted } = await expectInvariant(
      { buyer, mint: theMint },
      FUNDED,
      providersEcash,
    );
    expect(minted).toBe(FUNDED);
    console.log(
      `tabs: ${swaps.length} deposit swaps (first ${swaps[0]}), locked ${strategy.lockedSats} sats, ` +
        `refunded ${strategy.refundedSats} sats, charged ${providersChargedMsats} msats ` +
        `(slots reported ${slotCostMsats} msats), spent ${spent} = providers ${providersEcash} + fees ` +
        `${fees} + reclaimable ${reclaimable}; ${calls} generations, ` +
        `${swarm.counters.jobsSent} jobs sent, ${swarm.counters.redispatches} re-dispatched`,
    );
  }, 120_000);

  it("a resumed run reuses the open tab from its run store: no second deposit", async () => {
    const dir = await tempDir(cleanup);
    const store = RunStore.open(path.join(dir, "run.db"));
    cleanup.add(() => store.close());
    const secretKey = new Uint8Array(randomBytes(32));
    const first = recording(buyer);
    const tabStrategy = cashuTabStrategy({ wallet: first.wallet, mintUrl: theMint.url, depositSats: 20 });
    // The first run is interrupted: its tabs are never closed.
    const interrupted: PaymentStrategy = {
      name: tabStrategy.name,
      accepts: (p) => tabStrategy.accepts(p),
      prepare: (p, j) => tabStrategy.prepare(p, j),
      settle: (p, j, s) => tabStrategy.settle(p, j, s),
      bind: (b) => tabStrategy.bind?.(b),
    };
    const only = nodes[0]!.node.pubkey;
    const options = {
      relays: [relayUrl],
      store,
      secretKey,
      hedge: false as const,
      directory: { allow: [only] },
    };
    const run1 = await createSwarm({ ...options, payment: interrupted });
    const r1 = await run1.complete([ask("resume one", 16)], new AbortController().signal);
    await run1.close();
    expect(r1[0]?.ok).toBe(true);
    expect(first.swaps).toEqual([1]);

    const second = recording(buyer);
    const resumed = cashuTabStrategy({ wallet: second.wallet, mintUrl: theMint.url, depositSats: 20 });
    const run2 = await createSwarm({ ...options, payment: resumed });
    const r2 = await run2.complete(
      [ask("resume two", 16), ask("resume three", 16)],
      new AbortController().signal,
    );
    expect(r2.every((r) => r.ok)).toBe(true);
    expect(second.swaps).toEqual([]); // paid from the tab opened by the first run
    await run2.close();
    const tab = resumed.tabs().find((t) => t.provider === only)!;
    expect(tab.state).toBe("closed");
    // Only the first run's deposit (20 sats, rounded up to one proof): none by the resumed run.
    expect(tab.depositedMsats).toBe(tabStrategy.lockedSats * 1000);
    expect(tabStrategy.lockedSats).toBeGreaterThanOrEqual(20);
    expect(tab.depositedMsats).toBe(tab.chargedMsats + tab.refundedMsats + (tab.balanceMsats ?? 0));
  }, 60_000);

  it("a second run with the same key and store opens and closes a new tab; the store's totals stay exact", async () => {
    const dir = await tempDir(cleanup);
    const storeFile = path.join(dir, "runs.db");
    const secretKey = new Uint8Array(randomBytes(32));
    const chargedAtProviders = () =>
      nodes.reduce((sum, n) => sum + n.node.payments!.tabTotals().chargedMsats, 0);
    const before = chargedAtProviders();
    let last: CashuTabStrategy | undefined;
    for (const run of ["first", "second"]) {
      const strategy = cashuTabStrategy({ wallet: buyer, mintUrl: theMint.url, depositSats: 20 });
      const swarm = await createSwarm({
        relays: [relayUrl],
        payment: strategy,
        store: storeFile,
        runId: run,
        secretKey,
        hedge: false,
      });
      await swarm.directory.waitFor(4);
      const results = await swarm.complete(
        Array.from({ length: 8 }, (_, i) => ask(`${run} run question ${i}`, 32)),
        new AbortController().signal,
      );
      expect(results.every((r) => r.ok)).toBe(true);
      await swarm.close();
      last = strategy;
    }
    // The store's rows add up both runs' tabs with each provider; what they say was charged is what the
    // providers charged this buyer (an earlier refund must not be counted as a charge at the next close).
    const tabs = last!.tabs();
    expect(tabs.every((t) => t.state === "closed")).toBe(true);
    const charged = tabs.reduce((sum, t) => sum + t.chargedMsats, 0);
    expect(charged).toBe(chargedAtProviders() - before);
    for (const tab of tabs)
      expect(tab.depositedMsats).toBe(tab.chargedMsats + tab.refundedMsats + (tab.balanceMsats ?? 0));
  }, 60_000);
});
