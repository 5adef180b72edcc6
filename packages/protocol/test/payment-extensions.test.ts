import { describe, expect, it } from "vitest";
import { buildJobFeedback, parseJobFeedback } from "../src/nip90-feedback.js";
import { buildJobResult, parseJobResult } from "../src/nip90-result.js";
import {
  cashuRequestTag,
  readCashuRequest,
  readTabBalance,
  tabBalanceTag,
  tabParamTag,
} from "../src/payment.js";
import { buyerPk, NOW, providerSk, signed } from "./fixtures.js";

const jobRef = { id: "a".repeat(64), pubkey: buyerPk };

describe("payment extensions: creq, tab", () => {
  it("builds and reads the NUT-18 request tag and the tab tags", () => {
    expect(cashuRequestTag("creqAabc")).toEqual(["creq", "creqAabc"]);
    expect(() => cashuRequestTag("lnbc1")).toThrow(/NUT-18/);
    expect(readCashuRequest([["creq", " creqAxyz "]])).toBe("creqAxyz");
    expect(readCashuRequest([["creq", "nope"]])).toBeUndefined();
    expect(tabParamTag("open")).toEqual(["param", "tab", "open"]);
    expect(tabBalanceTag(19_460, 1_760_000_000)).toEqual(["tab", "19460", "1760000000"]);
    expect(() => tabBalanceTag(-1)).toThrow(RangeError);
    expect(readTabBalance([["tab", "42"]])).toBe(42);
    expect(readTabBalance([["tab", "4.2"]])).toBeUndefined();
  });

  it("parses them from signed feedback and results", () => {
    const feedback = buildJobFeedback({
      now: NOW,
      request: jobRef,
      status: "payment-required",
      amount: { msats: 2030 },
    });
    feedback.tags.push(cashuRequestTag("creqAabc"));
    const parsedFeedback = parseJobFeedback(signed(feedback, providerSk));
    expect(parsedFeedback.ok && parsedFeedback.feedback.paymentRequest).toBe("creqAabc");

    const result = buildJobResult({
      now: NOW,
      request: { ...jobRef, kind: 5050, tags: [], content: "", created_at: NOW, sig: "" },
      output: "hi",
      amount: { msats: 0 },
    });
    result.tags.push(tabBalanceTag(19_460));
    const parsedResult = parseJobResult(signed(result, providerSk));
    expect(parsedResult.ok && parsedResult.result.tabMsats).toBe(19_460);
  });
});
