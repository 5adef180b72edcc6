/**
 * The viewer's fixtures are logs of real runs (SCRIPTED models, and `pylon demo` on a local paid market):
 * each folds, through the shared reader, to what the run was.
 */
import path from "node:path";
import { foldTrajectory, RunFold, readTrajectory, SandboxPool, TrajectoryTail } from "@pylon/rlm";
import { Cleanup, tempDir, waitFor } from "@pylon/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeBigRun, makeDemoRun, makeDepth2Run, makeFailedRun, startLiveRun } from "./fixtures/make-runs.js";

const cleanup = new Cleanup();
let runsDir: string;
let sandboxes: SandboxPool;

beforeAll(async () => {
  runsDir = path.join(await tempDir(cleanup, "pylon-view-runs-"), "runs");
  sandboxes = cleanup.use(new SandboxPool(), (pool) => pool.close());
});
afterAll(() => cleanup.run());

describe("fixtures of SCRIPTED runs", { timeout: 120_000 }, () => {
  it("a depth-2 run folds to a root with two child RLMs, their own sub-calls nested below", async () => {
    const made = await makeDepth2Run(runsDir, { sandboxes });
    expect(made.result.answer).toBe(made.gold);
    const fold = foldTrajectory(await readTrajectory(made.logPath));
    const root = fold.root!;
    expect(root).toMatchObject({ runId: made.result.runId, status: "final", answer: made.gold, depth: 0 });
    expect(root.children).toHaveLength(2);
    for (const id of root.children) {
      const child = fold.runs.get(id)!;
      expect(child).toMatchObject({ depth: 1, parentRunId: root.runId, status: "final" });
      expect(child.subcalls.length).toBeGreaterThan(0);
      expect(child.subcalls.every((i) => fold.subcalls[i]!.depth === 2)).toBe(true);
    }
    // The root's own rows are its two rlm_query calls, each naming its child.
    expect(root.subcalls.map((i) => fold.subcalls[i]!.childRunId).sort()).toEqual([...root.children].sort());
    expect(fold.totals.iterations).toBe(made.result.treeIterations);
    expect(fold.totals.inputTokens + fold.totals.outputTokens).toBe(
      made.result.usage.inputTokens + made.result.usage.outputTokens,
    );
  });

  it("a failed run shows its failed sub-calls, the code that raised, and why it stopped", async () => {
    const made = await makeFailedRun(runsDir, { sandboxes });
    const fold = foldTrajectory(await readTrajectory(made.logPath));
    const root = fold.root!;
    expect(root.status).toBe("budget");
    expect(root.answer).toBeNull();
    expect(root.error).toMatch(/budget/);
    const failed = fold.subcalls.filter((s) => !s.ok);
    expect(fold.totals.failed).toBe(failed.length);
    expect(failed.some((s) => /refused "fail 0"/.test(s.response))).toBe(true);
    expect(failed.some((s) => /budget exhausted/.test(s.response))).toBe(true);
    const raised = fold.iterations.flatMap((i) => i.codeBlocks).filter((b) => b.error);
    expect(raised.map((b) => b.error!.type)).toContain("ZeroDivisionError");
  });

  it("a live run can be followed as it grows: rows first, then the final answer", async () => {
    const live = startLiveRun(runsDir, { sandboxes, iterations: 2, perIteration: 12, subLatencyMs: 40 });
    const fold = new RunFold();
    let rowsBeforeFinal = 0;
    const tail = new TrajectoryTail(live.logPath, {
      onRecords: (records) => {
        fold.add(records);
        if (fold.root?.status === "running") rowsBeforeFinal = fold.subcalls.length;
      },
    });
    try {
      const made = await live.done;
      await waitFor(() => fold.root?.status === "final", "the tail to see the final line", 2_000);
      expect(fold.root!.answer).toBe(made.result.answer);
      expect(rowsBeforeFinal).toBeGreaterThan(0);
      expect(fold.totals.subcalls).toBe(24);
    } finally {
      tail.close();
    }
  });

  it("a 100,000-sub-call run is made in under a minute and folds in well under a second", async () => {
    const made = await makeBigRun(runsDir, 100_000, { sandboxes });
    expect(made.result.answer).toBe("every item was read");
    expect(made.ms).toBeLessThan(60_000); // 4–9 s on 2 busy cores
    const readStarted = performance.now();
    const records = await readTrajectory(made.logPath);
    const readMs = performance.now() - readStarted;
    const foldStarted = performance.now();
    const fold = foldTrajectory(records);
    const foldMs = performance.now() - foldStarted;
    expect(fold.totals).toMatchObject({ subcalls: 100_000, answered: 100_000, failed: 0 });
    expect(fold.subcalls[99_999]!.index).toBe(99_999);
    expect(fold.root!.iterations[0]!.subcalls).toHaveLength(100_000);
    expect(foldMs).toBeLessThan(1_000);
    console.info(
      `[view fixtures] 100,000 sub-calls: run made in ${(made.ms / 1000).toFixed(1)} s; ` +
        `log read in ${Math.round(readMs)} ms, folded in ${Math.round(foldMs)} ms`,
    );
  }, 240_000);
});

describe("fixture of a demo run", { timeout: 240_000 }, () => {
  it("`pylon demo --json` writes its log into <home>/runs; its receipt's providers are the fold's", async () => {
    const home = await tempDir(cleanup, "pylon-view-demo-");
    const demo = await makeDemoRun(home);
    expect(demo.receipt.ok).toBe(true);
    const fold = foldTrajectory(await readTrajectory(demo.logPath));
    expect(fold.root!.answer).toBe(demo.receipt.answer);
    expect(fold.totals.subcalls).toBe(demo.receipt.subcalls.total);
    expect(fold.totals.answered).toBe(demo.receipt.subcalls.answered);
    for (const provider of demo.receipt.providers) {
      const folded = fold.providers.get(provider.pubkey);
      expect(folded?.answered ?? 0).toBe(provider.subcallsAnswered);
      expect(folded?.sats ?? 0).toBe(provider.subcallSats);
    }
    // Paid jobs on the market: the swarm said how many it sent for each sub-call.
    expect(fold.subcalls.every((s) => (s.attempts ?? 0) >= 1)).toBe(true);
  });
});
