/** What a run's tabs came to, per provider, as the buyer's run store has them (`CashuTabStrategy.tabs()`). */
import type { TabStore } from "./tab-store.js";

export interface TabSummary {
  provider: string;
  depositedMsats: number;
  chargedMsats: number;
  refundedMsats: number;
  balanceMsats: number | null;
  state: "open" | "closed";
}

/** The buyer's tabs at `mint`, one per provider. */
export function tabSummaries(tabs: TabStore, buyer: string, mint: string): TabSummary[] {
  return tabs.list(buyer, mint).map((t) => ({
    provider: t.provider,
    depositedMsats: t.depositedMsats,
    chargedMsats: t.chargedMsats,
    refundedMsats: t.refundedMsats,
    balanceMsats: t.balanceMsats,
    state: t.state,
  }));
}

/**
 * Why tabs are left unsettled after a close: those whose provider did not answer the close job (`unclosed`,
 * by provider) and that are still open, i.e. their deposits did not come back by reclaim either.
 */
export function unsettledTabs(
  summaries: readonly TabSummary[],
  unclosed: ReadonlyMap<string, string>,
): string[] {
  return summaries
    .filter((tab) => tab.state === "open" && unclosed.has(tab.provider))
    .map((tab) => `${tab.provider.slice(0, 8)}: ${unclosed.get(tab.provider)}`);
}
