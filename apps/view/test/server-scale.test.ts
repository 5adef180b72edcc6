/**
 * The viewer at scale, on logs of real runs: a 100,000-sub-call run (fixtures' makeBigRun: SCRIPTED root and
 * sub model) opens well inside the 2 s the page has to become interactive, pages of its table come back in
 * milliseconds, and a runs folder of 1,000 logs lists fast once its summaries are cached by (size, mtime).
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { SandboxPool } from "@pylon/rlm";
import { Cleanup, tempDir } from "@pylon/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunDetail, RunSummary, SubcallFull, SubcallPage } from "../src/api.js";
import { type RunningViewServer, startViewServer } from "../src/index.js";
import { makeBigRun } from "./fixtures/make-runs.js";
import { bearer, get } from "./server-client.js";
import { scriptedRun } from "./server-runs.js";

const cleanup = new Cleanup();
let server: RunningViewServer;
let bigId: string;
let runsDir: string;

beforeAll(async () => {
  runsDir = await tempDir(cleanup, "pylon-view-scale-");
  const pool = cleanup.use(new SandboxPool({ cellTimeoutMs: 120_000 }), (p) => p.close());
  bigId = (await makeBigRun(runsDir, 100_000, { sandboxes: pool })).id;
  const { file } = await scriptedRun(runsDir, "scripted-small", pool, { parts: 8 });
  for (let i = 0; i < 999; i++)
    copyFileSync(file, join(runsDir, `scripted-copy-${String(i).padStart(4, "0")}.jsonl`));
  server = cleanup.use(await startViewServer({ runsDir }), (s) => s.close());
}, 300_000);
afterAll(() => cleanup.run());

async function timed<T>(path: string, on = server): Promise<{ body: T; ms: number; bytes: number }> {
  const started = performance.now();
  const reply = await get(`http://127.0.0.1:${on.port}${path}`, bearer(on.token));
  const ms = performance.now() - started;
  expect(reply.status, reply.body.slice(0, 200)).toBe(200);
  return { body: JSON.parse(reply.body) as T, ms, bytes: reply.body.length };
}

describe("at scale", () => {
  it("lists 1,001 runs, the second time from cached summaries", async () => {
    const cold = await timed<RunSummary[]>("/api/runs");
    const warm = await timed<RunSummary[]>("/api/runs");
    console.info(
      `runs list of ${cold.body.length}: cold ${cold.ms.toFixed(0)} ms, warm ${warm.ms.toFixed(0)} ms`,
    );
    expect(cold.body).toHaveLength(1_001);
    expect(cold.body.find((r) => r.id === bigId)).toMatchObject({ subcalls: 100_000, status: "final" });
    expect(warm.ms).toBeLessThan(500);
  }, 60_000);

  it("opens a 100,000-sub-call run and pages its table quickly", async () => {
    const detail = await timed<RunDetail>(`/api/runs/${bigId}`);
    const page = await timed<SubcallPage>(`/api/runs/${bigId}/subcalls?from=50000&to=50200`);
    const full = await timed<SubcallFull>(`/api/runs/${bigId}/subcalls/99999`);
    console.info(
      `100,000 sub-calls: detail ${detail.ms.toFixed(0)} ms (${detail.bytes} bytes), page of 200 ${page.ms.toFixed(1)} ms, one in full ${full.ms.toFixed(1)} ms`,
    );
    expect(detail.body.totals.subcalls).toBe(100_000);
    expect(page.body.rows.map((r) => r.index)).toEqual([...Array(200).keys()].map((i) => 50_000 + i));
    expect(full.body.prompt).toBe("item 99999");
    expect(detail.ms).toBeLessThan(2_000);
    expect(page.ms).toBeLessThan(200);
  }, 60_000);

  it("opens the 100,000-sub-call run cold (nothing listed or folded before) inside 2 s", async () => {
    const fresh = await startViewServer({ runsDir });
    try {
      const detail = await timed<RunDetail>(`/api/runs/${bigId}`, fresh);
      const page = await timed<SubcallPage>(`/api/runs/${bigId}/subcalls?from=0&to=200`, fresh);
      console.info(
        `100,000 sub-calls cold: detail ${detail.ms.toFixed(0)} ms, then a page ${page.ms.toFixed(1)} ms`,
      );
      expect(detail.body.summary.subcalls).toBe(100_000);
      expect(detail.ms + page.ms).toBeLessThan(2_000);
    } finally {
      await fresh.close();
    }
  }, 60_000);
});
