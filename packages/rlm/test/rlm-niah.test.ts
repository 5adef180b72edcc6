/**
 * The root loop end to end on a 1M-token S-NIAH context, with a SCRIPTED root (it writes the code a model
 * would) and a SCRIPTED sub model (the task's oracle), in real Pyodide.
 */
import { createScriptedBackend } from "@pylon/inference/scripted";
import { describe, expect, it } from "vitest";
import type { IterationRecord } from "../src/log/records.js";
import { mapReduceRoot } from "../src/scripted/map-reduce-root.js";
import { backendSubcalls } from "../src/subcalls/backend-subcalls.js";
import type { SubcallBackend } from "../src/subcalls/types.js";
import { generateSniah } from "../src/tasks/sniah.js";
import {
  measuringPeak,
  promptOf,
  readLog,
  scriptedRoot,
  scriptedSub,
  subcallsOf,
  useHarness,
} from "./rlm-harness.js";

const CHUNK = 100_000;
const harness = useHarness();
const task = generateSniah(1_000_000, 7);

function oracleSub(options: Parameters<typeof scriptedSub>[1] = {}) {
  return scriptedSub((prompt) => task.oracle(prompt), options);
}

function iterations(log: ReturnType<typeof readLog>): IterationRecord[] {
  return log.filter((r): r is IterationRecord => r.type === "iteration");
}

describe("scripted root on a 1M-token S-NIAH context", () => {
  it.each([
    ["FINAL", 4],
    ["FINAL_VAR", 3],
    ["answer", 3],
  ] as const)(
    "chunks, llm_batches over the chunks, aggregates and answers with %s",
    async (finish, replies) => {
      expect(task.context.length).toBeGreaterThanOrEqual(4_000_000);
      const root = scriptedRoot(mapReduceRoot({ question: task.question, chunkChars: CHUNK, finish }));
      const sub = measuringPeak(oracleSub().sub);
      const logFile = harness.logFile(`niah-${finish}`);
      const result = await harness.runOn(task, {
        root: root.backend,
        sub,
        concurrency: 4,
        logFile,
      });
      expect(result.answer).toBe(task.gold);
      expect(task.score(result.answer)).toBe(1);
      expect(result.stoppedBy).toBe("final");
      expect(result.iterations).toBe(replies);
      expect(result.subcalls).toBe(Math.ceil(task.context.length / CHUNK));
      expect(sub.peak()).toBeLessThanOrEqual(4);
      expect(sub.peak()).toBeGreaterThan(1);
      const last = iterations(readLog(logFile)).at(-1)!;
      expect(last.final?.source).toBe(finish);
    },
  );

  it("shows the model only metadata, and nudges it to look before answering", async () => {
    const root = scriptedRoot(mapReduceRoot({ question: task.question, chunkChars: CHUNK }));
    await harness.runOn(task, {
      root: root.backend,
      sub: oracleSub().sub,
    });
    const [system, opening] = root.calls[0]!;
    expect(system!.role).toBe("system");
    expect(system!.content).toContain("llm_batch");
    expect(opening!.content).toContain(
      `Your context is a str of ${task.context.length.toLocaleString("en-US")} characters`,
    );
    expect(opening!.content).toContain(task.question);
    expect(opening!.content).toMatch(/do not give a final answer before/);
    const everything = root.calls
      .flat()
      .map((m) => m.content)
      .join("\n");
    expect(everything).not.toContain(`is: ${task.gold}.`); // the needle sentence never reaches the root
  });

  it("surfaces failed items as Error: strings the code can handle (retry), and logs them", async () => {
    const needleChunk = Math.floor(task.context.indexOf(task.gold) / CHUNK);
    const seen = new Set<string>();
    const { sub } = oracleSub({
      fail: (request) => {
        const prompt = request.messages?.[0]?.content ?? "";
        // The needle's chunk fails once; the first chunk fails every time.
        if (prompt.includes(task.context.slice(0, 200))) return "upstream";
        if (!prompt.includes(task.gold) || seen.has("needle")) return undefined;
        seen.add("needle");
        return "rate-limited";
      },
    });
    const root = scriptedRoot(mapReduceRoot({ question: task.question, chunkChars: CHUNK }));
    const logFile = harness.logFile("failures");
    const result = await harness.runOn(task, {
      root: root.backend,
      sub,
      logFile,
    });
    expect(needleChunk).toBeGreaterThan(0);
    expect(result.answer).toBe(task.gold);
    const mapOutput = root.calls[2]!.at(-1)!.content;
    expect(mapOutput).toContain("2 failed items");
    expect(mapOutput).toMatch(/^Error: .*(upstream|rate)/m);
    expect(mapOutput).toContain("retried 2, still failing: 1");
    const failed = subcallsOf(readLog(logFile), (s) => !s.ok);
    expect(failed).toHaveLength(3);
    for (const item of failed) expect(item.response).toMatch(/^Error: /);
  });

  it("turns a SubcallBackend that throws into Error: strings in every item", async () => {
    const broken: SubcallBackend = {
      name: "broken",
      complete: async () => {
        throw new Error("connection refused");
      },
    };
    const root = scriptedRoot(mapReduceRoot({ question: task.question, chunkChars: CHUNK }));
    const result = await harness.runOn(task, {
      root: root.backend,
      sub: broken,
    });
    expect(result.stoppedBy).toBe("final");
    expect(result.answer).toBe("not found");
    expect(root.calls[2]!.at(-1)!.content).toContain("Error: sub-call backend failed (connection refused)");
  });
});

describe("budgets", () => {
  it("refuses sub-calls past the sub-call budget with Error: budget exhausted, and the run still ends", async () => {
    expect(task.context.indexOf(task.gold)).toBeGreaterThan(5 * CHUNK); // the needle is beyond the budget
    const root = scriptedRoot(mapReduceRoot({ question: task.question, chunkChars: CHUNK }));
    const result = await harness.runOn(task, {
      root: root.backend,
      sub: oracleSub().sub,
      budget: { subcalls: 5 },
    });
    expect(result.subcalls).toBe(5);
    expect(result.stoppedBy).toBe("final");
    expect(result.answer).toBe("not found");
    expect(root.calls[2]!.at(-1)!.content).toContain(
      "Error: budget exhausted (subcalls: 5 of 5 used or reserved",
    );
  });

  it("reserves tokens before dispatch, so the tree never spends more than the token budget", async () => {
    const root = scriptedRoot(mapReduceRoot({ question: task.question, chunkChars: CHUNK }));
    const budget = 120_000;
    const result = await harness.runOn(task, {
      root: root.backend,
      sub: oracleSub().sub,
      budget: { tokens: budget },
    });
    const feedback = root.calls
      .flat()
      .map((m) => m.content)
      .join("\n");
    expect(feedback).toContain("Error: budget exhausted (tokens:");
    expect(["final", "budget"]).toContain(result.stoppedBy);
    expect(result.usage.inputTokens + result.usage.outputTokens).toBeLessThanOrEqual(budget);
    expect(result.subcalls).toBeGreaterThan(0);
    expect(result.subcalls).toBeLessThan(10);
  });

  it("reserves each item's price ceiling, so a priced sub model stays within the sats budget", async () => {
    const backend = createScriptedBackend({
      responses: (request) => task.oracle(promptOf(request)),
      slots: 16,
    });
    // 1 000 sats per million tokens: a 100 000-character chunk (~25 000 tokens) costs about 25 sats.
    const priced = backendSubcalls(backend, { price: { inputSatsPerMTok: 1_000, outputSatsPerMTok: 1_000 } });
    const root = scriptedRoot(mapReduceRoot({ question: task.question, chunkChars: CHUNK }));
    const result = await harness.runOn(task, {
      root: root.backend,
      sub: priced,
      budget: { sats: 100 },
    });
    expect(result.cost.sats).toBeGreaterThan(50);
    expect(result.cost.sats).toBeLessThanOrEqual(100);
    expect(root.calls[2]!.at(-1)!.content).toContain("Error: budget exhausted (sats:");
    await backend.close();
  });

  it("stops at the wall-clock limit, in-flight sub-calls included, and frees the REPL", async () => {
    const root = scriptedRoot(mapReduceRoot({ question: task.question, chunkChars: CHUNK }));
    const started = performance.now();
    const result = await harness.runOn(task, {
      root: root.backend,
      sub: oracleSub({ latencyMs: 60_000 }).sub,
      budget: { timeoutMs: 1_500 },
    });
    expect(result.stoppedBy).toBe("timeout");
    expect(result.answer).toBeNull();
    expect(performance.now() - started).toBeLessThan(10_000);
    // The REPL was stopped mid-cell: it was closed, not handed to the next run.
    const next = scriptedRoot(["FINAL(still works)"]);
    const after = await harness.run({
      question: "q",
      context: "c",
      root: next.backend,
      sub: oracleSub().sub,
    });
    expect(after.answer).toBe("still works");
  });
});
