/** The receipt's tab arithmetic: what a closed tab keeps below a sat is a rest, not reclaimable. */
import { describe, expect, it } from "vitest";
import { tabMoney } from "../src/run-money.js";
import type { TabEventRow } from "../src/tab-store.js";

const row = (provider: string, kind: TabEventRow["kind"], msats: number, at: number): TabEventRow => ({
  provider,
  kind,
  msats,
  jobId: null,
  runId: "run",
  at,
});

describe("tabMoney", () => {
  it("counts a closed tab's sub-sat rest apart; an open tab's balance stays reclaimable", () => {
    const events = [
      row("a", "deposit", 10_000, 1),
      row("a", "charge", 2_600, 2),
      row("a", "refund", 7_000, 3), // closed: 400 msats stay with the provider
      row("b", "deposit", 10_000, 1),
      row("b", "charge", 1_250, 2), // open
    ];
    const money = tabMoney(events, 2);
    expect(money).toEqual({
      depositedSats: 20,
      chargedSats: 3.85,
      refundedSats: 7,
      restSats: 0.4,
      reclaimableSats: 8.75 + 2,
    });
  });

  it("a tab opened again after its close is open: its whole balance is reclaimable", () => {
    const events = [
      row("a", "deposit", 5_000, 1),
      row("a", "charge", 500, 2),
      row("a", "refund", 4_000, 3),
      row("a", "deposit", 5_000, 4),
    ];
    expect(tabMoney(events, 0)).toMatchObject({ restSats: 0, reclaimableSats: 5.5 });
  });
});
