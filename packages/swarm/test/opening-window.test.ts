/** Lazy tabs' parts on their own (no wallet, relay or store): the opening window, deposit rounding, readiness. */
import { describe, expect, it } from "vitest";
import { DepositTiming } from "../src/deposit-timing.js";
import { OpeningWindow } from "../src/opening-window.js";
import { oneOutputSats } from "../src/tab-ledger.js";
import { tabReadiness } from "../src/tab-readiness.js";

describe("the opening window (lazy tabs' slow start)", () => {
  it("allows two swaps' worth in flight, grows with the tabs opened, and lets waiters in first come first", async () => {
    let rooms = 0;
    const window = new OpeningWindow({ initial: 2, maxSwap: 3, onRoom: () => rooms++ });
    expect([window.swapSize, window.size]).toEqual([2, 4]);
    for (let i = 0; i < 4; i++) await window.acquire();
    expect(window.full).toBe(true);
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) => window.acquire().then(() => order.push(n)));
    window.release(true);
    window.release(true); // two tabs open: still two a swap
    await Promise.resolve();
    expect(order).toEqual([1, 2]);
    window.release(true); // three open: three a swap, six in flight allowed
    await Promise.all(waiting);
    expect(order).toEqual([1, 2, 3]);
    expect([window.swapSize, window.size]).toEqual([3, 6]);
    for (let i = 0; i < 10; i++) window.release(true);
    expect(window.swapSize).toBe(3); // never past maxSwap
    expect(window.peak).toBeLessThanOrEqual(6);
    expect(rooms).toBe(13);
  });
});

describe("one proof per deposit", () => {
  it("rounds up to a power of two less the redeem fee of one proof", () => {
    expect(oneOutputSats(250, 0)).toBe(256);
    expect(oneOutputSats(256, 0)).toBe(256);
    expect(oneOutputSats(20, 1)).toBe(31);
    expect(oneOutputSats(31, 1)).toBe(31);
    expect(oneOutputSats(32, 1)).toBe(63);
  });
});

describe("readiness", () => {
  const base = { quoteMsats: 1_000, windowFull: false, depositMs: 150, now: 1_000 };
  const ledger = { balanceMsats: 5_000, floorMsats: 5_000, reservedMsats: 0, open: true, opening: undefined };
  it("is immediate on an open tab that covers the job, soon for one being opened, a deposit away otherwise", () => {
    expect(tabReadiness({ ...base, tab: ledger })).toEqual({ waitMs: 0, mayStart: true });
    expect(tabReadiness({ ...base, tab: { ...ledger, reservedMsats: 4_500 } })).toEqual({
      waitMs: 150,
      mayStart: true,
    });
    expect(tabReadiness({ ...base, tab: { ...ledger, opening: { confirmAt: 1_080 } } })).toEqual({
      waitMs: 80,
      mayStart: true,
    });
    expect(tabReadiness({ ...base, tab: undefined, windowFull: true })).toEqual({
      waitMs: 150,
      mayStart: false,
    });
  });
  it("learns swap times from the run's own swaps", () => {
    const timing = new DepositTiming({ baseMs: 40, perDepositMs: 25 });
    expect(timing.swapMs(4)).toBe(140);
    for (let i = 0; i < 20; i++) timing.swapEnded(4, 40 + 4 * 60);
    expect(timing.perDepositMs).toBeCloseTo(60, 0);
  });
});
