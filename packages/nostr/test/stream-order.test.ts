import { describe, expect, it } from "vitest";
import { StreamOrder } from "../src/stream-order.js";

function order(maxBuffered?: number) {
  const out: string[] = [];
  return { out, stream: new StreamOrder((text) => out.push(text), maxBuffered) };
}

describe("StreamOrder", () => {
  it("delivers pieces that arrive out of order as contiguous text, in seq order", () => {
    const { out, stream } = order();
    stream.push(2, "c");
    stream.push(1, "b");
    expect(out).toEqual([]);
    expect(stream.waiting).toBe(2);
    stream.push(0, "a");
    expect(out).toEqual(["a", "b", "c"]);
    stream.push(4, "e");
    stream.push(3, "d");
    expect(out.join("")).toBe("abcde");
    expect(stream.next).toBe(5);
  });

  it("drops duplicates, and pieces too far ahead (the buffer is bounded)", () => {
    const { out, stream } = order(1);
    stream.push(0, "a");
    stream.push(0, "a");
    stream.push(3, "d"); // 2 ahead of the next (1): over the bound of 1
    stream.push(2, "c");
    stream.push(2, "c");
    expect(stream.waiting).toBe(1);
    stream.push(1, "b");
    expect(out.join("")).toBe("abc"); // d was dropped: nothing after the gap it leaves is delivered
    stream.push(4, "e");
    expect(out.join("")).toBe("abc");
  });

  it("takes foreign pieces without a seq in arrival order, and survives a throwing reader", () => {
    const { out, stream } = order();
    stream.push(undefined, "x");
    stream.push(undefined, "y");
    expect(out).toEqual(["x", "y"]);
    const throwing = new StreamOrder(() => {
      throw new Error("reader broke");
    });
    expect(() => throwing.push(0, "a")).not.toThrow();
    expect(throwing.next).toBe(1);
  });
});
