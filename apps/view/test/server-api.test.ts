/**
 * The JSON API on logs of real runs (runRlm with a SCRIPTED root and a SCRIPTED market stand-in writing into
 * a temp runs folder): the list, a run's detail, sub-call pages and one sub-call in full, agreeing with what
 * the run itself returned.
 */
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RlmResult } from "@pylon/rlm";
import { SandboxPool } from "@pylon/rlm";
import { repl } from "@pylon/rlm/scripted";
import { Cleanup, tempDir } from "@pylon/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunDetail, RunSummary, SubcallFull, SubcallPage } from "../src/api.js";
import { type RunningViewServer, startViewServer } from "../src/index.js";
import { bearer, get } from "./server-client.js";
import { PROVIDERS, scriptedRun } from "./server-runs.js";

const cleanup = new Cleanup();
let server: RunningViewServer;
let runsDir: string;
let outside: string;
const results: Record<string, RlmResult> = {};

beforeAll(async () => {
  runsDir = await tempDir(cleanup, "pylon-view-api-");
  const elsewhere = await tempDir(cleanup, "pylon-view-elsewhere-");
  const pool = cleanup.use(new SandboxPool({ cellTimeoutMs: 20_000 }), (p) => p.close());
  results.first = (await scriptedRun(runsDir, "scripted-first", pool, { parts: 5 })).result;
  results.second = (
    await scriptedRun(runsDir, "scripted-second", pool, { parts: 12, budgetSats: 500 })
  ).result;
  const child = repl('found = rlm_query("what does the child say?")\nprint(found)');
  results.depth2 = (
    await scriptedRun(runsDir, "scripted-depth2", pool, { maxDepth: 2, replies: [child, "FINAL_VAR(found)"] })
  ).result;
  const broken = [repl("print(1 / 0)"), repl("answers = llm_batch([f'part {i}' for i in range(12)])")];
  results.failed = (
    await scriptedRun(runsDir, "scripted-failed", pool, { replies: broken, budgetSats: 9 })
  ).result;
  // A log outside the runs folder (`pylon view FILE`), and a file that is no log at all.
  outside = join(elsewhere, "copied.jsonl");
  copyFileSync(join(runsDir, "scripted-first.jsonl"), outside);
  writeFileSync(join(runsDir, "notes.jsonl"), "not json\n");
  server = cleanup.use(await startViewServer({ runsDir, files: [outside] }), (s) => s.close());
}, 120_000);
afterAll(() => cleanup.run());

async function api<T>(path: string): Promise<T> {
  const reply = await get(`http://127.0.0.1:${server.port}${path}`, bearer(server.token));
  expect(reply.status, `${path}: ${reply.body}`).toBe(200);
  return JSON.parse(reply.body) as T;
}

describe("the runs list", () => {
  it("lists every run's log, newest first, with what each run returned", async () => {
    const runs = await api<RunSummary[]>("/api/runs");
    expect(runs.map((r) => r.id).sort()).toEqual([
      "copied",
      "scripted-depth2",
      "scripted-failed",
      "scripted-first",
      "scripted-second",
    ]);
    expect(
      runs.find((r) => r.id === "scripted-second")!.startedAt >=
        runs.find((r) => r.id === "scripted-first")!.startedAt,
    ).toBe(true);
    expect(runs.map((r) => r.startedAt)).toEqual(
      runs
        .map((r) => r.startedAt)
        .sort()
        .reverse(),
    );
    const second = runs.find((r) => r.id === "scripted-second")!;
    expect(second.question).toBe("SCRIPTED question scripted-second");
    expect(second.answer).toBe(results.second!.answer);
    expect(second.status).toBe("final");
    expect(second.subcalls).toBe(12);
    expect(second.failedSubcalls).toBe(1);
    expect(second.sats).toBe(results.second!.cost.sats);
    expect(second.models).toEqual({ root: "scripted-root", sub: "scripted-market" });
    expect(Date.parse(second.updatedAt!)).toBeGreaterThanOrEqual(Date.parse(second.startedAt));
  });

  it("gives a run's page URL for a run id and for a log file", () => {
    expect(server.runUrl("scripted-first")).toBe(
      `http://127.0.0.1:${server.port}/runs/scripted-first?token=${server.token}`,
    );
    expect(server.runUrl(outside)).toContain("/runs/copied?token=");
    expect(server.runUrl("nothing-like-it")).toBeUndefined();
  });
});

describe("a run", () => {
  it("folds the log into totals, tree, iterations and providers that match the run", async () => {
    const detail = await api<RunDetail>("/api/runs/scripted-second");
    const result = results.second!;
    expect(detail.summary.id).toBe("scripted-second");
    expect(detail.totals.iterations).toBe(result.iterations);
    expect(detail.totals.subcalls).toBe(12);
    expect(detail.totals.subcallsAnswered).toBe(11);
    expect(detail.totals.subcallsFailed).toBe(1);
    expect(detail.totals.sats).toBe(result.cost.sats);
    expect(detail.totals.inputTokens + detail.totals.outputTokens).toBe(
      result.usage.inputTokens + result.usage.outputTokens,
    );
    expect(detail.totals.budgetSats).toBe(500);
    expect(detail.tree).toMatchObject({
      depth: 0,
      parentRunId: null,
      status: "final",
      subcalls: 12,
      children: [],
    });
    expect(detail.tree.answer).toBe(result.answer);
    expect(detail.iterations.map((i) => i.iteration)).toEqual([1, 2, 3]);
    expect(detail.iterations[0]!.subcalls).toEqual({ first: 0, count: 12 });
    expect(detail.iterations[0]!.codeBlocks[0]!.code).toContain("llm_batch(prompts)");
    expect(detail.iterations[0]!.codeBlocks[0]!.stdout).toContain("12 echo: part 0");
    expect(detail.iterations[2]!.final?.content).toBe(result.answer);
    const jobs = detail.providers.reduce((sum, p) => sum + p.jobs, 0);
    expect(jobs).toBe(12);
    expect(detail.providers.reduce((sum, p) => sum + p.sats, 0)).toBe(result.cost.sats);
    for (const provider of detail.providers) {
      expect(PROVIDERS).toContain(provider.provider);
      expect(provider.npub).toMatch(/^npub1[a-z0-9]{58}$/);
    }
    expect(detail.context).toEqual({ type: "str", chars: "some context ".repeat(50).length });
  });

  it("pages the sub-calls and gives one in full", async () => {
    const page = await api<SubcallPage>("/api/runs/scripted-second/subcalls?from=1&to=4");
    expect(page.total).toBe(12);
    expect(page.from).toBe(1);
    expect(page.rows.map((r) => r.index)).toEqual([1, 2, 3]);
    const failed = page.rows[0]!;
    expect(failed).toMatchObject({ ok: false, kind: "llm", depth: 1, iteration: 1, costSats: 3 });
    expect(failed.promptPreview).toBe("part 1: FAIL");
    expect(failed.error).toContain("the provider refused the job");
    const full = await api<SubcallFull>("/api/runs/scripted-second/subcalls/2");
    expect(full.prompt).toBe("part 2: ok");
    expect(full.response).toBe("echo: part 2: ok");
    expect(full.ok).toBe(true);
    const tail = await api<SubcallPage>("/api/runs/scripted-second/subcalls?from=10&to=100");
    expect(tail.rows.map((r) => r.index)).toEqual([10, 11]);
    const missing = await get(
      `http://127.0.0.1:${server.port}/api/runs/scripted-second/subcalls/12`,
      bearer(server.token),
    );
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error).toBe("no-such-subcall");
  });

  it("nests a child RLM under its parent in the tree (depth 2)", async () => {
    const detail = await api<RunDetail>("/api/runs/scripted-depth2");
    expect(results.depth2!.answer).toBe("child answer");
    expect(detail.tree.children).toHaveLength(1);
    const child = detail.tree.children[0]!;
    expect(child).toMatchObject({
      depth: 1,
      parentRunId: detail.tree.runId,
      status: "final",
      answer: "child answer",
    });
    expect(child.question).toContain("what does the child say?");
    expect(detail.iterations.filter((i) => i.runId === child.runId)).toHaveLength(child.iterations);
    const rows = await api<SubcallPage>("/api/runs/scripted-depth2/subcalls?from=0&to=10");
    expect(rows.rows.map((r) => r.kind)).toEqual(["rlm"]);
    expect(rows.rows[0]!.responsePreview).toBe("child answer");
    // The child's turn cost 1 sat, counted once (not again through the rlm row).
    expect(detail.totals.sats).toBe(results.depth2!.cost.sats);
    expect(detail.tree.sats).toBe(results.depth2!.cost.sats);
  });

  it("shows a failed run's exception and why it stopped", async () => {
    const detail = await api<RunDetail>("/api/runs/scripted-failed");
    expect(detail.summary.status).toBe(results.failed!.stoppedBy);
    expect(detail.summary.status).toBe("budget");
    expect(detail.summary.answer).toBe(results.failed!.answer);
    // The 9-sat budget let three 3-sat sub-calls through and the rest failed, saying why; then the run stopped.
    expect(detail.totals.subcallsFailed).toBeGreaterThan(0);
    const page = await api<SubcallPage>("/api/runs/scripted-failed/subcalls?from=0&to=12");
    const refused = page.rows.filter((r) => !r.ok);
    expect(refused.length).toBe(detail.totals.subcallsFailed);
    expect(refused[0]!.error).toMatch(/budget/i);
    expect(detail.iterations[0]!.codeBlocks[0]!.error?.type).toBe("ZeroDivisionError");
    expect(detail.totals.sats).toBe(results.failed!.cost.sats);
    expect(detail.totals.budgetSats).toBe(9);
  });

  it("serves a log named outside the runs folder", async () => {
    const copied = await api<RunDetail>("/api/runs/copied");
    const original = await api<RunDetail>("/api/runs/scripted-first");
    expect(copied.totals).toEqual(original.totals);
    expect(copied.summary.answer).toBe(results.first!.answer);
  });
});
