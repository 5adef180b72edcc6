/**
 * A run's money as its receipt reports it (docs/payments.md, "What the receipt says"): `spent` is measured
 * on the wallet, the rest comes from the run store's tab events and the wallet's operations, and
 * spent = charged + rests + fees + reclaimable, to the sat.
 */
import type { Operation } from "@pylon/wallet";
import type { TabEventRow } from "./tab-store.js";

export interface TabMoney {
  depositedSats: number;
  /** Per-job estimates until a tab closes, then exact. */
  chargedSats: number;
  refundedSats: number;
  /** What closed tabs could not return: a close refunds whole sats, the provider keeps the rest (< 1 sat). */
  restSats: number;
  /** Open tab balances (estimated until closed), and deposits that never left. */
  reclaimableSats: number;
}

/** The tab events' totals (those `include` keeps), with `unsentSats` of deposits that never left. */
export function tabMoney(
  events: readonly TabEventRow[],
  unsentSats: number,
  include: (event: TabEventRow) => boolean = () => true,
): TabMoney {
  const msats = { deposit: 0, charge: 0, refund: 0 };
  // Per provider: its tab's balance, and whether its last event closed it (a refund closes a tab).
  const tabs = new Map<string, { balance: number; closed: boolean }>();
  for (const event of events) {
    if (!include(event) || !(event.kind in msats)) continue;
    msats[event.kind] += event.msats;
    const tab = tabs.get(event.provider) ?? { balance: 0, closed: false };
    tab.balance += event.kind === "deposit" ? event.msats : -event.msats;
    tab.closed = event.kind === "refund";
    tabs.set(event.provider, tab);
  }
  let restMsats = 0;
  for (const tab of tabs.values())
    if (tab.closed && tab.balance >= 0 && tab.balance < 1000) restMsats += tab.balance;
  const depositedSats = msats.deposit / 1000;
  const chargedSats = msats.charge / 1000;
  const refundedSats = msats.refund / 1000;
  const restSats = restMsats / 1000;
  return {
    depositedSats,
    chargedSats,
    refundedSats,
    restSats,
    reclaimableSats: round3(depositedSats - chargedSats - refundedSats - restSats + unsentSats),
  };
}

/**
 * Mint fees the wallet paid in `ops`: swap fees, and what deposit swaps added to their tokens for the
 * providers' redeem fee. A refund's receive fee is not one: the provider's token carried it, and the
 * refund counts as what the wallet gained.
 */
export function walletFeeSats(ops: readonly Operation[]): number {
  return ops
    .filter((op) => op.kind !== "receive" && op.kind !== "fund" && op.state !== "failed")
    .reduce((sum, op) => sum + op.fee + redeemFeeCarried(op), 0);
}

function redeemFeeCarried(op: Operation): number {
  if (op.kind !== "lock" || !Array.isArray(op.detail.requests)) return 0;
  const asked = (op.detail.requests as Array<{ amountSats?: unknown }>).reduce(
    (sum, r) => sum + Number(r.amountSats ?? 0),
    0,
  );
  return Math.max(0, op.amount - asked);
}

/** Whether the figures add up: spent = charged + rests + fees + reclaimable, to the msat. */
export function moneyAddsUp(m: {
  spentSats: number;
  chargedSats: number;
  restSats: number;
  feeSats: number;
  reclaimableSats: number;
}): boolean {
  const right = m.chargedSats + m.restSats + m.feeSats + m.reclaimableSats;
  return Math.round(right * 1000) === Math.round(m.spentSats * 1000);
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
