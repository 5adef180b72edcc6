import { randomBytes } from "node:crypto";
import path from "node:path";
import { getPublicKey } from "@pylon/nostr";
import { Cleanup, tempDir, waitFor } from "@pylon/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cashuTabStrategy, createSwarm, RunStore } from "../src/index.js";
import { ask, expectInvariant, expectProvidersSettled, type PaidMarket, paidMarket } from "./harness.js";

// Real relay (WebSockets), real mint (HTTP, input fee 100 ppk), real SQLite; 3 paid scripted nodes whose
// tabs expire 2 s after their last deposit (swept every second).
const cleanup = new Cleanup();
let market: PaidMarket;
const FUNDED = 2_000;

beforeAll(async () => {
  market = await paidMarket(cleanup, {
    providers: 3,
    fundSats: FUNDED,
    inputFeePpk: 100,
    node: { config: { payments: { tabTtlSec: 2, tabSweepSec: 1 } } },
  });
}, 30_000);
afterAll(() => cleanup.run(), 30_000);

/** A swarm paying through tabs from the market's buyer wallet, with this key and store. */
async function paidSwarm(
  secretKey: Uint8Array,
  store: RunStore,
  tabs: { keep?: true; closeTimeoutMs?: number; refundGraceMs?: number },
  on: PaidMarket = market,
) {
  const market = on;
  const strategy = cashuTabStrategy({
    wallet: market.buyer,
    mintUrl: market.mint.url,
    depositSats: 20,
    ...(tabs.keep ? { tabsAtClose: "keep" as const } : {}),
    ...(tabs.closeTimeoutMs ? { closeTimeoutMs: tabs.closeTimeoutMs } : {}),
    ...(tabs.refundGraceMs ? { refundGraceMs: tabs.refundGraceMs } : {}),
  });
  const swarm = await createSwarm({
    relays: [market.relayUrl],
    payment: strategy,
    store,
    secretKey,
    hedge: false,
    batch: false,
  });
  await swarm.directory.waitFor(market.nodes.length);
  return { swarm, strategy };
}

/** A market of its own (the providers' books then hold this buyer's tabs only), a buyer key and a run store. */
async function ownMarket() {
  const market = await paidMarket(cleanup, { providers: 2, fundSats: FUNDED, inputFeePpk: 100 });
  const dir = await tempDir(cleanup);
  const secretKey = new Uint8Array(randomBytes(32));
  const store = cleanup.use(RunStore.open(path.join(dir, "run.db")), (s) => s.close());
  return { market, secretKey, buyer: getPublicKey(secretKey), store };
}

describe("refunds to the buyer (scripted backends, real mint and relay)", () => {
  it("a tab left open expires mid-run at its provider; the next run collects every sat, once", async () => {
    const dir = await tempDir(cleanup);
    const secretKey = new Uint8Array(randomBytes(32));
    const buyer = getPublicKey(secretKey);
    const store = cleanup.use(RunStore.open(path.join(dir, "run.db")), (s) => s.close());

    // The first run leaves its tabs open (as a killed run or a close that never came back would).
    const first = await paidSwarm(secretKey, store, { keep: true });
    const results = await first.swarm.complete(
      Array.from({ length: 12 }, (_, i) => ask(`expiring question ${i}`, 16)),
      new AbortController().signal,
    );
    expect(results.filter((r) => !r.ok)).toEqual([]);
    await first.swarm.close();
    const open = store.tabs.list(buyer, market.mint.url).filter((t) => t.state === "open");
    expect(open.length).toBeGreaterThan(0);

    // Each provider refunds its expired tab on its own, as encrypted feedback on the relay.
    const refunds = await waitFor(() => {
      const made = market.nodes.flatMap((n) => n.node.payments?.tabRefunds(buyer) ?? []);
      return made.length === open.length && made.every((r) => r.deliveredAt !== undefined) ? made : undefined;
    }, "every expiry refund delivered");
    const refundSats = refunds.reduce((sum, r) => sum + r.sats, 0);
    expect(refundSats).toBeGreaterThan(0);

    // The next run (a new run id, same key and store) takes them in before it starts.
    const before = market.buyer.balance().total.unspent;
    const next = await paidSwarm(secretKey, store, {});
    const collected = await next.strategy.collectRefunds();
    expect(collected.errors).toEqual([]);
    expect(collected.refunds.every((r) => r.source === "expiry" && r.error === undefined)).toBe(true);
    expect(collected.takenSats).toBe(refundSats);
    expect(market.buyer.balance().total.unspent).toBe(before + refundSats);
    // Recorded: every tab settled, none taken twice (a second look finds nothing new).
    expect(store.tabs.list(buyer, market.mint.url).every((t) => t.state === "closed")).toBe(true);
    expect(store.refunds.list(buyer, "taken").reduce((sum, r) => sum + r.sats, 0)).toBe(refundSats);
    const again = await next.strategy.collectRefunds();
    expect(again.takenSats).toBe(0);
    expect(again.refunds).toEqual([]);
    await next.swarm.close();

    // What went in and came back agrees with the providers' books to the msat (the charges the buyer
    // wrote are its per-job estimates: an expiry refund says no exact rest), and every sat is accounted for.
    let ecashSats = 0;
    for (const { node } of market.nodes) {
      await node.payments?.redeemNow();
      const totals = node.payments!.tabTotals();
      const mine = next.strategy.tabs().find((t) => t.provider === node.pubkey)!;
      expect(mine.depositedMsats).toBe(totals.depositedMsats);
      expect(mine.refundedMsats).toBe(totals.refundedMsats);
      ecashSats += node.status().earnings!.walletSats;
    }
    await expectInvariant(market, FUNDED, ecashSats);
  }, 60_000);

  it("a tab close given up on is read back from the relay later, once", async () => {
    const { market, secretKey, buyer, store } = await ownMarket();
    const first = await paidSwarm(secretKey, store, { closeTimeoutMs: 1 }, market);
    const results = await first.swarm.complete(
      Array.from({ length: 6 }, (_, i) => ask(`closing question ${i}`, 16)),
      new AbortController().signal,
    );
    expect(results.filter((r) => !r.ok)).toEqual([]);
    // 1 ms is too short for any close's result: the close gives up (its refund stays on the relay).
    await first.swarm.close().catch(() => undefined);
    const closes = store.refunds.list(buyer).filter((r) => r.source === "close");
    expect(closes.length).toBeGreaterThan(0);

    const later = await paidSwarm(secretKey, store, {}, market);
    const collected = await waitFor(async () => {
      await later.strategy.collectRefunds();
      const awaiting = store.refunds.list(buyer, "awaiting").length;
      return awaiting === 0 ? store.refunds.list(buyer, "taken") : undefined;
    }, "every close's result read back");
    const tabsRefunded = market.nodes.reduce((sum, n) => {
      const mine = later.strategy.tabs().find((t) => t.provider === n.node.pubkey);
      return sum + (mine ? mine.refundedMsats : 0);
    }, 0);
    expect(collected.reduce((sum, r) => sum + r.sats, 0) * 1000).toBe(tabsRefunded);
    expect(store.tabs.list(buyer, market.mint.url).every((t) => t.state === "closed")).toBe(true);
    await later.swarm.close();
    const { ecashSats } = await expectProvidersSettled(market.nodes, later.strategy.tabs());
    await expectInvariant(market, FUNDED, ecashSats);
  }, 60_000);

  it("a tab close given up on is collected by the same close while its grace lasts: nothing left for a later run", async () => {
    const { market, secretKey, buyer, store } = await ownMarket();
    const run = await paidSwarm(secretKey, store, { closeTimeoutMs: 1, refundGraceMs: 20_000 }, market);
    const results = await run.swarm.complete(
      Array.from({ length: 6 }, (_, i) => ask(`graceful question ${i}`, 16)),
      new AbortController().signal,
    );
    expect(results.filter((r) => !r.ok)).toEqual([]);
    // Every close gives up at once (1 ms), and the close waits for their results on the relay instead.
    await run.swarm.close();
    const closes = store.refunds.list(buyer).filter((r) => r.source === "close");
    expect(closes.length).toBe(market.nodes.length);
    expect(closes.every((r) => r.state === "taken" && r.sats > 0)).toBe(true);
    expect(store.tabs.list(buyer, market.mint.url).every((t) => t.state === "closed")).toBe(true);
    const { ecashSats } = await expectProvidersSettled(market.nodes, run.strategy.tabs());
    await expectInvariant(market, FUNDED, ecashSats);
  }, 60_000);
});
