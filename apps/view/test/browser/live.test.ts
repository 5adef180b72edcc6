/**
 * A run in progress in real Chromium (a real run on SCRIPTED models writing its log as it goes, see
 * ../fixtures/make-runs.ts): sub-call rows appear in the table as sub-calls finish, and the final answer is on
 * the page within 1 s of the log's last line. Writes docs/images/view-live.png.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { SandboxPool } from "@pylon/rlm";
import { Cleanup, tempDir, waitFor } from "@pylon/testkit";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningViewServer, startViewServer } from "../../src/index.js";
import { startLiveRun } from "../fixtures/make-runs.js";
import { browserSuite, launchChromium, newPage, screenshot } from "./chromium.js";

const cleanup = new Cleanup();
let browser: Browser;
let server: RunningViewServer;
let runsDir: string;
let sandboxes: SandboxPool;

/** The root's final line, once the log has it. */
function rootFinal(logPath: string): boolean {
  try {
    return readFileSync(logPath, "utf8")
      .split("\n")
      .some((line) => line.includes('"type":"final"') && line.includes('"depth":0'));
  } catch {
    return false;
  }
}

browserSuite("a live run", () => {
  beforeAll(async () => {
    runsDir = path.join(await tempDir(cleanup, "pylon-view-live-"), "runs");
    sandboxes = cleanup.use(new SandboxPool(), (pool) => pool.close());
    server = cleanup.use(await startViewServer({ runsDir }), (s) => s.close());
    browser = cleanup.use(await launchChromium(), (b) => b.close());
  }, 120_000);
  afterAll(() => cleanup.run());

  it("shows rows as sub-calls finish and the final answer within 1 s of the log's last line", async () => {
    const { page, problems } = await newPage(browser);
    const live = startLiveRun(runsDir, { sandboxes, iterations: 4, perIteration: 12, subLatencyMs: 250 });
    cleanup.add(() => live.abort());
    // Open the page as soon as the log has its first line (the run is then `running`).
    await waitFor(() => server.runUrl(live.id), "the viewer to list the live run", 30_000);
    await page.goto(server.runUrl(live.id)!);
    await page.locator(".live").waitFor();

    // Sample the table's count and the log's final line until the answer shows.
    const rowCounts: number[] = [];
    // The log watched on its own timer, every 10 ms: when did its final line land?
    let logFinalAt = 0;
    const watch = setInterval(() => {
      if (!logFinalAt && rootFinal(live.logPath)) logFinalAt = Date.now();
    }, 10);
    cleanup.add(() => clearInterval(watch));
    let answerAt = 0;
    let shot = false;
    const total = 4 * 12;
    const deadline = Date.now() + 60_000;
    while (!answerAt && Date.now() < deadline) {
      const note = (await page.locator(".table-note").textContent()) ?? "";
      rowCounts.push(Number(note.replace(/[^\d].*$/s, "").replace(/,/g, "")) || 0);
      const status = await page.locator(".qa .badge").first().textContent();
      if (status !== "running") {
        await page.getByTestId("answer").waitFor();
        answerAt = Date.now();
      } else if (!shot && rowCounts.at(-1)! >= 24) {
        // Half-way, once earlier rows have been seen arriving: a full page takes a moment to capture.
        await screenshot(page, "live", true);
        shot = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const made = await live.done;
    clearInterval(watch);
    expect(await page.getByTestId("answer").textContent()).toBe(made.result.answer);
    const lagMs = answerAt - logFinalAt;
    const steps = new Set(rowCounts.filter((n) => n > 0 && n < total));
    console.log(
      `live: rows seen at counts ${[...steps].join(", ")}; final answer ${lagMs} ms after the log's line`,
    );
    // Rows arrived in steps while the run went on, not all at the end.
    expect(steps.size).toBeGreaterThanOrEqual(2);
    expect(rowCounts.at(-1)).toBe(total);
    expect(logFinalAt).toBeGreaterThan(0);
    expect(lagMs).toBeLessThan(1_000);
    expect(shot).toBe(true);
    expect(problems).toEqual([]);
  });
});
