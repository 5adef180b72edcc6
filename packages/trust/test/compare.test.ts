import { describe, expect, it } from "vitest";
import { compareAnswers, DEFAULT_COMPARISON, diceSimilarity } from "../src/compare.js";

describe("compareAnswers", () => {
  it("identical answers agree, with similarity 1 and the whole text as common prefix", () => {
    const text = "The capital of France is Paris.";
    expect(compareAnswers(text, text)).toEqual({
      agree: true,
      reason: "identical",
      commonPrefix: text.length,
      similarity: 1,
    });
    expect(compareAnswers("", "")).toMatchObject({ agree: true, reason: "identical" });
  });

  it("answers that part ways after a shared start of prefixChars agree (honest batch divergence)", () => {
    const a = "Paris is the capital; it lies on the Seine and has two million people.";
    const b = "Paris was founded by the Parisii, a Celtic tribe, around 250 BC.";
    const verdict = compareAnswers(a, b);
    expect(verdict.agree).toBe(true);
    expect(verdict.reason).toBe("prefix");
    expect(verdict.commonPrefix).toBe(6); // "Paris " then "i" vs "w"
    expect(verdict.similarity).toBeLessThan(DEFAULT_COMPARISON.minSimilarity);
  });

  it("a shared start one character short of prefixChars does not agree on the prefix", () => {
    const a = "abcXqqqqqqqqqqqqqqqqqq";
    const b = "abcYzzzzzzzzzzzzzzzzzz";
    expect(compareAnswers(a, b)).toMatchObject({ agree: false, reason: "different", commonPrefix: 3 });
    expect(compareAnswers(a, b, { prefixChars: 3 })).toMatchObject({ agree: true, reason: "prefix" });
  });

  it("a short answer agrees when it is all a prefix of the other (shorter than prefixChars)", () => {
    expect(compareAnswers("42", "42.")).toMatchObject({ agree: true, reason: "prefix", commonPrefix: 2 });
    expect(compareAnswers("4", "42")).toMatchObject({ agree: true, reason: "prefix" });
    // A short answer that is not a prefix disagrees, both ways round.
    expect(compareAnswers("43", "42.").agree).toBe(false);
    expect(compareAnswers("42.", "43").agree).toBe(false);
  });

  it("an empty answer agrees with nothing but an empty one", () => {
    for (const other of ["a", "abcd", "The answer is 42."]) {
      expect(compareAnswers("", other)).toMatchObject({ agree: false, reason: "different", similarity: 0 });
      expect(compareAnswers(other, "")).toMatchObject({ agree: false, reason: "different", similarity: 0 });
    }
  });

  it("answers without a shared start agree on n-gram similarity at the threshold, not below it", () => {
    const a = "xthe quick brown fox jumps over the lazy dog";
    const b = "ythe quick brown fox jumps over the lazy cat";
    const { similarity, commonPrefix } = compareAnswers(a, b);
    expect(commonPrefix).toBe(0);
    expect(similarity).toBeGreaterThan(0.5);
    expect(compareAnswers(a, b, { minSimilarity: similarity })).toMatchObject({
      agree: true,
      reason: "similar",
    });
    expect(compareAnswers(a, b, { minSimilarity: similarity + 1e-9 })).toMatchObject({
      agree: false,
      reason: "different",
    });
  });

  it("Dice of exactly the default threshold 0.5 agrees", () => {
    // 1-grams: {a, b} vs {a, c} share one of four grams → 2·1/4 = 0.5; no shared start.
    expect(diceSimilarity("ab", "ac", 1)).toBe(0.5);
    expect(compareAnswers("ba", "ca", { gramSize: 1 })).toMatchObject({
      agree: true,
      reason: "similar",
      similarity: 0.5,
    });
    // One gram more on one side: 2·1/5 = 0.4 < 0.5.
    expect(compareAnswers("ba", "cad", { gramSize: 1 })).toMatchObject({ agree: false, similarity: 0.4 });
  });

  it("junk and another model's text disagree with an honest answer", () => {
    const honest = "In 1969 Apollo 11 landed on the Moon; Armstrong stepped out first.";
    expect(compareAnswers(honest, "zq8 vv1 lorem ipsum dolor sit amet").agree).toBe(false);
    expect(compareAnswers(honest, "Bananas are berries, botanically speaking.").agree).toBe(false);
  });

  it("counts characters as code points: two emoji are two characters, not four", () => {
    // Share 2 emoji (4 UTF-16 units) then differ: not the 4-character shared start the rule asks for.
    const a = "🙂🙃😀 then one way, far apart";
    const b = "🙂🙃😁 then it went another road";
    expect(compareAnswers(a, b).commonPrefix).toBe(2);
    expect(compareAnswers(a, b).reason).not.toBe("prefix");
    // Emoji that share a high surrogate share no character.
    expect(compareAnswers("😀xyzw", "😁xyzw").commonPrefix).toBe(0);
    expect(compareAnswers("日本語の文章です", "日本語の答えです")).toMatchObject({
      agree: true,
      reason: "prefix",
      commonPrefix: 4,
    });
  });

  it("n-grams are taken over code points (a lone surrogate half is never a gram)", () => {
    // 4-grams of 5 emoji: 2 grams each; one shared of four → 0.5. Over UTF-16 units it would differ.
    expect(diceSimilarity("😀😁😂😃😄", "😀😁😂😃😅", 4)).toBe(0.5);
    expect(diceSimilarity("ab", "ab", 4)).toBe(1);
    expect(diceSimilarity("", "", 4)).toBe(1);
  });
});
