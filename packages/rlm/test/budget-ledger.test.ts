import { describe, expect, it } from "vitest";
import { BudgetLedger } from "../src/budget/ledger.js";
import { Limiter } from "../src/util/limiter.js";

describe("BudgetLedger", () => {
  it("reserves worst cases before calls and settles to actual use", () => {
    const ledger = new BudgetLedger({ tokens: 1000, subcalls: 3 });
    const first = ledger.reserve({ subcalls: 1, tokens: 600 });
    expect(first.ok).toBe(true);
    // 600 reserved: a second worst case of 600 does not fit, even though nothing is used yet.
    const refused = ledger.reserve({ subcalls: 1, tokens: 600 });
    expect(refused).toMatchObject({ ok: false, resource: "tokens" });
    if (!refused.ok) expect(refused.message).toMatch(/^budget exhausted \(tokens: 600 of 1000/);
    if (first.ok) first.settle({ tokens: 150, sats: 0 });
    expect(ledger.totals()).toEqual({ iterations: 0, subcalls: 1, tokens: 150, sats: 0 });
    expect(ledger.reserve({ subcalls: 1, tokens: 600 }).ok).toBe(true);
  });

  it("counts calls, gives back cancelled reservations, and refuses past the count", () => {
    const ledger = new BudgetLedger({ subcalls: 2 });
    const a = ledger.reserve({ subcalls: 1 });
    const b = ledger.reserve({ subcalls: 1 });
    expect(ledger.reserve({ subcalls: 1 })).toMatchObject({ ok: false, resource: "subcalls" });
    if (b.ok) b.cancel();
    if (b.ok) b.settle({ tokens: 5, sats: 0 }); // settling after cancel is ignored
    expect(ledger.reserve({ subcalls: 1 }).ok).toBe(true);
    if (a.ok) a.settle({ tokens: 10, sats: 0.5 });
    expect(ledger.totals()).toMatchObject({ subcalls: 1, tokens: 10, sats: 0.5 });
  });

  it("refuses calls of unknown cost once the money is spent", () => {
    const ledger = new BudgetLedger({ sats: 10 });
    const call = ledger.reserve({ subcalls: 1, sats: 0 });
    expect(call.ok).toBe(true);
    if (call.ok) call.settle({ tokens: 0, sats: 12 }); // cost known only afterwards
    expect(ledger.reserve({ subcalls: 1, sats: 0 })).toMatchObject({ ok: false, resource: "sats" });
  });

  it("refuses everything once the wall clock is spent", () => {
    let now = 1000;
    const ledger = new BudgetLedger({ timeoutMs: 50 }, () => now);
    expect(ledger.reserve({ tokens: 1 }).ok).toBe(true);
    now = 1050;
    expect(ledger.reserve({ tokens: 1 })).toMatchObject({ ok: false, resource: "time" });
  });

  it("rejects nonsense limits", () => {
    expect(() => new BudgetLedger({ tokens: -1 })).toThrow(RangeError);
  });
});

describe("Limiter", () => {
  it("never hands out more permits than it has, and wakes waiters on release", async () => {
    const limiter = new Limiter(3);
    expect(await limiter.acquireUpTo(5)).toBe(3);
    const waiting = limiter.acquireUpTo(2);
    let got: number | undefined;
    void waiting.then((n) => {
      got = n;
    });
    await Promise.resolve();
    expect(got).toBeUndefined();
    limiter.release(2);
    expect(await waiting).toBe(2);
    expect(limiter.available).toBe(0);
  });

  it("stops waiting when the signal aborts", async () => {
    const limiter = new Limiter(1);
    await limiter.acquireUpTo(1);
    const controller = new AbortController();
    const waiting = limiter.acquireUpTo(1, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow();
    limiter.release(1);
    expect(limiter.available).toBe(1);
  });
});
