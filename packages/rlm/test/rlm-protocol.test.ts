/**
 * The root loop's protocol with SCRIPTED roots (fixed replies) in real Pyodide: what counts as a final
 * answer, what the model is shown after each reply, the iteration cap, and the trajectory log.
 */
import type { GenerateRequest } from "@pylon/inference";
import { describe, expect, it } from "vitest";
import type {
  FinalRecord,
  IterationRecord,
  RunRecord,
  SubcallLine,
  TrajectoryRecord,
} from "../src/log/records.js";
import { readLog, scriptedRoot, scriptedSub, useHarness } from "./rlm-harness.js";

const harness = useHarness();

const echoSub = () => scriptedSub((prompt) => `echo: ${prompt.slice(0, 40)}`).sub;

async function runReplies(
  replies: string[],
  options: { context?: string | string[]; maxIterations?: number } = {},
) {
  const root = scriptedRoot(replies);
  const logFile = harness.logFile("protocol");
  const result = await harness.run({
    question: "What is in the context?",
    context: options.context ?? "alpha beta gamma",
    root: root.backend,
    sub: echoSub(),
    logFile,
    ...(options.maxIterations ? { maxIterations: options.maxIterations } : {}),
  });
  /** What the model was shown after its reply number `n` (1-based). */
  const feedback = (n: number) => root.calls[n]?.at(-1)?.content ?? "";
  return { result, feedback, calls: root.calls, log: readLog(logFile) };
}

const repl = (code: string) => `\`\`\`repl\n${code}\n\`\`\``;

describe("final answers", () => {
  it("takes FINAL called in code, with tuples and None converted by str()", async () => {
    expect((await runReplies([repl("FINAL((1, 'a'))")])).result.answer).toBe("(1, 'a')");
    expect((await runReplies([repl("x = None\nFINAL(x)")])).result.answer).toBe("None");
  });

  it("takes FINAL written in text, multi-line, and FINAL(None) as the text None", async () => {
    expect((await runReplies(["Found it.\nFINAL(first line\nsecond (2nd) line)"])).result.answer).toBe(
      "first line\nsecond (2nd) line",
    );
    expect((await runReplies(["FINAL(None)"])).result.answer).toBe("None");
  });

  it("does not take FINAL inside a code block or a string in code unless the code calls it", async () => {
    const { result, feedback } = await runReplies([
      `${repl("s = 'FINAL(42)'\n# FINAL(7)\nprint(s)")}\n\`\`\`text\nFINAL(9)\n\`\`\`\nI will write \`FINAL(x)\` later.`,
      `\`\`\`python\nx = len(context)\n\`\`\`\nFINAL_VAR(x)`,
    ]);
    expect(feedback(1)).toContain("FINAL(42)"); // printed, not taken
    expect(result.answer).toBe("16");
    expect(result.iterations).toBe(2);
  });

  it("continues with a message when FINAL_VAR names an unknown variable", async () => {
    const { result, feedback } = await runReplies(["FINAL_VAR(missing)", "FINAL(recovered)"]);
    expect(feedback(1)).toMatch(/FINAL_VAR\(missing\) was not accepted \(NameError: .*missing/);
    expect(result.answer).toBe("recovered");
  });

  it("takes the answer dict, and runs no block after the one that answered", async () => {
    const { result, log } = await runReplies([
      `${repl("answer['content'] = 'from dict'\nanswer['ready'] = True")}\n${repl("print('never')")}`,
    ]);
    expect(result.answer).toBe("from dict");
    const iteration = log.find((r): r is IterationRecord => r.type === "iteration")!;
    expect(iteration.codeBlocks).toHaveLength(1);
    expect(iteration.final).toEqual({ content: "from dict", source: "answer" });
  });

  it("runs a reply's code before resolving its FINAL_VAR", async () => {
    const { result } = await runReplies([`${repl("total = 6 * 7")}\nFINAL_VAR(total)`]);
    expect(result.answer).toBe("42");
    expect(result.iterations).toBe(1);
  });
});

describe("feedback after each reply", () => {
  it("shows each block's output, exceptions as Type: message, the variables, and no code means no run", async () => {
    const { feedback } = await runReplies([
      `${repl("a = 1\nprint('hello')")}\n${repl("b = 2\n1/0")}`,
      "Thinking without code.",
      "FINAL(done)",
    ]);
    expect(feedback(1)).toContain("Output of block 1 of 2:\nhello");
    expect(feedback(1)).toContain("ZeroDivisionError: division by zero");
    expect(feedback(1)).toContain("REPL variables: answer, a, b");
    expect(feedback(2)).toContain("no ```repl block, so nothing ran");
  });

  it("cuts long output to head and tail with an elision count", async () => {
    const { feedback } = await runReplies([repl("print('A' * 30000 + 'END')"), "FINAL(ok)"]);
    const shown = feedback(1);
    expect(shown).toMatch(/\.\.\. \[\d+ characters elided\] \.\.\./);
    expect(shown).toContain("AEND");
    expect(shown.length).toBeLessThan(21_000);
  });

  it("describes a long list context by its summarised part lengths", async () => {
    const parts = Array.from({ length: 100 }, (_, i) => "x".repeat(i + 1));
    const { calls } = await runReplies(["FINAL(ok)"], { context: parts });
    const opening = calls[0]![1]!.content;
    expect(opening).toContain(
      "Your context is a list of 100 str items, 5,050 characters (about 1,263 tokens) in total.",
    );
    expect(opening).toMatch(
      /Item lengths: \[1, 2, 3, 4, 5, … 92 more …, 98, 99, 100\] \(min 1, median 51, max 100\)/,
    );
  });
});

describe("iteration cap", () => {
  it("makes one forced final call after the cap, and takes its FINAL", async () => {
    const replies = [
      repl("print('still looking')"),
      repl("print('still looking')"),
      repl("x = 3"),
      "FINAL(best guess)",
    ];
    const { result, calls, log } = await runReplies(replies, { maxIterations: 3 });
    expect(result.stoppedBy).toBe("max-iterations");
    expect(result.answer).toBe("best guess");
    expect(result.iterations).toBe(4);
    expect(calls[3]!.at(-1)!.content).toContain("Give your final answer now");
    const forced = log.filter((r): r is IterationRecord => r.type === "iteration").at(-1)!;
    expect(forced.forced).toBe(true);
    expect(forced.codeBlocks).toEqual([]);
  });

  it("answers with the forced reply's text when it has no FINAL, and resolves FINAL_VAR", async () => {
    const plain = await runReplies(["nothing", "Probably gamma."], { maxIterations: 1 });
    expect(plain.result.answer).toBe("Probably gamma.");
    const byVar = await runReplies([repl("guess = 'beta'"), "FINAL_VAR(guess)"], { maxIterations: 1 });
    expect(byVar.result.answer).toBe("beta");
  });
});

describe("trajectory log", () => {
  it("is valid JSONL while the run is going, and complete afterwards", async () => {
    const logFile = harness.logFile("live");
    let midRun: TrajectoryRecord[] = [];
    const root = scriptedRoot((_request: GenerateRequest, index: number) => {
      if (index === 0) return repl("parts = llm_batch(['one', 'two'])\nprint(parts)");
      if (index === 1) return repl("print(len(context))");
      midRun = readLog(logFile); // the third reply is being written: two iterations are in the log
      return "FINAL(done)";
    });
    const result = await harness.run({
      question: "q?",
      context: "some context",
      root: root.backend,
      sub: echoSub(),
      logFile,
      parentRunId: "job-123",
    });
    // Each sub-call has its line the moment it finishes, before the iteration that made it.
    expect(midRun.map((r) => r.type)).toEqual(["run", "subcall", "subcall", "iteration", "iteration"]);

    const log = readLog(logFile);
    expect(log.map((r) => r.type)).toEqual([
      "run",
      "subcall",
      "subcall",
      "iteration",
      "iteration",
      "iteration",
      "final",
    ]);
    const run = log[0] as RunRecord;
    expect(run).toMatchObject({ runId: result.runId, parentRunId: "job-123", depth: 0, question: "q?" });
    expect(run.models.root).toContain("scripted");
    expect(run.context).toMatchObject({ type: "str", totalChars: 12 });
    const first = log[3] as IterationRecord;
    expect(first.modelOutput).toContain("llm_batch");
    expect(first.codeBlocks[0]!.stdout).toContain("echo: one");
    expect(first.subcalls).toEqual([]);
    expect(first.subcallRange).toEqual({ first: 0, count: 2 });
    const calls = log.slice(1, 3) as SubcallLine[];
    expect(calls[0]).toMatchObject({
      type: "subcall",
      runId: result.runId,
      iteration: 1,
      index: 0,
      kind: "llm",
      depth: 1,
      parentRunId: result.runId,
      ok: true,
      provider: "scripted:sub",
      costSats: 0,
    });
    expect(calls.map((s) => s.index)).toEqual([0, 1]);
    expect(calls.map((s) => s.prompt).sort()).toEqual(["one", "two"]);
    expect(calls[0]!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(calls[1]!.endedAtMs).toBeGreaterThanOrEqual(calls[0]!.endedAtMs);
    expect(first.endedAtMs).toBeGreaterThanOrEqual(calls[1]!.endedAtMs);
    const final = log[6] as FinalRecord;
    expect(final).toMatchObject({ answer: "done", stoppedBy: "final", iterations: 3 });
    expect(final.totals.subcalls).toBe(2);
    expect(final.totals.usage.inputTokens).toBe(result.usage.inputTokens);
  });
});
