/** The `pylon run` progress bar: what one line says, and how often it is written (terminal or not). */
import { describe, expect, it } from "vitest";
import { ProgressBar, type RunProgress, renderProgress } from "../src/run/progress.js";

const market: RunProgress = {
  elapsedMs: 12_345,
  iteration: 2,
  subcalls: { dispatched: 40, done: 31, failed: 1 },
  jobs: { sent: 38, retried: 2, hedged: 1, recovered: 3, memo: 5 },
  providers: { used: 3, live: 4 },
  sats: { reserved: 0.8, spent: 4.2049, locked: 300 },
};

/** Carriage return + erase line: how the terminal bar redraws itself. */
const CLEAR = "\r\x1b[2K";

/** A stream that keeps what is written, and a clock the test moves. */
function fakeStream(tty: boolean, columns = 100) {
  const writes: string[] = [];
  return { writes, stream: { isTTY: tty, columns, write: (text: string) => writes.push(text) } };
}

describe("renderProgress", () => {
  it("names every figure of a market run", () => {
    expect(renderProgress(market)).toBe(
      "12.3s | iteration 2 | sub-calls 40 dispatched, 31 done, 1 failed | jobs 38 sent, 2 retried, 1 hedged, " +
        "3 recovered, 5 from memo | providers 3 used of 4 live | sats 0.8 reserved, 4.205 spent, 300 locked in tabs",
    );
  });

  it("leaves out the market's figures for a local sub-model", () => {
    expect(
      renderProgress({
        elapsedMs: 500,
        iteration: 1,
        subcalls: { dispatched: 0, done: 0, failed: 0 },
        providers: { used: 0 },
        sats: { reserved: 0, spent: 0 },
      }),
    ).toBe(
      "0.5s | iteration 1 | sub-calls 0 dispatched, 0 done, 0 failed | providers 0 | sats 0 reserved, 0 spent",
    );
  });
});

describe("ProgressBar", () => {
  it("off a terminal: a plain line at most once per interval, only when something but the clock changed", () => {
    const { writes, stream } = fakeStream(false);
    let now = 0;
    let state = { ...market, elapsedMs: 0 };
    const bar = new ProgressBar({ stream, snapshot: () => state, intervalMs: 2_000, now: () => now });
    bar.update();
    expect(writes).toEqual([`pylon: ${renderProgress(state)}\n`]);
    now = 500;
    state = { ...state, elapsedMs: 500, subcalls: { ...state.subcalls, done: 32 } };
    bar.update(); // throttled: within the interval
    expect(writes).toHaveLength(1);
    now = 2_500;
    state = { ...state, elapsedMs: 2_500 };
    bar.update();
    expect(writes).toHaveLength(2);
    expect(writes[1]).toContain("32 done");
    now = 5_000;
    state = { ...state, elapsedMs: 5_000 };
    bar.update(); // only the clock moved: nothing new to say
    expect(writes).toHaveLength(2);
    bar.log("[abc123] iteration 2: 1 block(s)");
    expect(writes[2]).toBe("[abc123] iteration 2: 1 block(s)\n");
    state = { ...state, subcalls: { ...state.subcalls, done: 40 } };
    bar.stop(); // the final state is always written
    expect(writes.at(-1)).toMatch(/^pylon: 5\.0s .*40 done/);
    expect(writes.every((w) => !w.includes("\r"))).toBe(true);
  });

  it("on a terminal: redraws one line in place (compact when the full one does not fit), keeps log lines above it", () => {
    const { writes, stream } = fakeStream(true);
    let now = 0;
    const bar = new ProgressBar({ stream, snapshot: () => ({ ...market, elapsedMs: now }), now: () => now });
    bar.update();
    // The full line does not fit in 100 columns: the compact form does.
    expect(writes[0]).toBe(
      `${CLEAR}pylon: 0.0s it2 | 31/40 ok 1 fail | jobs 38 r2 h1 | prov 3/4 | 4.205 sat +0.8 held`,
    );
    now = 50;
    bar.update(); // within the 100 ms terminal interval
    expect(writes).toHaveLength(1);
    now = 150;
    bar.update(); // the clock ticks on a terminal
    expect(writes).toHaveLength(2);
    expect(writes[1]?.startsWith(`${CLEAR}pylon: 0.1s it2`)).toBe(true);
    bar.log("a record line");
    expect(writes.slice(2)).toEqual([CLEAR, "a record line\n", writes[1]]);
    bar.stop();
    expect(writes.at(-1)).toBe("\n"); // the last state stays on screen
  });

  it("on a narrow terminal: cut to the width, never wrapped", () => {
    const { writes, stream } = fakeStream(true, 40);
    const bar = new ProgressBar({ stream, snapshot: () => market, now: () => 0 });
    bar.update();
    expect(writes[0]).toBe(`${CLEAR}pylon: 12.3s it2 | 31/40 ok 1 fail | j…`);
    expect(writes[0]!.length - CLEAR.length).toBe(39);
  });

  it("renders on its own timer until stopped", async () => {
    const { writes, stream } = fakeStream(false);
    let done = 0;
    const bar = new ProgressBar({
      stream,
      snapshot: () => ({ ...market, subcalls: { ...market.subcalls, done: done++ } }),
      intervalMs: 20,
    }).start();
    await new Promise((resolve) => setTimeout(resolve, 150));
    bar.stop();
    const count = writes.length;
    expect(count).toBeGreaterThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(writes).toHaveLength(count);
  });
});
