import { describe, expect, it } from "vitest";
import {
  amountTag,
  amountTagSchema,
  bidTag,
  bidTagSchema,
  cashuParamTag,
  cashuParamTagSchema,
  parseMsats,
  readAmount,
} from "../src/payment.js";
import {
  checkBid,
  jobCostMsats,
  maxAffordableOutputTokens,
  maxJobCostMsats,
  msatsToSats,
  satsToMsats,
  type TokenPrice,
} from "../src/price.js";

const price: TokenPrice = { inputMsatsPer1k: 100, outputMsatsPer1k: 300 };

describe("jobCostMsats", () => {
  it("charges per thousand tokens and rounds the total up once", () => {
    expect(jobCostMsats(price, { inputTokens: 1000, outputTokens: 1000 })).toBe(400);
    // 1 input token = 0.1 msat, 1 output token = 0.3 msat: 0.4 rounds to 1, not 1 + 1.
    expect(jobCostMsats(price, { inputTokens: 1, outputTokens: 1 })).toBe(1);
    expect(jobCostMsats(price, { inputTokens: 10, outputTokens: 0 })).toBe(1);
    expect(jobCostMsats(price, { inputTokens: 11, outputTokens: 0 })).toBe(2);
  });

  it("costs nothing for nothing, unless there is a minimum", () => {
    expect(jobCostMsats(price, { inputTokens: 0, outputTokens: 0 })).toBe(0);
    expect(
      jobCostMsats({ inputMsatsPer1k: 0, outputMsatsPer1k: 0 }, { inputTokens: 10 ** 9, outputTokens: 1 }),
    ).toBe(0);
    const floored = { ...price, minimumMsats: 50 };
    expect(jobCostMsats(floored, { inputTokens: 1, outputTokens: 1 })).toBe(50);
    expect(jobCostMsats(floored, { inputTokens: 1000, outputTokens: 1000 })).toBe(400);
  });

  it("stays exact for huge products and refuses unsafe results", () => {
    const pricey = { inputMsatsPer1k: 10 ** 12, outputMsatsPer1k: 0 };
    // 9e9 · 1e12 = 9e21 exceeds 2^53 in the product but the quotient 9e18 does too: refused.
    expect(() => jobCostMsats(pricey, { inputTokens: 9 * 10 ** 9, outputTokens: 0 })).toThrow(RangeError);
    // 4_503_599_627 tokens · 1e6 msats per 1k = 4_503_599_627_000 msats.
    expect(
      jobCostMsats(
        { inputMsatsPer1k: 10 ** 6, outputMsatsPer1k: 0 },
        { inputTokens: 4_503_599_627, outputTokens: 0 },
      ),
    ).toBe(4_503_599_627_000);
    // 3 · (2^52 + 1) exceeds 2^53, where doubles would lose the last unit before dividing.
    expect(
      jobCostMsats(
        { inputMsatsPer1k: 3, outputMsatsPer1k: 0 },
        { inputTokens: 2 ** 52 + 1, outputTokens: 0 },
      ),
    ).toBe(Number((3n * (2n ** 52n + 1n) + 999n) / 1000n));
  });

  it("refuses nonsense inputs", () => {
    expect(() => jobCostMsats(price, { inputTokens: -1, outputTokens: 0 })).toThrow(RangeError);
    expect(() => jobCostMsats(price, { inputTokens: 1.5, outputTokens: 0 })).toThrow(RangeError);
    expect(() =>
      jobCostMsats({ inputMsatsPer1k: Number.NaN, outputMsatsPer1k: 1 }, { inputTokens: 1, outputTokens: 1 }),
    ).toThrow(RangeError);
  });

  it("quotes the worst case up front", () => {
    expect(maxJobCostMsats(price, 2000, 1000)).toBe(500);
  });
});

describe("maxAffordableOutputTokens", () => {
  it("is the largest output whose cost fits the budget", () => {
    const tokens = maxAffordableOutputTokens(price, 1000, 400);
    expect(tokens).toBe(1000);
    expect(jobCostMsats(price, { inputTokens: 1000, outputTokens: 1000 })).toBeLessThanOrEqual(400);
    expect(jobCostMsats(price, { inputTokens: 1000, outputTokens: 1001 })).toBeGreaterThan(400);
    // An awkward budget: the answer must sit exactly on the rounding boundary.
    const odd = maxAffordableOutputTokens(price, 7, 5) ?? -1;
    expect(jobCostMsats(price, { inputTokens: 7, outputTokens: odd })).toBeLessThanOrEqual(5);
    expect(jobCostMsats(price, { inputTokens: 7, outputTokens: odd + 1 })).toBeGreaterThan(5);
  });

  it("says when even the input does not fit, and when output is free", () => {
    expect(maxAffordableOutputTokens(price, 100_000, 5)).toBeUndefined();
    expect(maxAffordableOutputTokens({ ...price, minimumMsats: 10 }, 0, 5)).toBeUndefined();
    expect(maxAffordableOutputTokens({ inputMsatsPer1k: 1, outputMsatsPer1k: 0 }, 5, 1)).toBe(
      Number.MAX_SAFE_INTEGER,
    );
    // Even one 0.3-msat token rounds up to 1 msat, so a zero budget buys nothing.
    expect(maxAffordableOutputTokens(price, 0, 0)).toBe(0);
    expect(maxAffordableOutputTokens(price, 0, 1)).toBe(3);
  });
});

describe("sats and bids", () => {
  it("converts msats to sats rounding up by default", () => {
    expect(msatsToSats(0)).toBe(0);
    expect(msatsToSats(1)).toBe(1);
    expect(msatsToSats(1000)).toBe(1);
    expect(msatsToSats(1001)).toBe(2);
    expect(msatsToSats(1999, "down")).toBe(1);
    expect(msatsToSats(Number.MAX_SAFE_INTEGER)).toBe(Math.ceil(Number.MAX_SAFE_INTEGER / 1000));
    expect(satsToMsats(21)).toBe(21000);
    expect(() => satsToMsats(Number.MAX_SAFE_INTEGER)).toThrow(RangeError);
    expect(() => msatsToSats(-1)).toThrow(RangeError);
  });

  it("checks a bid against the price", () => {
    expect(checkBid(undefined, 500)).toEqual({ ok: true });
    expect(checkBid(500, 500)).toEqual({ ok: true });
    expect(checkBid(0, 0)).toEqual({ ok: true });
    const low = checkBid(499, 500);
    expect(low).toMatchObject({ ok: false, requiredMsats: 500 });
    if (!low.ok) expect(low.reason).toContain("499");
  });
});

describe("payment tags", () => {
  it("builds the documented shapes", () => {
    expect(bidTag(1000)).toEqual(["bid", "1000"]);
    expect(amountTag({ msats: 21000 })).toEqual(["amount", "21000"]);
    expect(amountTag({ msats: 21000, bolt11: "lnbc210n1x" })).toEqual(["amount", "21000", "lnbc210n1x"]);
    expect(cashuParamTag("cashuBxyz")).toEqual(["param", "cashu", "cashuBxyz"]);
    expect(bidTagSchema.safeParse(bidTag(7)).success).toBe(true);
    expect(amountTagSchema.safeParse(amountTag({ msats: 7, bolt11: "lnbc1" })).success).toBe(true);
    expect(cashuParamTagSchema.safeParse(cashuParamTag("t")).success).toBe(true);
    expect(amountTagSchema.safeParse(["amount", "1e3"]).success).toBe(false);
    expect(() => bidTag(1.5)).toThrow(RangeError);
    expect(() => cashuParamTag(" ")).toThrow(TypeError);
  });

  it("parses msats strictly", () => {
    expect(parseMsats("1000")).toBe(1000);
    expect(parseMsats(" 42 ")).toBe(42);
    expect(parseMsats(0)).toBe(0);
    for (const bad of [
      "",
      "-1",
      "1.5",
      "1e3",
      "0x10",
      "12abc",
      "99999999999999999",
      -1,
      1.5,
      null,
      undefined,
      {},
    ]) {
      expect(parseMsats(bad), String(bad)).toBeUndefined();
    }
  });

  it("reads amount tags", () => {
    expect(readAmount([["amount", "5", "lnbc1"]])).toEqual({
      ok: true,
      amount: { msats: 5, bolt11: "lnbc1" },
    });
    expect(readAmount([["amount", "5", ""]])).toEqual({ ok: true, amount: { msats: 5 } });
    expect(readAmount([])).toEqual({ ok: true, amount: undefined });
    expect(readAmount([["amount"]]).ok).toBe(false);
  });
});
