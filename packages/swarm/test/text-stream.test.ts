/** The rules of a sub-call's streamed text (text-stream.ts), attempt by attempt. */
import { describe, expect, it } from "vitest";
import { attemptText, streamedRequest, streamsFrom, TextGate } from "../src/text-stream.js";
import { ask } from "./harness.js";

function gate() {
  const deltas: string[] = [];
  return { deltas, gate: new TextGate((delta) => deltas.push(delta)) };
}

describe("TextGate", () => {
  it("forwards one attempt's text; another attempt's text is not forwarded while it streams", () => {
    const { deltas, gate: g } = gate();
    const first = g.open();
    const second = g.open();
    first.push("Hel");
    second.push("Other");
    first.push("lo");
    expect(deltas).toEqual(["Hel", "lo"]);
    expect(g.settle("Hello world", "f".repeat(64))).toBeUndefined();
    expect(deltas.join("")).toBe("Hello world");
  });

  it("after the streaming attempt fails, forwards a retry's text only beyond the prefix, while it agrees", () => {
    const { deltas, gate: g } = gate();
    const failed = g.open();
    failed.push("The answer");
    failed.close();
    const retry = g.open();
    retry.push("The ");
    expect(deltas.join("")).toBe("The answer"); // catching up: nothing new
    retry.push("answer is 4");
    expect(deltas.join("")).toBe("The answer is 4");
    expect(g.settle("The answer is 4.", "a".repeat(64))).toBeUndefined();
    expect(deltas.join("")).toBe("The answer is 4.");
  });

  it("fails the sub-call, naming why, when the answer does not begin with what was forwarded", () => {
    const { deltas, gate: g } = gate();
    const failed = g.open();
    failed.push("Yes, because");
    failed.close();
    const retry = g.open();
    retry.push("No, since");
    expect(deltas).toEqual(["Yes, because"]);
    expect(g.settle("No, since 2 > 1", "b".repeat(64))).toMatch(
      /does not begin with the 12 characters already streamed/,
    );
  });

  it("calls nothing when nothing was streamed (the caller sends the whole answer)", () => {
    const { deltas, gate: g } = gate();
    expect(g.settle("whole answer", "c".repeat(64))).toBeUndefined();
    expect(deltas).toEqual([]);
  });

  it("asks for partials only for the registered request, from streaming providers, never for hedges", () => {
    const { gate: g } = gate();
    const original = ask("q");
    const dispatched = streamedRequest(original, g);
    expect(attemptText(dispatched, true, false)).toBeDefined();
    expect(attemptText(dispatched, true, true)).toBeUndefined(); // a hedge duplicate
    expect(attemptText(dispatched, undefined, false)).toBeUndefined(); // provider does not stream
    expect(attemptText(original, true, false)).toBeUndefined(); // e.g. a spot check's request
    expect(streamsFrom(dispatched, true)).toBe(true);
    expect(streamsFrom(original, true)).toBe(false);
  });
});
