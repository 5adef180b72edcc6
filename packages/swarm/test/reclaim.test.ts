import { randomBytes } from "node:crypto";
import { getPublicKey } from "@pylon/nostr";
import { Cleanup, waitFor } from "@pylon/testkit";
import { PRICES } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CashuTabOptions, type CashuTabStrategy, cashuTabStrategy, createSwarm } from "../src/index.js";
import {
  announceProvider,
  ask,
  expectInvariant,
  expectTabAgrees,
  NO_CHECKS,
  type PaidMarket,
  paidMarket,
} from "./harness.js";

// Real relay, real mint (HTTP, input fee 100 ppk), real wallet; one paid scripted node that answers, and a
// "dead" paid provider: announced (cashu at our mint, a payment key, NIP-44) but nobody behind it, so the
// deposit sent with its first job is never redeemed. Its deposits are locked for 3 s only (a real node
// refuses locks under its minLockSec, so the live one gets the default hour).
const cleanup = new Cleanup();
let relayUrl: string;
let theMint: PaidMarket["mint"];
let buyer: PaidMarket["buyer"];
let node: PaidMarket["nodes"][number];
const FUNDED = 400;
const DEAD_LOCK_SEC = 3;
const DEPOSIT_SATS = 10;

beforeAll(async () => {
  let nodes: PaidMarket["nodes"];
  ({
    relayUrl,
    mint: theMint,
    buyer,
    nodes,
  } = await paidMarket(cleanup, {
    providers: 1,
    fundSats: FUNDED,
    inputFeePpk: 100,
  }));
  node = nodes[0]!;
}, 30_000);
afterAll(() => cleanup.run(), 30_000);

/** A paid provider on paper only: takes deposits (they reach the relay) and never answers or redeems. */
async function deadPaidProvider(): Promise<{ pubkey: string; lockKey: string }> {
  // Announced compressed, as nodes do (02 + the x coordinate of a key nobody will use).
  const lockKey = `02${getPublicKey(new Uint8Array(randomBytes(32)))}`;
  const pubkey = await announceProvider(cleanup, relayUrl, {
    name: "vanished paid provider",
    price: { inputMsatsPer1k: PRICES.inputPer1k, outputMsatsPer1k: PRICES.outputPer1k, minimumMsats: 0 },
    capacity: { slots: 1, maxQueue: 1 },
    encryption: ["nip44"],
    payment: { methods: ["cashu"], mints: [theMint.url], p2pkPubkey: lockKey },
  });
  return { pubkey, lockKey };
}

const xOnly = (key: string | null): string => (key ?? "").toLowerCase().slice(-64);

/** Runs 12 sub-calls with a dead provider in the market and stops before the swarm's close. */
async function runWithDeadProvider(tabsAtClose: CashuTabOptions["tabsAtClose"]) {
  const dead = await deadPaidProvider();
  const strategy: CashuTabStrategy = cashuTabStrategy({
    wallet: buyer,
    mintUrl: theMint.url,
    depositSats: DEPOSIT_SATS,
    roundDeposits: false, // the figures below are for exactly DEPOSIT_SATS
    lockSeconds: (provider) => (provider.pubkey === dead.pubkey ? DEAD_LOCK_SEC : 3_600),
    closeTimeoutMs: 5_000, // the live node redeems before it refunds: give it time on a loaded machine
    ...(tabsAtClose ? { tabsAtClose } : {}),
  });
  const swarm = await createSwarm({
    relays: [relayUrl],
    payment: strategy,
    directory: { allow: [node.node.pubkey, dead.pubkey] }, // not the earlier cases' dead providers
    hedge: false,
    trust: NO_CHECKS,
    ackTimeoutMs: 1_000,
    backoff: { initialDelayMs: 10, maxDelayMs: 50 },
  });
  let closed = false;
  cleanup.add(() => (closed ? undefined : swarm.close().catch(() => undefined)));
  await swarm.directory.waitFor(2, 10_000);
  expect(swarm.directory.live().filter((e) => strategy.accepts(e))).toHaveLength(2);

  const results = await swarm.complete(
    Array.from({ length: 12 }, (_, i) => ask(`reclaim question ${i} (${tabsAtClose ?? "default"})`, 32)),
    new AbortController().signal,
  );
  // The dead provider never acknowledged: its jobs went to the live node, which answered them all.
  expect(results.filter((r) => !r.ok)).toEqual([]);
  expect(results.every((r) => r.provider === node.node.pubkey)).toBe(true);
  expect(swarm.counters.noAck).toBeGreaterThan(0);

  // The dead provider's deposit left the wallet (pending, locked to its key) and is still unclaimed.
  const deadTab = strategy.tabs().find((t) => t.provider === dead.pubkey);
  expect(deadTab).toMatchObject({ state: "open", depositedMsats: DEPOSIT_SATS * 1000, chargedMsats: 0 });
  const lockedToDead = buyer
    .proofs({ state: "pending" })
    .filter((p) => xOnly(p.lockPubkey) === xOnly(dead.lockKey));
  expect(lockedToDead.length).toBeGreaterThan(0);
  const deadFaceSats = lockedToDead.reduce((sum, p) => sum + p.proof.amount.toNumber(), 0);
  expect(deadFaceSats).toBeGreaterThanOrEqual(DEPOSIT_SATS); // plus the redeem fee it would have paid
  const locktime = Math.max(...lockedToDead.map((p) => p.locktime ?? 0));
  expect(locktime - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(DEAD_LOCK_SEC);

  // After the locktime (the mint's clock decides: a second of margin).
  await waitFor(() => Date.now() / 1000 > locktime + 1, "the dead provider's locktime", 10_000);
  const unspentBefore = buyer.balance().total.unspent;
  return {
    dead,
    strategy,
    lockedToDead,
    deadFaceSats,
    unspentBefore,
    close: async () => {
      await swarm.close();
      closed = true;
    },
  };
}

/** Buyer spent = providers' ecash + mint fees + the buyer's reclaimable locked value, to the sat. */
async function expectBooks(): Promise<{
  spent: number;
  providers: number;
  fees: number;
  pending: number;
}> {
  await node.node.payments?.redeemNow();
  const providers = node.node.status().earnings!.walletSats;
  const { spent, fees, reclaimable } = await expectInvariant({ buyer, mint: theMint }, FUNDED, providers);
  return { spent, providers, fees, pending: reclaimable };
}

describe("reclaiming expired deposits at the end of a run (real mint, relay and wallet)", () => {
  it("close() takes back a vanished provider's expired deposit into the wallet; figures and invariant to the sat", async () => {
    const run = await runWithDeadProvider(undefined);
    const started = performance.now();
    await run.close(); // the dead tab's close times out (5 s); its deposit is reclaimed: no error
    const closeMs = performance.now() - started;

    const { strategy, dead } = run;
    // The figures: the deposit's face value came back, less the reclaim swap's input fee.
    const reclaimOp = buyer.history().find((op) => op.kind === "reclaim");
    expect(reclaimOp).toBeDefined();
    expect(strategy.reclaimedSats).toBe(run.deadFaceSats);
    expect(strategy.reclaimFeeSats).toBe(reclaimOp!.fee);
    expect(reclaimOp!.amount + reclaimOp!.fee).toBe(run.deadFaceSats);
    for (const p of buyer.proofs().filter((p) => run.lockedToDead.some((l) => l.y === p.y))) {
      expect(p).toMatchObject({ state: "spent", spentBy: reclaimOp!.id });
    }
    const unspentAfter = buyer.balance().total.unspent;
    expect(unspentAfter - run.unspentBefore).toBe(
      strategy.refundedSats + strategy.reclaimedSats - strategy.reclaimFeeSats,
    );

    // The run store: the dead tab settled by the reclaim (refunded what it counted for), the live one closed.
    const tabs = strategy.tabs();
    expect(tabs.find((t) => t.provider === dead.pubkey)).toMatchObject({
      state: "closed",
      depositedMsats: DEPOSIT_SATS * 1000,
      chargedMsats: 0,
      refundedMsats: DEPOSIT_SATS * 1000,
    });
    const live = tabs.find((t) => t.provider === node.node.pubkey)!;
    expect(live.state).toBe("closed");
    expectTabAgrees(tabs, node.node);

    // Nothing reclaimable is left, and every sat is accounted for.
    const figures = await expectBooks();
    expect(figures.pending).toBe(0);
    expect(node.node.status().earnings!.lostSats).toBe(0);
    console.log(
      `reclaim: ${strategy.reclaimedSats} sats reclaimed (fee ${strategy.reclaimFeeSats}), refunded ` +
        `${strategy.refundedSats}; close took ${Math.round(closeMs)} ms; spent ${figures.spent} = providers ` +
        `${figures.providers} + fees ${figures.fees} + reclaimable ${figures.pending}`,
    );
  }, 60_000);

  it('tabsAtClose "keep": the live tab stays open for a later run; the dead deposit is still reclaimed', async () => {
    const run = await runWithDeadProvider("keep");
    const closesBefore = node.node.payments!.tabTotals().refundedMsats;
    await run.close();

    const { strategy, dead } = run;
    expect(strategy.reclaimedSats).toBe(run.deadFaceSats);
    expect(strategy.refundedSats).toBe(0);
    const tabs = strategy.tabs();
    expect(tabs.find((t) => t.provider === dead.pubkey)).toMatchObject({
      state: "closed",
      refundedMsats: DEPOSIT_SATS * 1000,
    });
    const live = tabs.find((t) => t.provider === node.node.pubkey)!;
    expect(live.state).toBe("open");
    expect(live.refundedMsats).toBe(0);
    // The node was asked for no refund; it still holds our balance.
    expect(node.node.payments!.tabTotals().refundedMsats).toBe(closesBefore);
    expect(node.node.payments!.tabTotals().balanceMsats).toBeGreaterThan(0);
    expect(buyer.balance().total.unspent - run.unspentBefore).toBe(
      strategy.reclaimedSats - strategy.reclaimFeeSats,
    );
    const figures = await expectBooks();
    expect(figures.pending).toBe(0);
  }, 60_000);
});
