/**
 * The typed reader of trajectory logs: readTrajectory, TrajectoryTail and the fold, on logs of real runs
 * (runRlm with a SCRIPTED root and SCRIPTED sub models), in the new format and the old one.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { waitFor } from "@pylon/testkit";
import { describe, expect, it } from "vitest";
import { foldTrajectory, RunFold } from "../src/log/fold.js";
import { readTrajectory, TrajectoryFormatError } from "../src/log/read.js";
import type { IterationRecord, SubcallLine, TrajectoryRecord } from "../src/log/records.js";
import { TrajectoryTail } from "../src/log/tail.js";
import { scriptedRoot, scriptedSub, useHarness } from "./rlm-harness.js";

const harness = useHarness();
const repl = (code: string) => `\`\`\`repl\n${code}\n\`\`\``;

/** Two iterations of sub-calls (one of which fails), then FINAL. */
async function scriptedRun(logFile: string, onRecord?: (record: TrajectoryRecord) => void) {
  const root = scriptedRoot([
    repl("a = llm_batch([f'item {i}' for i in range(5)])\nprint(a)"),
    repl("b = llm_batch(['fail me', 'item 9'])\nprint(b)"),
    "FINAL(done)",
  ]);
  const { sub } = scriptedSub((prompt) => `seen ${prompt}`, {
    fail: (request) => (JSON.stringify(request.messages).includes("fail me") ? "upstream" : undefined),
  });
  return await harness.run({
    question: "count the items",
    context: "some context",
    root: root.backend,
    sub,
    logFile,
    ...(onRecord ? { onRecord } : {}),
  });
}

/** The same log as written before the subcall line: each iteration's sub-calls inline. */
function oldFormat(records: TrajectoryRecord[]): TrajectoryRecord[] {
  const pending: SubcallLine[] = [];
  const out: TrajectoryRecord[] = [];
  for (const record of records) {
    if (record.type === "subcall") pending.push(record);
    else if (record.type === "iteration") {
      const { subcallRange: _r, endedAtMs: _e, ...rest } = record;
      const mine = pending.filter((call) => call.runId === record.runId);
      const inline = mine.map(
        ({ type: _t, runId: _u, iteration: _i, index: _x, endedAtMs: _a, ...call }) => call,
      );
      out.push({ ...rest, subcalls: inline } as IterationRecord);
      pending.length = 0;
    } else out.push(record);
  }
  return out;
}

describe("the fold of a SCRIPTED run", () => {
  it("has the run's answer, iterations, sub-calls in finish order, totals and providers", async () => {
    const logFile = harness.logFile("fold");
    const result = await scriptedRun(logFile);
    const fold = foldTrajectory(await readTrajectory(logFile));

    expect(fold.roots).toEqual([result.runId]);
    const root = fold.root!;
    expect(root).toMatchObject({ status: "final", answer: "done", question: "count the items", depth: 0 });
    expect(root.iterations.map((i) => i.iteration)).toEqual([1, 2, 3]);
    expect(fold.subcalls.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(fold.subcalls.every((s, i) => i === 0 || s.endedAtMs! >= fold.subcalls[i - 1]!.endedAtMs!)).toBe(
      true,
    );
    // Each iteration's sub-calls are those its code made.
    const [first, second, third] = root.iterations;
    expect(first!.subcalls.map((i) => fold.subcalls[i]!.prompt).sort()).toEqual(
      [0, 1, 2, 3, 4].map((i) => `item ${i}`),
    );
    expect(second!.subcalls.map((i) => fold.subcalls[i]!.prompt).sort()).toEqual(["fail me", "item 9"]);
    expect(third!.subcalls).toEqual([]);
    const failed = fold.subcalls.filter((s) => !s.ok);
    expect(failed.map((s) => s.prompt)).toEqual(["fail me"]);
    expect(failed[0]!.response).toMatch(/^Error: /);

    expect(fold.totals).toMatchObject({
      iterations: result.treeIterations,
      subcalls: 7,
      answered: 6,
      failed: 1,
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      sats: result.cost.sats,
      providers: 1,
    });
    expect(fold.totals.wallMs).toBe(Math.round(result.durationMs));
    expect(fold.providers.get("scripted:sub")).toMatchObject({ subcalls: 7, answered: 6, failed: 1 });
    expect(fold.providers.get("scripted:root")).toMatchObject({ rootTurns: 3, subcalls: 0 });
    expect(root.own).toMatchObject({ subcalls: 7, answered: 6, failed: 1 });
  });

  it("reads a log in the old format (sub-calls inside iterations) to the same rows", async () => {
    const logFile = harness.logFile("old");
    await scriptedRun(logFile);
    const records = await readTrajectory(logFile);
    const fresh = foldTrajectory(records);
    const old = foldTrajectory(oldFormat(records));
    const strip = ({ endedAtMs: _e, index: _i, type: _t, ...row }: (typeof fresh.subcalls)[number]) => row;
    const byPrompt = (rows: typeof fresh.subcalls) =>
      rows.map(strip).sort((a, b) => a.prompt.localeCompare(b.prompt));
    expect(byPrompt(old.subcalls)).toEqual(byPrompt(fresh.subcalls));
    expect(old.totals).toEqual({ ...fresh.totals });
    expect(old.root!.iterations.map((i) => i.subcalls.length)).toEqual([5, 2, 0]);
  });

  it("folds records one at a time as it folds them all at once, with or without the rows", async () => {
    const logFile = harness.logFile("incremental");
    const live = new RunFold();
    const counts = new RunFold({ rows: false }); // what a receipt keeps: no prompts or replies
    await scriptedRun(logFile, (record) => {
      live.add([record]);
      counts.add([record]);
    });
    const whole = foldTrajectory(await readTrajectory(logFile));
    expect(live.totals).toEqual(whole.totals);
    expect(live.subcalls).toEqual(whole.subcalls);
    expect([...live.providers.values()]).toEqual([...whole.providers.values()]);
    expect(counts.subcalls).toEqual([]);
    expect(counts.totals).toEqual(whole.totals);
    expect([...counts.providers.values()]).toEqual([...whole.providers.values()]);
    expect(counts.root!.iterations.map((i) => i.subcalls)).toEqual(
      whole.root!.iterations.map((i) => i.subcalls),
    );
  });
});

describe("a log of two invocations (a resumed run appends to its log)", () => {
  it("folds two trees: the latest is the root, rows numbered on across both, wall time summed", async () => {
    const logFile = harness.logFile("resumed");
    const first = await scriptedRun(logFile);
    const second = await scriptedRun(logFile);
    const fold = foldTrajectory(await readTrajectory(logFile));
    expect(fold.roots).toEqual([first.runId, second.runId]);
    expect(fold.root!.runId).toBe(second.runId);
    expect(fold.subcalls.map((s) => s.index)).toEqual([...Array(14).keys()]);
    expect(fold.runs.get(second.runId)!.subcalls).toEqual([7, 8, 9, 10, 11, 12, 13]);
    expect(fold.totals.wallMs).toBe(Math.round(first.durationMs) + Math.round(second.durationMs));
  });
});

describe("readTrajectory", () => {
  it("skips a torn last line and names the line of a malformed one", async () => {
    const logFile = harness.logFile("torn");
    await scriptedRun(logFile);
    const whole = await readTrajectory(logFile);
    appendFileSync(logFile, '{"type":"subcall","runId":"x","ind');
    expect(await readTrajectory(logFile)).toEqual(whole);

    const bad = path.join(harness.dir, "bad.jsonl");
    writeFileSync(bad, `${JSON.stringify(whole[0])}\nnot json\n`);
    await expect(readTrajectory(bad)).rejects.toThrow(TrajectoryFormatError);
    await expect(readTrajectory(bad)).rejects.toThrow(/bad\.jsonl:2: not a trajectory record/);
  });
});

describe("TrajectoryTail", () => {
  it("returns whole new records only, holding a torn line until it is complete", async () => {
    const logFile = harness.logFile("tail-source");
    await scriptedRun(logFile);
    const lines = (await readTrajectory(logFile)).map((r) => `${JSON.stringify(r)}\n`);
    const file = path.join(harness.dir, "growing.jsonl");
    const tail = new TrajectoryTail(file);
    expect(tail.read()).toEqual([]); // not there yet
    writeFileSync(file, lines[0]! + lines[1]!.slice(0, 10));
    expect(tail.read().map((r) => r.type)).toEqual(["run"]);
    expect(tail.read()).toEqual([]);
    appendFileSync(file, lines[1]!.slice(10) + lines[2]!);
    expect(tail.read()).toEqual([JSON.parse(lines[1]!), JSON.parse(lines[2]!)]);
    tail.close();
  });

  it("follows a live SCRIPTED run to its final line, folding as it grows", async () => {
    const logFile = harness.logFile("tail-live");
    const fold = new RunFold();
    let batches = 0;
    const tail = new TrajectoryTail(logFile, {
      onRecords: (records) => {
        batches++;
        fold.add(records);
      },
    });
    try {
      const result = await scriptedRun(logFile);
      await waitFor(() => fold.root?.status === "final", "the tail to see the final line", 2_000);
      expect(fold.root!.answer).toBe(result.answer);
      expect(fold.totals).toEqual(foldTrajectory(await readTrajectory(logFile)).totals);
      expect(batches).toBeGreaterThan(0);
    } finally {
      tail.close();
    }
  });
});
