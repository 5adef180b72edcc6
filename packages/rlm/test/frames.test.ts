import { describe, expect, it } from "vitest";
import { encodeFrame, FrameDecoder, FrameError } from "../src/sandbox/frames.js";

const limits = { maxHeaderBytes: 1024, maxPayloadBytes: 1024 * 1024 };

function wire(header: Record<string, unknown>, payload?: Uint8Array): Buffer {
  return Buffer.concat(encodeFrame(header, payload));
}

describe("frames", () => {
  it("round-trips headers and binary payloads, several frames per chunk", () => {
    const payload = Buffer.from([0, 1, 2, 255, 254]);
    const bytes = Buffer.concat([
      wire({ t: "a", n: 1 }),
      wire({ t: "b" }, payload),
      wire({ t: "c", s: "é" }),
    ]);
    const frames = new FrameDecoder(limits).push(bytes);
    expect(frames.map((f) => f.header)).toEqual([{ t: "a", n: 1 }, { t: "b" }, { t: "c", s: "é" }]);
    expect(frames[1]?.payload.equals(payload)).toBe(true);
    expect(frames[0]?.payload.length).toBe(0);
  });

  it("reassembles frames split at every byte boundary", () => {
    const payload = Buffer.alloc(3000, 7);
    const bytes = Buffer.concat([wire({ t: "x", id: 42 }, payload), wire({ t: "y" })]);
    const decoder = new FrameDecoder(limits);
    const frames = [];
    for (let i = 0; i < bytes.length; i++) frames.push(...decoder.push(bytes.subarray(i, i + 1)));
    expect(frames.map((f) => f.header.t)).toEqual(["x", "y"]);
    expect(frames[0]?.payload.equals(payload)).toBe(true);
  });

  it("rejects oversized or malformed frames instead of buffering them", () => {
    const huge = Buffer.alloc(8);
    huge.writeUInt32BE(10, 0);
    huge.writeUInt32BE(limits.maxPayloadBytes + 1, 4);
    expect(() => new FrameDecoder(limits).push(huge)).toThrow(FrameError);

    const longHeader = Buffer.alloc(8);
    longHeader.writeUInt32BE(limits.maxHeaderBytes + 1, 0);
    expect(() => new FrameDecoder(limits).push(longHeader)).toThrow(/header/);

    const notJson = Buffer.concat([Buffer.from([0, 0, 0, 3, 0, 0, 0, 0]), Buffer.from("{x}")]);
    expect(() => new FrameDecoder(limits).push(notJson)).toThrow(/not valid JSON/);

    const array = Buffer.concat([Buffer.from([0, 0, 0, 2, 0, 0, 0, 0]), Buffer.from("[]")]);
    expect(() => new FrameDecoder(limits).push(array)).toThrow(/not a JSON object/);
  });
});
