/** The stderr line per record: sub-call lines print nothing, their iteration counts them (both log formats). */
import type { IterationRecord, SubcallLine, SubcallRecord } from "@pylon/rlm";
import { describe, expect, it } from "vitest";
import { recordLines } from "../src/run/record-line.js";

const call = (ok: boolean, prompt: string): SubcallRecord => ({
  kind: "llm",
  depth: 1,
  parentRunId: "abcdef123456",
  prompt,
  promptChars: prompt.length,
  ok,
  response: ok ? "fine" : "Error: upstream",
  responseChars: ok ? 4 : 15,
  latencyMs: 5,
  costSats: 0,
  provider: "p",
  model: "m",
  usage: { inputTokens: 1, outputTokens: 1 },
});

const iteration = (subcalls: SubcallRecord[], range?: { first: number; count: number }): IterationRecord => ({
  type: "iteration",
  runId: "abcdef123456",
  parentRunId: null,
  depth: 0,
  iteration: 1,
  forced: false,
  modelOutput: "",
  usage: { inputTokens: 1, outputTokens: 1 },
  modelLatencyMs: 100,
  codeBlocks: [],
  subcalls,
  ...(range ? { subcallRange: range } : {}),
  durationMs: 900,
});

describe("recordLines", () => {
  it("counts an iteration's sub-calls and failures from their own lines (new logs) or inline (old logs)", () => {
    const lines = recordLines();
    const calls = [call(true, "a"), call(false, "b"), call(true, "c")];
    calls.forEach((c, index) => {
      const line: SubcallLine = {
        ...c,
        type: "subcall",
        runId: "abcdef123456",
        iteration: 1,
        index,
        endedAtMs: 1,
      };
      expect(lines(line)).toBeUndefined();
    });
    const fresh = lines(iteration([], { first: 0, count: 3 }));
    expect(fresh).toBe("[abcdef] iteration 1: 0 block(s), 3 sub-call(s) (1 failed), 1.0 s");
    expect(recordLines()(iteration(calls))).toBe(fresh);
    // The failures were the last iteration's: the next one starts from none.
    expect(lines(iteration([], { first: 3, count: 0 }))).toBe(
      "[abcdef] iteration 1: 0 block(s), 0 sub-call(s), 1.0 s",
    );
  });
});
