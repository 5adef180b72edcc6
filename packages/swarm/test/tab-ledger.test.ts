/** The tab arithmetic on its own (no wallet, relay or store): deposits, holds, charges, closing. */
import { parseAnnouncement, type TokenPrice } from "@pylon/protocol";
import { describe, expect, it } from "vitest";
import type { ProviderEntry } from "../src/directory.js";
import type { LockedDeposit } from "../src/reclaim.js";
import { uncreditedDeposits } from "../src/tab-close.js";
import {
  closingChargeMsats,
  creditDeposit,
  depositSatsFor,
  endHold,
  estimateCostMsats,
  markClosed,
  newLedger,
  nextDepositSats,
  reserve,
  type TabLedger,
} from "../src/tab-ledger.js";
import { signedAnnouncement } from "./harness.js";

/** An open tab holding `msats`, as a deposit credited and its job answered would leave it. */
function openTab(msats: number): TabLedger {
  const tab = newLedger();
  const hold = creditDeposit(tab, msats, 0);
  endHold(tab, hold, { outcome: "answered", published: true });
  return tab;
}

function provider(price?: TokenPrice): ProviderEntry {
  const event = signedAnnouncement(price ? { price } : {});
  const parsed = parseAnnouncement(event);
  if (!parsed.ok) throw new Error("announcement did not parse");
  return { pubkey: event.pubkey, announcement: parsed.announcement, receivedAt: 0 };
}

describe("tab ledger", () => {
  it("a new tab is closed and reserves nothing; a resumed one is open at its last reported balance", () => {
    const fresh = newLedger();
    expect(fresh).toEqual({ balanceMsats: 0, floorMsats: 0, reservedMsats: 0, open: false });
    expect(reserve(fresh, 0)).toBeUndefined();
    const resumed = newLedger(5_000);
    expect(resumed).toEqual({ balanceMsats: 5_000, floorMsats: 5_000, reservedMsats: 0, open: true });
    expect(reserve(resumed, 5_000)).toEqual({ msats: 5_000, depositMsats: 0 });
  });

  it("reserves only what is free of the running jobs' reserves", () => {
    const tab = openTab(10_000);
    expect(reserve(tab, 6_000)).toEqual({ msats: 6_000, depositMsats: 0 });
    expect(reserve(tab, 5_000)).toBeUndefined();
    expect(reserve(tab, 4_000)).toEqual({ msats: 4_000, depositMsats: 0 });
    expect(tab.reservedMsats).toBe(10_000);
  });

  it("a deposit opens the tab when its job is answered; the job counts at its maximum", () => {
    const tab = newLedger();
    const hold = creditDeposit(tab, 20_000, 3_000);
    expect(tab).toMatchObject({
      balanceMsats: 20_000,
      floorMsats: 20_000,
      reservedMsats: 3_000,
      open: false,
    });
    expect(endHold(tab, hold, { outcome: "answered", published: true })).toBe(false);
    expect(tab).toEqual({ balanceMsats: 17_000, floorMsats: 17_000, reservedMsats: 0, open: true });
  });

  it("takes the provider's reported balance when it is above the floor, never below", () => {
    const tab = openTab(20_000);
    const higher = reserve(tab, 3_000)!;
    endHold(tab, higher, { outcome: "answered", published: true, reportedMsats: 18_500 });
    expect(tab.floorMsats).toBe(17_000);
    expect(tab.balanceMsats).toBe(18_500);
    const lower = reserve(tab, 3_000)!;
    endHold(tab, lower, { outcome: "answered", published: true, reportedMsats: 1_000 });
    expect(tab.floorMsats).toBe(14_000);
    expect(tab.balanceMsats).toBe(14_000);
  });

  it("a published job that failed or was cancelled counts at its maximum", () => {
    const tab = openTab(20_000);
    const hold = reserve(tab, 3_000)!;
    expect(endHold(tab, hold, { outcome: "cancelled", published: true })).toBe(false);
    expect(tab).toEqual({ balanceMsats: 17_000, floorMsats: 17_000, reservedMsats: 0, open: true });
  });

  it("a deposit whose job was never published is taken off again; one that went out leaves the tab open", () => {
    const unsent = newLedger();
    const hold = creditDeposit(unsent, 20_000, 3_000);
    expect(endHold(unsent, hold, { outcome: "failed", published: false })).toBe(true);
    expect(unsent).toEqual({ balanceMsats: 0, floorMsats: 0, reservedMsats: 0, open: false });

    const sent = newLedger();
    const sentHold = creditDeposit(sent, 20_000, 3_000);
    expect(endHold(sent, sentHold, { outcome: "failed", published: true })).toBe(false);
    expect(sent).toEqual({ balanceMsats: 17_000, floorMsats: 17_000, reservedMsats: 0, open: true });
  });

  it("an unpublished job without a deposit only gives its reserve back", () => {
    const tab = openTab(20_000);
    const hold = reserve(tab, 3_000)!;
    expect(endHold(tab, hold, { outcome: "failed", published: false })).toBe(false);
    expect(tab).toEqual({ balanceMsats: 20_000, floorMsats: 20_000, reservedMsats: 0, open: true });
  });

  it("a closed tab holds nothing", () => {
    const tab = openTab(20_000);
    markClosed(tab);
    expect(tab).toEqual({ balanceMsats: 0, floorMsats: 0, reservedMsats: 0, open: false });
    expect(reserve(tab, 1)).toBeUndefined();
  });

  it("a deposit covers what is wanted, and at least two jobs like the one needing it", () => {
    expect(depositSatsFor(100, 3_000)).toBe(100);
    expect(depositSatsFor(2.2, 3_000)).toBe(7);
    expect(depositSatsFor(1, 3_001)).toBe(8);
  });

  it("estimates a job's cost from its price and output, at most its reserve", () => {
    const priced = provider({ inputMsatsPer1k: 10_000, outputMsatsPer1k: 20_000 });
    const job = { quoteMsats: 5_000, inputTokens: 100, maxTokens: 200, model: "m" };
    expect(estimateCostMsats(priced, job, 50, 5_000)).toBe(2_000);
    expect(estimateCostMsats(priced, job, 1_000, 5_000)).toBe(5_000);
    expect(estimateCostMsats(priced, job, undefined, 5_000)).toBe(5_000);
    expect(estimateCostMsats(provider(), job, 50, 5_000)).toBe(5_000);
  });

  it("the closing charge is what went in less what was recorded, refunded and kept as the sub-sat rest", () => {
    const totals = { depositedMsats: 100_000, chargedMsats: 30_000, refundedMsats: 10_000 };
    expect(closingChargeMsats(totals, 55_000, 400)).toBe(4_600);
    expect(closingChargeMsats(totals, 60_000, 0)).toBe(0);
  });

  it("a top-up doubles the last deposit up to 8× the base, rounded to one proof, within the budget", () => {
    const spec = {
      baseSats: 100,
      quoteMsats: 2_000,
      feeSats: 1,
      round: true,
      leftSats: Number.POSITIVE_INFINITY,
    };
    expect(nextDepositSats({ ...spec, lastSats: undefined })).toBe(127); // opening: the base, one proof
    expect(nextDepositSats({ ...spec, lastSats: 127 })).toBe(255); // 254 → one proof of 255
    expect(nextDepositSats({ ...spec, lastSats: 511 })).toBe(1023); // 800 (8 × 100), rounded
    expect(nextDepositSats({ ...spec, lastSats: 1023 })).toBe(1023); // capped
    expect(nextDepositSats({ ...spec, lastSats: 127, round: false })).toBe(254);
    // The budget: the largest that fits, down to the exact base; the base when nothing fits.
    expect(nextDepositSats({ ...spec, lastSats: 127, leftSats: 254 })).toBe(254);
    expect(nextDepositSats({ ...spec, lastSats: 127, leftSats: 200 })).toBe(127);
    expect(nextDepositSats({ ...spec, lastSats: 127, leftSats: 110 })).toBe(100);
    expect(nextDepositSats({ ...spec, lastSats: 127, leftSats: 50 })).toBe(100);
    // Never below what the job needs (twice its quote and a sat).
    expect(nextDepositSats({ ...spec, baseSats: 1, lastSats: undefined, round: false })).toBe(5);
  });
});

describe("a close answered 'no tab is open here'", () => {
  const deposit = (provider: string, msats: number, sent = true): LockedDeposit => ({
    opId: "op",
    provider,
    lockKey: `02${provider}`,
    msats,
    locktime: 0,
    sent,
  });
  const deposits = [
    deposit("a", 15_000),
    deposit("a", 31_000),
    deposit("b", 15_000),
    deposit("a", 7_000, false),
  ];

  it("takes back this run's sent deposits when they are all the tab holds", () => {
    const tab = { depositedMsats: 46_000, chargedMsats: 0, refundedMsats: 0 };
    expect(uncreditedDeposits(tab, deposits, "a")?.map((d) => d.msats)).toEqual([15_000, 31_000]);
  });

  it("takes back nothing from a tab that was charged, refunded, or holds deposits of another run", () => {
    expect(
      uncreditedDeposits({ depositedMsats: 46_000, chargedMsats: 300, refundedMsats: 0 }, deposits, "a"),
    ).toBe(undefined);
    expect(
      uncreditedDeposits({ depositedMsats: 46_000, chargedMsats: 0, refundedMsats: 1_000 }, deposits, "a"),
    ).toBe(undefined);
    expect(
      uncreditedDeposits({ depositedMsats: 61_000, chargedMsats: 0, refundedMsats: 0 }, deposits, "a"),
    ).toBe(undefined);
    expect(uncreditedDeposits({ depositedMsats: 0, chargedMsats: 0, refundedMsats: 0 }, deposits, "c")).toBe(
      undefined,
    );
  });
});
