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

describe("claims (selection's picks before their prepare)", () => {
  it("count against the window at once, are taken over by prepare, and lapse when never used", () => {
    const window = new OpeningWindow({ initial: 2, maxSwap: 2, onRoom: () => undefined });
    window.claim("a");
    window.claim("a"); // one provider, one claim
    expect(window.full).toBe(false);
    window.claim("b", Date.now() - 10_000); // a pick whose job went elsewhere long ago
    window.claim("c");
    window.claim("d");
    expect(window.full).toBe(false); // a, c, d: 3 of the 4 places (two swaps of 2); b has lapsed
    window.claim("e");
    expect(window.claimed("a")).toBe(true);
    expect(window.full).toBe(true);
    window.unclaim("a");
    expect(window.claimed("b")).toBe(false);
    expect(window.full).toBe(false);
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
  const base = { quoteMsats: 1_000, windowFull: false, claimed: false, depositMs: 150, now: 1_000 };
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
    // Already chosen for a deposit (its prepare not yet run): more jobs may follow it there.
    expect(tabReadiness({ ...base, tab: undefined, windowFull: true, claimed: true })).toEqual({
      waitMs: 150,
      mayStart: true,
    });
  });
  it("learns swap times from the run's own swaps", () => {
    const timing = new DepositTiming({ baseMs: 40, perDepositMs: 25 });
    expect(timing.swapMs(4)).toBe(140);
    for (let i = 0; i < 20; i++) timing.swapEnded(4, 40 + 4 * 60);
    expect(timing.perDepositMs).toBeCloseTo(60, 0);
  });
});
