/**
 * The arithmetic of one tab on the buyer's side, no I/O (docs/payments.md, Tabs). The provider reports
 * only the tab's balance, which our other running jobs move too, so every figure kept here is a lower
 * bound of what it will admit next: a job reserves its maximum cost (its quote) while it runs, and counts
 * that maximum once it ended; the close settles the exact total.
 */
import { jobCostMsats, priceForModel } from "@pylon/protocol";
import type { ProviderEntry } from "./directory.js";
import type { PaymentJob } from "./payment.js";

export interface TabLedger {
  /** What the tab holds at least (the higher of `floorMsats` and its last reported balance), msats. */
  balanceMsats: number;
  /** Deposits less the maximum cost of every job answered: what it holds at least, msats. */
  floorMsats: number;
  /** Maximum costs of our jobs running on it now, msats. */
  reservedMsats: number;
  open: boolean;
}

/** One job's claim on a tab, from `reserve` (or `creditDeposit`) to `endHold`. */
export interface TabHold {
  /** Its maximum cost, msats. */
  msats: number;
  /** The deposit that travelled with it, msats; 0 when none did. */
  depositMsats: number;
}

/** How the job holding a reserve ended. */
export interface HoldEnd {
  outcome: "answered" | "failed" | "cancelled";
  /** Whether its request was published. */
  published: boolean;
  /** The balance the provider reported with the result, msats. */
  reportedMsats?: number | undefined;
}

/** A tab we know nothing of, or one a resumed run finds open (its last reported balance). */
export function newLedger(resumedBalanceMsats?: number): TabLedger {
  const balance = resumedBalanceMsats ?? 0;
  return {
    balanceMsats: balance,
    floorMsats: balance,
    reservedMsats: 0,
    open: resumedBalanceMsats !== undefined,
  };
}

/** Reserves `needMsats` of an open tab that has it free; undefined when it does not (deposit first). */
export function reserve(tab: TabLedger, needMsats: number): TabHold | undefined {
  if (!tab.open || tab.balanceMsats - tab.reservedMsats < needMsats) return undefined;
  tab.reservedMsats += needMsats;
  return { msats: needMsats, depositMsats: 0 };
}

/** Counts a deposit on its way with the job that needs it, and reserves that job's maximum cost. */
export function creditDeposit(tab: TabLedger, depositMsats: number, needMsats: number): TabHold {
  tab.balanceMsats += depositMsats;
  tab.floorMsats += depositMsats;
  tab.reservedMsats += needMsats;
  return { msats: needMsats, depositMsats };
}

/**
 * Ends a hold. Returns true when the deposit that travelled with it never left (its job was not
 * published): it is taken off the tab again.
 */
export function endHold(tab: TabLedger, hold: TabHold, end: HoldEnd): boolean {
  const deposit = hold.depositMsats > 0;
  tab.reservedMsats -= hold.msats;
  if (end.outcome === "answered") {
    if (deposit) tab.open = true;
    // Safe whatever the job cost: count it at its maximum (its reserve), and where the provider said what
    // is left, take that when higher (its figure excludes its holds for our running jobs, held back here too).
    tab.floorMsats -= hold.msats;
    tab.balanceMsats = Math.max(tab.floorMsats, end.reportedMsats ?? Number.NEGATIVE_INFINITY);
    return false;
  }
  if (end.published) {
    // Failed or cancelled after it went out: a cancelled job is charged what it generated; count the most
    // it could have cost.
    tab.floorMsats -= hold.msats;
    tab.balanceMsats -= hold.msats;
    // The deposit may or may not have been credited; a later job finds out (payment-required: refused).
    if (deposit) tab.open = true;
    return false;
  }
  if (!deposit) return false;
  tab.balanceMsats -= hold.depositMsats;
  tab.floorMsats -= hold.depositMsats;
  return true;
}

/** A tab closed (refunded) or settled by reclaiming its deposits. */
export function markClosed(tab: TabLedger): void {
  tab.open = false;
  tab.balanceMsats = 0;
  tab.floorMsats = 0;
}

/** The deposit to make, sats: what the policy wants, but at least room for two jobs like the one needing it. */
export function depositSatsFor(wantedSats: number, quoteMsats: number): number {
  // The provider refuses a deposit below the opening job's quote; keep room for one more.
  return Math.max(Math.ceil(wantedSats), Math.ceil((2 * quoteMsats) / 1000) + 1);
}

/**
 * The deposit of at least `sats` that the wallet locks as ONE proof: a power of two less the fee it adds to
 * redeem one proof (`feeSats`). Each proof is a blind-signed output (~20 ms of curve math on each side), so
 * e.g. 256 sats cost a third of 250 (six outputs); the sats locked beyond the need come back at close.
 */
export function oneOutputSats(sats: number, feeSats: number): number {
  let power = 1;
  while (power - feeSats < sats) power *= 2;
  return power - feeSats;
}

/** A top-up is at most this many times the base deposit. */
export const TOP_UP_CAP = 8;

/**
 * The sats of the next deposit to a tab: `baseSats` (options' `depositSats`, or a policy's), or for a top-up
 * (`lastSats`: the deposit the tab spent) twice the last, at most TOP_UP_CAP × the base, so a busy
 * provider's jobs wait behind a deposit a few times a run; each rounded to one proof (`feeSats`) unless
 * `round` is false. The largest that fits `leftSats` of the budget: grown and rounded, grown, base rounded,
 * base; the base when none fits (the caller refuses it).
 */
export function nextDepositSats(spec: {
  baseSats: number;
  lastSats: number | undefined;
  quoteMsats: number;
  feeSats: number;
  round: boolean;
  leftSats: number;
}): number {
  const { baseSats, lastSats } = spec;
  const grown = lastSats ? Math.min(TOP_UP_CAP * baseSats, 2 * lastSats) : baseSats;
  const sizes = (wanted: number): number[] => {
    const minimum = depositSatsFor(wanted, spec.quoteMsats);
    return [spec.round ? oneOutputSats(minimum, spec.feeSats) : minimum, minimum];
  };
  const choices = [...(grown > baseSats ? sizes(grown) : []), ...sizes(baseSats)];
  return choices.find((sats) => sats <= spec.leftSats) ?? (choices.at(-1) as number);
}

/** A deposit is confirmed (its job acknowledged: the provider took it): the tab takes jobs from now on. */
export function confirmDeposit(tab: TabLedger): void {
  tab.open = true;
}

/**
 * What one job cost: its price for the tokens it used (input as quoted, output as answered), at most its
 * reserve. An estimate per job (see the header); unknown price or output: the reserve.
 */
export function estimateCostMsats(
  provider: ProviderEntry,
  job: PaymentJob,
  outputTokens: number | undefined,
  reserveMsats: number,
): number {
  const announcement = provider.announcement;
  const price = priceForModel(announcement, job.model ?? announcement.models[0]?.name ?? "");
  if (!price || outputTokens === undefined) return reserveMsats;
  return Math.min(reserveMsats, jobCostMsats(price, { inputTokens: job.inputTokens, outputTokens }));
}

/**
 * What the provider charged on a tab beyond the per-job estimates already recorded, once it closed: what
 * went in, less the charges and refunds recorded, this close's refund and the sub-sat rest it keeps.
 */
export function closingChargeMsats(
  totals: { depositedMsats: number; chargedMsats: number; refundedMsats: number },
  refundMsats: number,
  restMsats: number,
): number {
  return totals.depositedMsats - totals.chargedMsats - totals.refundedMsats - refundMsats - restMsats;
}
