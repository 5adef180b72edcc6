import { describe, expect, it } from "vitest";
import { outputPartTag, readOutputPart } from "../src/nip90-parts.js";

describe("output part tags", () => {
  it("are 1-based and refuse nonsense", () => {
    expect(outputPartTag(1, 2)).toEqual(["part", "1", "2"]);
    expect(() => outputPartTag(0, 2)).toThrow(RangeError);
    expect(() => outputPartTag(3, 2)).toThrow(RangeError);
    expect(readOutputPart({ tags: [["part", "2", "2"]] })).toEqual({ index: 2, total: 2 });
    expect(readOutputPart({ tags: [["part", "3", "2"]] })).toBeUndefined();
    expect(readOutputPart({ tags: [["part", "x", "2"]] })).toBeUndefined();
  });
});
