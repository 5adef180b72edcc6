import { describe, expect, it } from "vitest";
import { eventShapeProblem, isSignedEventShape, plainEvent } from "../src/event-shape.js";
import { signed } from "./fixtures.js";

describe("event shape", () => {
  const event = signed({ kind: 1, tags: [["t", "x"]], content: "hi" });

  it("accepts a signed event and names the first problem of a malformed one", () => {
    expect(eventShapeProblem(event)).toBeNull();
    expect(isSignedEventShape(event)).toBe(true);
    expect(eventShapeProblem([event])).toBe("event must be a JSON object");
    expect(eventShapeProblem({ ...event, sig: `${event.sig}00` })).toMatch(/^sig must be 128/);
    expect(eventShapeProblem({ ...event, kind: 65_536 })).toMatch(/^kind must be/);
    expect(eventShapeProblem({ ...event, tags: [["e", 1]] })).toBe("each tag must be an array of strings");
    expect(eventShapeProblem(event, 0)).toBe("too many tags (1 > 0)");
  });

  it("copies exactly the seven NIP-01 fields", () => {
    const extra = { ...event, seen: true, [Symbol("verified")]: true };
    const plain = plainEvent(extra);
    expect(Object.keys(plain)).toEqual(["id", "pubkey", "created_at", "kind", "tags", "content", "sig"]);
    expect(Object.getOwnPropertySymbols(plain)).toEqual([]);
  });
});
