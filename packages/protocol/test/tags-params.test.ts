import { describe, expect, it } from "vitest";
import { nostrEventSchema } from "../src/event.js";
import { canonicalParamKey, isReservedParamKey, paramTags } from "../src/nip90-params.js";
import { pubkeysTagged, sanitizeTags, tagValue } from "../src/tags.js";
import { buyerPk, providerPk, signed } from "./fixtures.js";

describe("param keys", () => {
  it.each([
    ["max_tokens", "max_tokens"],
    ["max-tokens", "max_tokens"],
    ["maxTokens", "max_tokens"],
    ["max_new_tokens", "max_tokens"],
    ["top-k", "top_k"],
    ["topK", "top_k"],
    ["top-p", "top_p"],
    [" Temperature ", "temperature"],
    ["frequency-penalty", "frequency_penalty"],
    ["system_prompt", "system"],
    ["lang", "lang"],
  ])("reads %j as %s", (raw, canonical) => {
    expect(canonicalParamKey(raw)).toBe(canonical);
  });

  it("knows which keys are typed", () => {
    expect(isReservedParamKey("Top-P")).toBe(true);
    expect(isReservedParamKey("cashu")).toBe(true);
    expect(isReservedParamKey("prompt")).toBe(true);
    expect(isReservedParamKey("lang")).toBe(false);
  });

  it("writes typed params in a fixed order with canonical keys", () => {
    expect(paramTags({ stop: ["x"], seed: 1, topP: 1, model: "m" })).toEqual([
      ["param", "model", "m"],
      ["param", "top_p", "1"],
      ["param", "seed", "1"],
      ["param", "stop", "x"],
    ]);
    expect(() => paramTags({ temperature: Number.NaN })).toThrow(RangeError);
    expect(() => paramTags({ stop: Array.from({ length: 17 }, (_, n) => String(n)) })).toThrow(RangeError);
  });
});

describe("tags", () => {
  it("keeps well-formed tags and explains each one dropped", () => {
    const { tags, notes } = sanitizeTags([
      ["e", "x"],
      "e",
      [],
      [null],
      ["p", undefined],
      ["n", 5, "x"],
      ["d", Number.NaN],
    ]);
    expect(tags).toEqual([
      ["e", "x"],
      ["n", "5", "x"],
    ]);
    expect(notes).toHaveLength(6);
  });

  it("reads values defensively", () => {
    expect(tagValue([["a"], ["b", "1"], ["b", "2"]], "b")).toBe("1");
    expect(tagValue([["a"]], "a")).toBeUndefined();
    expect(
      pubkeysTagged([
        ["p", providerPk],
        ["p", "bad"],
        ["p", providerPk.toUpperCase()],
        ["p", ` ${buyerPk}`],
      ]),
    ).toEqual([providerPk, buyerPk]);
  });

  it("validates signed events strictly", () => {
    const event = signed({ kind: 1, tags: [["t", "x"]], content: "hi" });
    expect(nostrEventSchema.safeParse(event).success).toBe(true);
    expect(nostrEventSchema.safeParse({ ...event, sig: "00" }).success).toBe(false);
    expect(nostrEventSchema.safeParse({ ...event, tags: [[]] }).success).toBe(false);
    expect(nostrEventSchema.safeParse({ ...event, kind: 70000 }).success).toBe(false);
  });
});
