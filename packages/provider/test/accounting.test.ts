import { describe, expect, it } from "vitest";
import { PAID_JOB, PAID_PRICE_SATS, type PaidNode, paidSuite } from "./helpers/cashu.js";
import { buyerClient } from "./helpers/harness.js";
import { DEFAULT_LOCK_SEC, lockedTokenFor } from "./helpers/paid-job.js";

// Three providers on one real mint (input fee 100 ppk) and one real relay, scripted (instant) backends.
// The buyer pays some jobs with per-job tokens (all three locked in ONE swap), opens a tab with each
// provider, closes one tab, and leaves one locked token unsent. Then every sat is traced in SQLite.
const FUNDED = 2_000;
const market = paidSuite({ inputFeePpk: 100, fundSats: FUNDED });
const { cleanup } = market;

const PRICE_SATS = PAID_PRICE_SATS;
const job = PAID_JOB;

describe("accounting across providers and both payment modes (scripted backends)", () => {
  it("buyer spent = providers' ecash + mint fees + reclaimable locked value, to the sat", async () => {
    const nodes: PaidNode[] = [];
    for (let i = 0; i < 3; i++) {
      nodes.push(await market.node());
    }
    const { client } = buyerClient(cleanup, market.relayUrl);
    const submit = (n: (typeof nodes)[number], extra: Record<string, string>, cashuToken?: string) =>
      client.submit({
        ...job,
        provider: n.node.pubkey,
        encryption: "nip44",
        extraParams: extra,
        ...(cashuToken ? { cashuToken } : {}),
      });

    // Per-job tokens: one swap locks a payment to each of the three providers.
    const locktime = Math.floor(Date.now() / 1000) + DEFAULT_LOCK_SEC;
    const { payments } = await market.buyer.createLockedPayments(
      nodes.map((n) => ({ pubkey: n.target.p2pk, amountSats: PRICE_SATS, locktime })),
    );
    for (const n of nodes) {
      const token = payments.find((p) => p.pubkey === n.target.p2pk)?.token;
      expect((await submit(n, {}, token)).output).toBe("paid output");
    }
    // Tabs: a deposit with each provider, then three jobs each from the balance.
    for (const [i, n] of nodes.entries()) {
      await submit(n, { tab: "open" }, await lockedTokenFor(market.buyer, n.target, 10 + i * 5));
      for (let j = 0; j < 3; j++) await submit(n, {});
    }
    // One tab is closed and its refund received; a locked token is made but never sent (reclaimable).
    const refund = await submit(nodes[0]!, { tab: "close" });
    await market.buyer.receive(refund.output);
    await lockedTokenFor(market.buyer, nodes[1]!.target, 7);

    // 0 unpaid jobs served: exactly the 3 per-job + 3 × 4 tab jobs ran.
    expect(nodes.map((n) => n.calls())).toEqual([5, 5, 5]);
    for (const n of nodes) await n.node.payments?.redeemNow();
    await market.buyer.checkPending(); // proofs the providers redeemed are spent; the unsent token stays pending

    let providersEcash = 0;
    for (const n of nodes) {
      const earnings = n.node.status().earnings!;
      const tabs = n.node.payments!.tabTotals();
      expect(earnings.heldSats).toBe(0);
      expect(earnings.lostSats).toBe(0);
      // Each tab: deposited = balance + reserved + charged + refunded.
      expect(tabs.depositedMsats).toBe(
        tabs.balanceMsats + tabs.reservedMsats + tabs.chargedMsats + tabs.refundedMsats,
      );
      expect(tabs.reservedMsats).toBe(0);
      // Credited = the per-job payment + the tab deposit.
      expect(earnings.creditedSats * 1000).toBe(PRICE_SATS * 1000 + tabs.depositedMsats);
      providersEcash += earnings.walletSats;
    }
    const stats = market.mint.stats();
    const buyerBalance = market.buyer.balance().total;
    const reclaimable = buyerBalance.pending;
    expect(reclaimable).toBeGreaterThanOrEqual(7);
    const spent = FUNDED - buyerBalance.unspent - buyerBalance.reserved;
    expect(spent).toBe(providersEcash + stats.inputFees + stats.lightningFees + reclaimable);
    // And from the mint's side: every sat it issued and not yet redeemed sits in one of these wallets,
    // except the refund token's proofs, which the provider still counts as handed out (pending).
    expect(stats.outstanding).toBe(buyerBalance.unspent + reclaimable + providersEcash);
    expect(stats.minted).toBe(FUNDED);
  });
});
