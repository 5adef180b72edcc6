/**
 * Depth > 1: rlm_query / rlm_batch start child RLMs (own REPL, same budget ledger, same log). SCRIPTED root
 * and SCRIPTED sub model (which also plays the children's root, as the sub model does at depth ≥ 1).
 */
import type { GenerateRequest } from "@pylon/inference";
import { describe, expect, it } from "vitest";
import type { IterationRecord, RunRecord, TrajectoryRecord } from "../src/log/records.js";
import { mapReduceRoot } from "../src/scripted/map-reduce-root.js";
import { generateSniah } from "../src/tasks/sniah.js";
import { readLog, scriptedRoot, scriptedSub, subcallsOf, useHarness } from "./rlm-harness.js";

const harness = useHarness();
const task = generateSniah(65_536, 1);

const repl = (code: string) => `\`\`\`repl\n${code}\n\`\`\``;

/** The root splits the text in two at a sentence and gives each half to a child RLM. */
function splittingRoot() {
  return scriptedRoot([
    repl("print(len(context))"),
    repl(`cut = context.rfind(". ", 0, len(context) // 2) + 2
found = rlm_batch([${JSON.stringify(task.question)}] * 2, contexts=[context[:cut], context[cut:]])
print(found)`),
    `${repl('digits = [f for f in found if f.strip().isdigit()]\nbest = digits[0] if digits else "not found"')}\nFINAL_VAR(best)`,
  ]);
}

/** At depth ≥ 1 the sub model is asked two things: child RLM turns (they start with the system prompt) and plain prompts. */
function subModel() {
  const childRoot = mapReduceRoot({ question: task.question, chunkChars: 50_000 });
  return scriptedSub((prompt, request: GenerateRequest) =>
    request.messages?.[0]?.role === "system" ? String(childRoot(request, 0)) : task.oracle(prompt),
  ).sub;
}

function subcallsIn(log: TrajectoryRecord[]): number {
  const iterations = log.filter((r): r is IterationRecord => r.type === "iteration");
  const childTurns = iterations.filter((r) => r.depth > 0).length;
  const plain = subcallsOf(log, (s) => s.childRunId === undefined).length;
  return childTurns + plain;
}

// Each run below starts three REPLs one after another (root, then one child at a time): a REPL start can take
// most of ten seconds on a loaded machine, so these get a minute rather than the file default.
describe("depth 2", { timeout: 60_000 }, () => {
  it("runs child RLMs with their own REPLs, logging to the same file under their own run ids", async () => {
    expect(task.depth).toBeLessThan(0.45); // the needle is in the first half
    const root = splittingRoot();
    const logFile = harness.logFile("depth2");
    const result = await harness.runOn(task, {
      root: root.backend,
      sub: subModel(),
      maxDepth: 2,
      childConcurrency: 1,
      logFile,
    });
    expect(result.answer).toBe(task.gold);
    expect(result.stoppedBy).toBe("final");

    const log = readLog(logFile);
    const runs = log.filter((r): r is RunRecord => r.type === "run");
    expect(runs.map((r) => [r.depth, r.parentRunId])).toEqual([
      [0, null],
      [1, result.runId],
      [1, result.runId],
    ]);
    const [, first, second] = runs;
    expect(first!.context.totalChars + second!.context.totalChars).toBe(task.context.length);
    const rootCalls = subcallsOf(log, (s) => s.runId === result.runId);
    expect(rootCalls.map((s) => [s.kind, s.childRunId])).toEqual([
      ["rlm", first!.runId],
      ["rlm", second!.runId],
    ]);
    expect(rootCalls.map((s) => s.response)).toEqual([task.gold, "not found"]);
    const grandchildCalls = subcallsOf(log, (s) => s.depth === 2);
    expect(grandchildCalls.length).toBeGreaterThan(0);
    expect(grandchildCalls.every((s) => s.depth === 2 && s.kind === "llm")).toBe(true);
    // Children's turns and their sub-calls all count in the tree's totals.
    expect(result.subcalls).toBe(subcallsIn(log));
    expect(result.treeIterations).toBe(
      result.iterations + log.filter((r) => r.type === "iteration" && r.depth === 1).length,
    );
  });

  it("draws children's calls from the parent's ledger: a tight budget runs out inside the second child", async () => {
    const unlimited = await harness.runOn(task, {
      root: splittingRoot().backend,
      sub: subModel(),
      maxDepth: 2,
      childConcurrency: 1,
    });
    const limit = unlimited.subcalls - 2;
    const root = splittingRoot();
    const result = await harness.runOn(task, {
      root: root.backend,
      sub: subModel(),
      maxDepth: 2,
      childConcurrency: 1,
      budget: { subcalls: limit },
    });
    expect(result.subcalls).toBeLessThanOrEqual(limit);
    expect(result.stoppedBy).toBe("final");
    expect(result.answer).toBe(task.gold); // the first child, with the needle, finished in budget
    expect(root.calls[2]!.at(-1)!.content).toContain("Error: budget exhausted (subcalls:");
  });
});

describe("depth 1 (the paper's setting)", () => {
  it("makes rlm_query a plain sub-call at the maximum depth", async () => {
    const root = scriptedRoot([repl("r = rlm_query('Say hi')\nprint(r)"), "FINAL_VAR(r)"]);
    const logFile = harness.logFile("depth1");
    const result = await harness.run({
      question: "q",
      context: "c",
      root: root.backend,
      sub: scriptedSub((prompt) => (prompt === "Say hi" ? "hi" : "?")).sub,
      logFile,
    });
    expect(result.answer).toBe("hi");
    const log = readLog(logFile);
    expect(log.filter((r) => r.type === "run")).toHaveLength(1);
    const call = subcallsOf(log)[0]!;
    expect(call).toMatchObject({ kind: "rlm", depth: 1, provider: "scripted:sub", response: "hi" });
  });
});
