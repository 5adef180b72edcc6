/**
 * The books of a paid market run, checked to the msat: every tab closed, each provider's books agree with the
 * buyer's record, what the providers kept = what the tabs charged + the sub-sat rests a close cannot refund,
 * and the buyer's outflow (funded − held) = the providers' ecash + mint fees + what is still reclaimable.
 * Providers in this process (`expectBalancedBooks`) or reporting from their own (`expectBalancedReports`).
 */
import type { MintStats, RunningMint } from "@pylon/mint";
import type { cashuTabStrategy } from "@pylon/swarm";
import type { ScriptedNode } from "@pylon/testkit/market";
import type { PylonWallet } from "@pylon/wallet";
import { expect } from "vitest";
import type { ProviderBooks } from "../soak/checks.js";

export interface Books {
  spent: number;
  earnedSats: number;
  chargedMsats: number;
  fees: number;
  reclaimable: number;
}

type Strategy = ReturnType<typeof cashuTabStrategy>;

export async function expectBalancedBooks(market: {
  funded: number;
  mint: RunningMint;
  buyer: PylonWallet;
  nodes: readonly ScriptedNode[];
  strategy: Strategy;
}): Promise<Books> {
  const reports: Array<ProviderBooks & { pubkey: string }> = [];
  for (const { node } of market.nodes) {
    await node.payments!.redeemNow();
    const status = node.status();
    reports.push({
      pubkey: node.pubkey,
      earnings: status.earnings!,
      tabs: node.payments!.tabTotals(),
      jobs: status.jobs,
    });
  }
  const { mint, ...rest } = market;
  return expectBalancedReports({ ...rest, reports, mintStats: async () => mint.stats() });
}

/** The same checks from each provider's report (after it redeemed what it held) and the mint's stats. */
export async function expectBalancedReports(market: {
  funded: number;
  mintStats: () => Promise<MintStats>;
  buyer: PylonWallet;
  reports: ReadonlyArray<ProviderBooks & { pubkey: string }>;
  strategy: Strategy;
}): Promise<Books> {
  const { funded, buyer, reports, strategy } = market;
  const tabs = strategy.tabs();
  expect(tabs.every((t) => t.state === "closed")).toBe(true);
  let earnedSats = 0;
  let chargedMsats = 0;
  for (const report of reports) {
    expect(report.error).toBeUndefined();
    expect(report.jobs!.paymentRequired).toBe(0);
    const earnings = report.earnings!;
    const totals = report.tabs!;
    expect(totals.reservedMsats).toBe(0);
    expect(earnings.heldSats).toBe(0);
    expect(earnings.lostSats).toBe(0);
    expect(totals.depositedMsats).toBe(
      totals.balanceMsats + totals.reservedMsats + totals.chargedMsats + totals.refundedMsats,
    );
    const mine = tabs.find((t) => t.provider === report.pubkey);
    if (mine) {
      expect(mine.depositedMsats).toBe(totals.depositedMsats);
      expect(mine.chargedMsats).toBe(totals.chargedMsats);
      expect(mine.refundedMsats).toBe(totals.refundedMsats);
    } else expect(totals.depositedMsats).toBe(0);
    expect(earnings.creditedSats * 1000).toBe(totals.depositedMsats);
    earnedSats += earnings.walletSats;
    chargedMsats += totals.chargedMsats;
  }
  // What the providers kept of the deposits (locked − refunded) = what the tabs charged + the sub-sat
  // remainder a close cannot refund, to the msat; their ecash is that less their own swaps' mint fees.
  const remainderMsats = tabs.reduce((sum, t) => sum + (t.balanceMsats ?? 0), 0);
  for (const t of tabs) expect(t.balanceMsats ?? 0).toBeLessThan(1000);
  expect(chargedMsats).toBeGreaterThan(0);
  // A deposit whose job no relay took never left (a strict relay's rate limit): still locked, on no tab, and
  // part of what the buyer can reclaim below.
  const sentSats = strategy.lockedSats - strategy.unsentSats;
  expect(sentSats * 1000).toBe(tabs.reduce((sum, t) => sum + t.depositedMsats, 0));
  expect((sentSats - strategy.refundedSats) * 1000).toBe(chargedMsats + remainderMsats);
  expect(earnedSats).toBeLessThanOrEqual(sentSats - strategy.refundedSats);

  // The buyer's outflow (funded − held) = providers' ecash + mint fees + still reclaimable, to the sat.
  await buyer.checkPending();
  const stats = await market.mintStats();
  const balance = buyer.balance().total;
  const spent = funded - balance.unspent - balance.reserved;
  const fees = stats.inputFees + stats.lightningFees;
  expect(stats.minted).toBe(funded);
  expect(spent).toBe(earnedSats + fees + balance.pending);
  expect(balance.pending).toBeGreaterThanOrEqual(strategy.unsentSats);
  return { spent, earnedSats, chargedMsats, fees, reclaimable: balance.pending };
}
