/**
 * The runs and run pages in real Chromium against startViewServer, on logs of real runs: `pylon demo` on a
 * local paid market (with its receipt), a depth-2 run and a failed run (SCRIPTED root and sub models; see
 * ../fixtures/make-runs.ts). Writes docs/images/view-runs.png and view-run.png.
 */
import path from "node:path";
import { foldTrajectory, readTrajectory, SandboxPool } from "@pylon/rlm";
import { Cleanup, tempDir } from "@pylon/testkit";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningViewServer, startViewServer } from "../../src/index.js";
import {
  type DemoRun,
  type MadeRun,
  makeDemoRun,
  makeDepth2Run,
  makeFailedRun,
} from "../fixtures/make-runs.js";
import { browserSuite, launchChromium, newPage, screenshot } from "./chromium.js";

const cleanup = new Cleanup();
let browser: Browser;
let server: RunningViewServer;
let demo: DemoRun;
let depth2: MadeRun;
let failed: MadeRun;
let page: Page;
let problems: string[];

browserSuite("the runs and run pages on real runs", () => {
  beforeAll(async () => {
    const home = await tempDir(cleanup, "pylon-view-browser-");
    const runsDir = path.join(home, "runs");
    const sandboxes = cleanup.use(new SandboxPool(), (pool) => pool.close());
    // The demo runs its own processes; the SCRIPTED runs share one REPL pool meanwhile.
    [demo, [depth2, failed]] = await Promise.all([
      makeDemoRun(home),
      (async () => [
        await makeDepth2Run(runsDir, { sandboxes }),
        await makeFailedRun(runsDir, { sandboxes }),
      ])(),
    ]);
    server = cleanup.use(await startViewServer({ runsDir }), (s) => s.close());
    browser = cleanup.use(await launchChromium(), (b) => b.close());
    ({ page, problems } = await newPage(browser));
  }, 240_000);
  afterAll(() => cleanup.run());

  const runPage = async (id: string) => {
    await page.goto(server.runUrl(id)!);
    await page.locator("tbody tr[data-index] td").first().waitFor();
  };
  const statValue = (label: string) =>
    page.locator(".stat", { hasText: label }).locator(".value").textContent();
  const statSub = (label: string) => page.locator(".stat", { hasText: label }).locator(".sub").textContent();

  it("lists the runs newest first and filters them as you type", async () => {
    await page.goto(server.url);
    const rows = page.locator("tr[data-run]");
    await expect.poll(() => rows.count()).toBe(3);
    // Made in this order: the failed run last (the demo ran alongside the other two).
    expect(await rows.first().getAttribute("data-run")).toBe(failed.id);
    const search = page.getByRole("searchbox", { name: "Search runs" });
    await search.fill("parts say");
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute("data-run")).toBe(failed.id);
    await search.fill("");
    await expect.poll(() => rows.count()).toBe(3);
    await search.blur();
    await screenshot(page, "runs");
    // Light and dark: the toggle flips the theme and the page's colours with it.
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await background();
    await page.getByRole("button", { name: /Switch to dark theme/ }).click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    expect(await background()).not.toBe(light);
    await page.getByRole("button", { name: /Switch to light theme/ }).click();
    expect(await background()).toBe(light);
    // Keyboard: Tab reaches a run's link, Enter opens it.
    await page.locator(`tr[data-run="${demo.id}"] a`).focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(`**/runs/${demo.id}`);
  });

  it("shows the demo run: answer, tree, timeline, code, sub-calls and providers matching its receipt", async () => {
    const fold = foldTrajectory(await readTrajectory(demo.logPath));
    const root = fold.root!;
    await runPage(demo.id);
    expect(await page.getByTestId("answer").textContent()).toBe(demo.receipt.answer);
    const { total, answered, failed: failedCount } = demo.receipt.subcalls;
    expect(await statValue("Sub-calls")).toBe(total.toLocaleString("en-GB"));
    expect(await statSub("Sub-calls")).toBe(`${answered} answered · ${failedCount} failed`);
    // Providers: every one on the receipt, with its answered sub-calls and sats exactly.
    const rows = page.locator("table.providers tbody tr");
    expect(await rows.count()).toBe(demo.receipt.providers.length);
    for (const provider of demo.receipt.providers) {
      const row = page.locator(`table.providers tr[data-npub="${provider.npub}"]`);
      expect(Number(await row.locator("[data-answered]").getAttribute("data-answered"))).toBe(
        provider.subcallsAnswered,
      );
      expect(Number(await row.locator("[data-sats]").getAttribute("data-sats"))).toBe(provider.subcallSats);
      expect(await row.locator("[data-sats]").textContent()).toBe(
        `${provider.subcallSats.toLocaleString("en-GB", { maximumFractionDigits: 3 })} sat`,
      );
    }
    // The tree (one RLM), the timeline (one bar per iteration), the last iteration selected.
    expect(await page.locator("button.tree-node").count()).toBe(fold.runs.size);
    expect(await page.locator(".timeline li").count()).toBe(root.iterations.length);
    // The first iteration's code, highlighted: its text is the logged code, with coloured tokens.
    await page.locator(".timeline button[data-iteration]").first().click();
    const first = root.iterations[0]!;
    const code = page.locator(".codeblock pre.code").first();
    expect(await code.textContent()).toBe(first.codeBlocks[0]!.code);
    expect(await code.locator(".tok-repl, .tok-keyword, .tok-builtin").count()).toBeGreaterThan(0);
    // The sub-calls table: as many as the receipt, providers by npub; Enter opens one's full prompt.
    expect(await page.locator(".table-note").textContent()).toBe(`${total} sub-calls`);
    const npubs = new Set(demo.receipt.providers.map((p) => p.npub.slice(0, 12)));
    const firstRow = page.locator('tbody tr[data-index="0"]');
    expect(npubs.has((await firstRow.locator("td").nth(4).textContent())!.slice(0, 12))).toBe(true);
    await firstRow.focus();
    await page.keyboard.press("Enter");
    const detail = page.getByRole("region", { name: "Sub-call 0" });
    await expect.poll(() => detail.locator("pre.text").first().textContent()).toBe(fold.subcalls[0]!.prompt);
    // The picture shows the iteration that made the most sub-calls.
    const busiest = [...root.iterations].sort((a, b) => b.subcalls.length - a.subcalls.length)[0]!;
    await page.locator(`.timeline button[data-iteration="${busiest.iteration}"]`).click();
    await screenshot(page, "run", true);
    await page.locator('tbody tr[data-index="0"]').focus();
    await page.keyboard.press("Escape");
    await expect.poll(() => detail.count()).toBe(0);
    // Sorting by cost (header button), then filtering by provider: the rows follow.
    await page.getByRole("button", { name: "Cost" }).click();
    const costs = await page
      .locator("tbody tr[data-index]")
      .evaluateAll((rows) =>
        rows.map((row) => Number(row.querySelectorAll("td")[9]!.textContent!.replace(/[^\d.]/g, ""))),
      );
    expect(costs.length).toBeGreaterThan(1);
    expect(costs).toEqual([...costs].sort((a, b) => b - a));
    const top = demo.receipt.providers[0]!;
    const provider = await page
      .locator(`table.providers tr[data-npub="${top.npub}"]`)
      .getAttribute("data-provider");
    await page.getByRole("combobox", { name: "Provider" }).selectOption(provider!);
    const expected = fold.subcalls.filter((s) => s.provider === provider).length;
    await expect.poll(() => page.locator(".table-note").textContent()).toBe(`${expected} matching`);
    expect(problems).toEqual([]);
  });

  it("nests a depth-2 run's child RLMs; selecting one shows its iterations and sub-calls", async () => {
    const fold = foldTrajectory(await readTrajectory(depth2.logPath));
    const root = fold.root!;
    await runPage(depth2.id);
    expect(await page.locator('button.tree-node[data-depth="0"]').count()).toBe(1);
    // The root's timeline counts its own sub-calls (its children's rows sit inside its range).
    const rootFirst = root.iterations[0]!;
    await expect
      .poll(() => page.locator(`.timeline button[data-iteration="${rootFirst.iteration}"]`).textContent())
      .toContain(`${rootFirst.subcalls.length} sub`);
    // Each child sits in the list under the root's node.
    const children = page.locator(".tree > li > ul > li > button.tree-node");
    expect(await children.count()).toBe(root.children.length);
    const childId = root.children[0]!;
    const child = fold.runs.get(childId)!;
    await page.locator(`button.tree-node[data-run="${childId}"]`).click();
    expect(await page.locator(`button.tree-node[data-run="${childId}"]`).getAttribute("aria-pressed")).toBe(
      "true",
    );
    await expect.poll(() => page.locator(".timeline li").count()).toBe(child.iterations.length);
    await expect
      .poll(() => page.locator(".table-note").textContent())
      .toBe(`${child.subcalls.length.toLocaleString("en-GB")} matching`);
    expect(await page.locator("tbody tr[data-index] td:nth-child(2)").first().textContent()).toMatch(/^d2 /);
    expect(problems).toEqual([]);
  });

  it("shows a failed run's errors: no answer, the exception, the failed sub-calls", async () => {
    const fold = foldTrajectory(await readTrajectory(failed.logPath));
    const root = fold.root!;
    await runPage(failed.id);
    expect(await page.locator(".qa .badge").first().textContent()).toBe(root.status);
    expect(await page.getByTestId("answer").textContent()).toBe(`No answer (${root.status}).`);
    // The iteration whose code raised is marked; selecting it shows the exception.
    const raised = root.iterations.find((it) => it.codeBlocks.some((block) => block.error))!;
    const bar = page.locator(`.timeline button[data-iteration="${raised.iteration}"]`);
    expect(await bar.getAttribute("class")).toContain("failed");
    await bar.click();
    const error = page.locator(".codeblock.failed .error");
    expect(await error.textContent()).toContain("ZeroDivisionError");
    // Failed sub-calls: filtered by status, each row marked and showing why.
    const failedRows = fold.subcalls.filter((s) => !s.ok);
    await page.getByRole("combobox", { name: "Status" }).selectOption("failed");
    await expect.poll(() => page.locator(".table-note").textContent()).toBe(`${failedRows.length} matching`);
    const shown = page.locator("tbody tr.failed");
    expect(await shown.count()).toBe(Math.min(failedRows.length, await page.locator("tbody tr").count()));
    expect(await shown.first().locator("td").nth(3).textContent()).toMatch(/refused|budget/);
    expect(problems).toEqual([]);
  });
});
