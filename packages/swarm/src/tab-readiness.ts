/**
 * How soon a job could be paid at a provider through its tab (PaymentStrategy.readiness, docs/payments.md,
 * Lazy tabs): at once on an open tab that covers it; when the deposit on its way is expected to be confirmed;
 * else after a swap it would join plus the confirmation round, and not at all while the opening window is full.
 * Pure and O(1): selection asks it for every candidate.
 */
import type { PaymentReadiness } from "./payment.js";
import type { TabLedger } from "./tab-ledger.js";

export interface ReadinessInput {
  /** The provider's tab, when we have one; `opening`: its deposit on its way. */
  tab: (TabLedger & { opening: { confirmAt: number } | undefined }) | undefined;
  quoteMsats: number;
  /** No new deposit may start now (the opening window is full). */
  windowFull: boolean;
  /** Selection already chose this provider for a new deposit (its prepare has not run yet). */
  claimed: boolean;
  /** Expected ms until a deposit asked for now is confirmed (its swap, then its job's acknowledgement). */
  depositMs: number;
  now: number;
}

export function tabReadiness(input: ReadinessInput): PaymentReadiness {
  const { tab, quoteMsats, now } = input;
  // Jobs to a tab being opened wait behind its deposit, then go on it.
  if (tab?.opening) return { waitMs: Math.max(1, tab.opening.confirmAt - now), mayStart: true };
  if (tab?.open && tab.balanceMsats - tab.reservedMsats >= quoteMsats) return { waitMs: 0, mayStart: true };
  // Chosen for a deposit already: more jobs may follow it there (they wait behind it, then use the tab).
  return { waitMs: Math.max(0, input.depositMs), mayStart: input.claimed || !input.windowFull };
}
