/**
 * A 100,000-sub-call run (a real run on SCRIPTED models, see ../fixtures/make-runs.ts) in real Chromium: the
 * page opens and becomes interactive in under 2 s (navigation to the first rendered table row, by the
 * page's own performance mark), and scrolling the table keeps above 30 frames a second by the browser's
 * own frame timing (requestAnimationFrame deltas while scrolling programmatically).
 */
import path from "node:path";
import { SandboxPool } from "@pylon/rlm";
import { Cleanup, tempDir } from "@pylon/testkit";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningViewServer, startViewServer } from "../../src/index.js";
import { type MadeRun, makeBigRun } from "../fixtures/make-runs.js";
import { browserSuite, launchChromium, newPage } from "./chromium.js";

const SUBCALLS = 100_000;
const FIRST_ROW = "pylon-view:first-row";
const cleanup = new Cleanup();
let browser: Browser;
let server: RunningViewServer;
let big: MadeRun;

browserSuite("a 100,000-sub-call run", () => {
  beforeAll(async () => {
    const runsDir = path.join(await tempDir(cleanup, "pylon-view-big-"), "runs");
    const sandboxes = cleanup.use(new SandboxPool(), (pool) => pool.close());
    big = await makeBigRun(runsDir, SUBCALLS, { sandboxes });
    server = cleanup.use(await startViewServer({ runsDir }), (s) => s.close());
    browser = cleanup.use(await launchChromium(), (b) => b.close());
  }, 240_000);
  afterAll(() => cleanup.run());

  // Wall-clock targets on a shared 2-core box: each try measures afresh, one of three must meet them.
  it("opens and becomes interactive in under 2 s, then scrolls the table above 30 fps", {
    retry: 2,
  }, async () => {
    const { page, problems } = await newPage(browser);
    // A cold server: this navigation is the first time it reads the log.
    await page.goto(server.runUrl(big.id)!);
    await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, FIRST_ROW);
    const openMs = await page.evaluate((mark) => performance.getEntriesByName(mark)[0]!.startTime, FIRST_ROW);
    // Interactive: the first row takes the keyboard and opens at once.
    const first = page.locator('tbody tr[data-index="0"]');
    await first.focus();
    await page.keyboard.press("Enter");
    await page.getByRole("region", { name: "Sub-call 0" }).locator("pre.text").first().waitFor();
    const interactiveMs = await page.evaluate(() => performance.now());
    // The keyboard walks the virtualised rows: down three, then End to the very last of 100,000.
    await first.focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowDown");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-index"))).toBe("3");
    await page.keyboard.press("End");
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-index")))
      .toBe(String(SUBCALLS - 1));
    await page.keyboard.press("Home");
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-index")))
      .toBe("0");
    console.log(
      `100,000 sub-calls: first row ${openMs.toFixed(0)} ms after navigation, a row opened at ${interactiveMs.toFixed(0)} ms`,
    );
    expect(openMs).toBeLessThan(2_000);
    expect(interactiveMs).toBeLessThan(2_000 + 1_000);
    expect(await page.locator(".table-note").textContent()).toContain(
      `${SUBCALLS.toLocaleString("en-GB")} sub-calls`,
    );

    // Scroll 8 px per ms of frame time (8,000 px/s, 250 rows a second) for 1.5 s, three times (down, up,
    // down); every frame's delta counts. The median pass is judged, so one burst of work elsewhere on a
    // shared machine does not decide it; all three are printed.
    const passes = [];
    for (const direction of [1, -1, 1]) {
      passes.push(
        await page.evaluate(async (sign) => {
          const scroller = document.querySelector<HTMLElement>('[data-testid="subcalls-scroller"]')!;
          scroller.scrollIntoView();
          const deltas: number[] = [];
          await new Promise<void>((resolve) => {
            let last = performance.now();
            const end = last + 1_500;
            const step = (now: number) => {
              deltas.push(now - last);
              scroller.scrollTop += sign * (now - last) * 8;
              last = now;
              if (now < end) requestAnimationFrame(step);
              else resolve();
            };
            requestAnimationFrame(step);
          });
          const total = deltas.reduce((sum, d) => sum + d, 0);
          const sorted = [...deltas].sort((a, b) => a - b);
          return {
            fps: deltas.length / (total / 1000),
            frames: deltas.length,
            p95: sorted[Math.floor(sorted.length * 0.95)]!,
            scrollTop: scroller.scrollTop,
          };
        }, direction),
      );
    }
    const fps = [...passes].sort((a, b) => a.fps - b.fps)[1]!.fps;
    console.log(
      `scrolling: median ${fps.toFixed(1)} fps; passes ${passes
        .map((p) => `${p.fps.toFixed(1)} fps (${p.frames} frames, p95 frame ${p.p95.toFixed(1)} ms)`)
        .join(", ")}`,
    );
    expect(fps).toBeGreaterThan(30);
    const frames = passes.at(-1)!;
    expect(frames.scrollTop).toBeGreaterThan(8_000);
    // Where it stopped, real rows are drawn (fetched on demand when not loaded yet).
    const row = Math.floor(frames.scrollTop / 32);
    await page
      .locator(`tbody tr[data-index="${row + 2}"] td`)
      .first()
      .waitFor();
    expect(problems).toEqual([]);
  });
});
