import { describe, expect, it } from "vitest";
import { type CheckAnswer, judge } from "../src/judge.js";

const HONEST = "Paris is the capital of France, on the Seine.";
const HONEST_DIVERGED = "Paris is the largest city of France by far."; // shares a start: agrees
const JUNK = "zq8 vv1 lorem ipsum dolor sit amet consectetur";
const OTHER = "Bananas are berries, botanically speaking, unlike strawberries.";

let next = 0;
const answer = (provider: string, text: string): CheckAnswer => ({ provider, jobId: `job-${next++}`, text });

describe("judge", () => {
  it("two agreeing answers from distinct providers: both pass, nobody strikes", () => {
    const answers = [answer("A", HONEST), answer("B", HONEST_DIVERGED)];
    const verdict = judge(answers);
    expect(verdict).toMatchObject({ conclusive: true, needMore: false, struck: [] });
    expect(verdict.passed).toEqual(answers);
    expect(verdict.reference).toEqual(answers);
  });

  it("two disagreeing answers: needs a third, blames nobody yet", () => {
    expect(judge([answer("A", JUNK), answer("B", HONEST)])).toEqual({
      conclusive: false,
      needMore: true,
      reference: [],
      passed: [],
      struck: [],
    });
  });

  it("three answers, the checked one the odd one out: it strikes, the other two pass", () => {
    const checked = answer("A", JUNK);
    const b = answer("B", HONEST);
    const c = answer("C", HONEST_DIVERGED);
    const verdict = judge([checked, b, c]);
    expect(verdict).toMatchObject({ conclusive: true, needMore: false });
    expect(verdict.struck).toEqual([checked]);
    expect(verdict.passed).toEqual([b, c]);
  });

  it("three answers, the first referee the odd one out: the referee strikes, the checked answer passes", () => {
    const checked = answer("A", HONEST);
    const liar = answer("B", JUNK);
    const c = answer("C", HONEST);
    const verdict = judge([checked, liar, c]);
    expect(verdict.struck).toEqual([liar]);
    expect(verdict.passed).toEqual([checked, c]);
  });

  it("three answers all different: needs more, nobody strikes", () => {
    const verdict = judge([answer("A", JUNK), answer("B", HONEST), answer("C", OTHER)]);
    expect(verdict).toMatchObject({ conclusive: false, needMore: true, passed: [], struck: [] });
  });

  it("the same provider twice does not make a majority", () => {
    // A answered the job twice (the same junk): one provider, no reference.
    const verdict = judge([answer("A", JUNK), answer("A", JUNK), answer("B", HONEST)]);
    expect(verdict).toMatchObject({ conclusive: false, needMore: true, struck: [] });
    // Two honest providers outnumber A however often A answers: both of A's answers strike.
    const a1 = answer("A", JUNK);
    const a2 = answer("A", JUNK);
    const withMore = judge([a1, a2, answer("B", HONEST), answer("C", HONEST)]);
    expect(withMore.conclusive).toBe(true);
    expect(withMore.struck).toEqual([a1, a2]);
    // Two answers of one provider never agree into a reference on their own.
    expect(judge([answer("A", HONEST), answer("A", HONEST)]).conclusive).toBe(false);
  });

  it("never strikes an answer that agrees with a member of the reference (agreement is not transitive)", () => {
    // X shares a start with H2; H1 is close to H2 in n-grams but shares nothing with X.
    const x = answer("X", "abcdZZZZZZZZZZZZZZZZ");
    const h1 = answer("H1", "Qbcdefghijklmnopqrstuvwxyz");
    const h2 = answer("H2", "abcdefghijklmnopqrstuvwxyz");
    const verdict = judge([x, h1, h2]);
    expect(verdict.conclusive).toBe(true);
    expect(verdict.passed).toEqual([x, h2]);
    expect(verdict.struck).toEqual([]); // H1 agrees with H2: not blamed for disagreeing with X
    // The same answers, the honest pair first: X agrees with H2, so it is not struck either.
    expect(judge([h1, h2, x]).struck).toEqual([]);
  });

  it("a tie between two groups of two providers needs more", () => {
    const verdict = judge([answer("A", JUNK), answer("B", JUNK), answer("C", HONEST), answer("D", HONEST)]);
    expect(verdict).toMatchObject({ conclusive: false, needMore: true });
  });

  it("no answers, or one: needs more", () => {
    expect(judge([]).needMore).toBe(true);
    expect(judge([answer("A", HONEST)]).needMore).toBe(true);
  });

  it("two strangers agreeing against an honest answer need a third before anyone strikes", () => {
    // Two cheaters' answers can agree by chance; neither is in good standing, so they cannot outvote H.
    const h = answer("H", HONEST);
    const x = answer("X", JUNK);
    const y = answer("Y", JUNK);
    const strangers = { credible: (provider: string) => provider === "H" };
    expect(judge([h, x, y], {}, strangers)).toMatchObject({ conclusive: false, needMore: true, struck: [] });
    // A third agreeing provider makes the reference credible on numbers alone.
    const z = answer("Z", JUNK);
    expect(judge([h, x, y, z], {}, { credible: () => false }).struck).toEqual([h]);
    // One member in good standing is enough for a reference of two.
    expect(judge([h, x, y], {}, { credible: (provider) => provider === "Y" }).struck).toEqual([h]);
    // Agreement that strikes nobody needs no credibility: both pass.
    expect(judge([x, y], {}, { credible: () => false }).passed).toEqual([x, y]);
  });
});
