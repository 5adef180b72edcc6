/**
 * The live stream: new sub-calls reach a viewer within 0.5 s of their lines being appended, in the log format
 * of today (rows inside iteration lines) and the per-sub-call one (`subcall` lines + `subcallRange`), and
 * during a real run in progress (runRlm with a SCRIPTED root and SCRIPTED market stand-in).
 */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SandboxPool, type SubcallRecord, type TrajectoryRecord } from "@pylon/rlm";
import { repl } from "@pylon/rlm/scripted";
import { Cleanup, sleep, tempDir, waitFor } from "@pylon/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LiveEvent, SubcallRow } from "../src/api.js";
import { type RunningViewServer, startViewServer } from "../src/index.js";
import { LogWatches } from "../src/server/live-watch.js";
import { RunEntry } from "../src/server/run-entry.js";
import { bearer, get, openEvents } from "./server-client.js";
import { scriptedRun } from "./server-runs.js";

const cleanup = new Cleanup();
let server: RunningViewServer;
let runsDir: string;
let pool: SandboxPool;
let source: string[];

beforeAll(async () => {
  runsDir = await tempDir(cleanup, "pylon-view-live-");
  const scratch = await tempDir(cleanup, "pylon-view-source-");
  pool = cleanup.use(new SandboxPool({ cellTimeoutMs: 20_000 }), (p) => p.close());
  const { file } = await scriptedRun(scratch, "scripted-source", pool, { parts: 20 });
  source = readFileSync(file, "utf8").trim().split("\n");
  server = cleanup.use(await startViewServer({ runsDir }), (s) => s.close());
}, 120_000);
afterAll(() => cleanup.run());

const auth = () => bearer(server.token);
const live = (id: string, query = "") => {
  const stream = openEvents(`http://127.0.0.1:${server.port}/api/runs/${id}/live${query}`, auth());
  cleanup.add(() => stream.close());
  return stream;
};
const records = (stream: ReturnType<typeof openEvents>) => stream.events.map((e) => e.data as LiveEvent);
const rowsOf = (stream: ReturnType<typeof openEvents>) =>
  stream.events.flatMap((e) =>
    (e.data as LiveEvent).type === "subcalls" ? (e.data as { rows: SubcallRow[] }).rows : [],
  );

/** The same log as written before per-sub-call lines: each iteration carrying its sub-calls inline. */
function oldFormat(lines: string[]): string[] {
  const records = lines.map((line) => JSON.parse(line) as TrajectoryRecord);
  const calls = new Map<string, SubcallRecord[]>();
  const out: string[] = [];
  for (const record of records) {
    if (record.type === "subcall") {
      const { type: _t, runId, iteration, index: _i, endedAtMs: _e, ...call } = record;
      const key = `${runId}#${iteration}`;
      calls.set(key, [...(calls.get(key) ?? []), call]);
    } else if (record.type === "iteration") {
      const { subcallRange: _r, endedAtMs: _e, ...iteration } = record;
      out.push(
        JSON.stringify({ ...iteration, subcalls: calls.get(`${record.runId}#${record.iteration}`) ?? [] }),
      );
    } else out.push(JSON.stringify(record));
  }
  return out;
}

/** Appends `line` and returns how long until `arrived` sees it on the stream. */
async function latency(file: string, line: string, arrived: () => boolean): Promise<number> {
  const start = Date.now();
  appendFileSync(file, `${line}\n`);
  await waitFor(arrived, "the appended record on the live stream", 5_000, 5);
  return Date.now() - start;
}

describe("appending to a log", () => {
  it("streams sub-calls inside iteration lines within 0.5 s, then the final summary", async () => {
    const file = join(runsDir, "appended-old.jsonl");
    const old = oldFormat(source);
    expect(old.length).toBeLessThan(source.length);
    writeFileSync(file, `${old[0]}\n`);
    expect((await get(`http://127.0.0.1:${server.port}/api/runs/appended-old`, auth())).status).toBe(200);
    const stream = live("appended-old");
    await stream.ready;
    await sleep(50);
    expect(stream.events).toEqual([]); // nothing old
    const delays: number[] = [];
    for (const line of old.slice(1)) {
      const record = JSON.parse(line) as TrajectoryRecord;
      const seen = records(stream).length;
      if (record.type === "iteration") {
        const rows = rowsOf(stream).length + record.subcalls.length;
        delays.push(
          await latency(
            file,
            line,
            () =>
              rowsOf(stream).length === rows &&
              records(stream)
                .slice(seen)
                .some((e) => e.type === "iteration"),
          ),
        );
      } else if (record.type === "final") {
        delays.push(await latency(file, line, () => records(stream).some((e) => e.type === "final")));
      }
      await sleep(100);
    }
    console.info(`old format: slowest iteration or final to the page ${Math.max(...delays)} ms`);
    expect(Math.max(...delays)).toBeLessThan(500);
    expect(rowsOf(stream).map((r) => r.index)).toEqual([...Array(20).keys()]);
    const final = records(stream).find((e) => e.type === "final")!;
    expect(final.type === "final" && final.summary.answer).toBe("the scripted answer");
    expect(records(stream).some((e) => e.type === "totals" && e.totals.subcalls === 20)).toBe(true);
  });

  it("streams per-sub-call lines one by one within 0.5 s each, and the iteration's range", async () => {
    const file = join(runsDir, "appended-new.jsonl");
    writeFileSync(file, `${source[0]}\n`);
    const stream = live("appended-new", "?subcalls=0&iterations=0");
    await stream.ready;
    const delays: number[] = [];
    for (const line of source.slice(1)) {
      const record = JSON.parse(line) as TrajectoryRecord;
      if (record.type === "subcall") {
        const want = rowsOf(stream).length + 1;
        delays.push(await latency(file, line, () => rowsOf(stream).length === want));
        await sleep(20);
      } else {
        appendFileSync(file, `${line}\n`);
      }
    }
    expect(delays.length).toBe(20);
    console.info(`subcall lines: slowest of 20 to the page ${Math.max(...delays)} ms`);
    expect(Math.max(...delays)).toBeLessThan(500);
    const written = source.map((l) => JSON.parse(l) as TrajectoryRecord).filter((r) => r.type === "subcall");
    expect(rowsOf(stream)[3]).toMatchObject({ index: 3, endedAtMs: Math.round(written[3]!.endedAtMs) });
    const first = await waitFor(
      () => records(stream).find((e) => e.type === "iteration" && e.iteration.iteration === 1),
      "the first iteration",
    );
    expect(first?.type === "iteration" && first.iteration.subcalls).toEqual({ first: 0, count: 20 });
    await waitFor(() => records(stream).some((e) => e.type === "final"), "the final event");
  });
});

describe("a real run in progress", () => {
  it("shows each iteration's sub-calls within 0.5 s of their lines and the answer within 1 s of the last", async () => {
    const batch = (n: number) =>
      repl(`answers = llm_batch([f"round ${n} part {i}" for i in range(6)])\nprint(answers[0])`);
    const written: Array<{ record: TrajectoryRecord; at: number }> = [];
    const running = scriptedRun(runsDir, "scripted-live", pool, {
      delayMs: 300,
      replies: [batch(1), batch(2), batch(3), "FINAL(live answer)"],
      onRecord: (record) => written.push({ record, at: Date.now() }),
    });
    await waitFor(
      async () =>
        (await get(`http://127.0.0.1:${server.port}/api/runs/scripted-live`, auth())).status === 200,
      "the run's first line",
    );
    const stream = live("scripted-live", "?subcalls=0&iterations=0");
    await stream.ready;
    const connectedAt = Date.now();
    await running;
    await waitFor(() => records(stream).some((e) => e.type === "final"), "the final event", 5_000);
    expect(rowsOf(stream).map((r) => r.promptPreview)).toEqual(
      [1, 2, 3].flatMap((n) => [0, 1, 2, 3, 4, 5].map((i) => `round ${n} part ${i}`)),
    );
    let timed = 0;
    for (const { record, at } of written) {
      if (record.type !== "subcall" || at < connectedAt) continue;
      const arrived = stream.events.find(
        (e) =>
          (e.data as LiveEvent).type === "subcalls" &&
          (e.data as { rows: SubcallRow[] }).rows.some((r) => r.index === record.index),
      )!;
      expect(arrived.at - at, `sub-call ${record.index}`).toBeLessThan(500);
      timed++;
    }
    expect(timed).toBeGreaterThanOrEqual(12); // rounds 2 and 3 at least, written after the page connected
    const finalWritten = written.find((w) => w.record.type === "final")!.at;
    const finalAt = stream.events.find((e) => (e.data as LiveEvent).type === "final")!.at;
    console.info(
      `real run: ${timed} sub-calls timed, the final answer ${finalAt - finalWritten} ms after its line`,
    );
    const finalSeen = stream.events.find((e) => (e.data as LiveEvent).type === "final")!;
    expect(finalSeen.at - finalWritten).toBeLessThan(1_000);
    expect((finalSeen.data as LiveEvent & { type: "final" }).summary).toMatchObject({
      answer: "live answer",
      status: "final",
      subcalls: 18,
    });
  });
});

describe("watching", () => {
  it("follows a log while someone listens and stops watching when the last one goes", async () => {
    const file = join(runsDir, "watched.jsonl");
    writeFileSync(file, `${source[0]}\n`);
    const entry = new RunEntry("watched", file);
    cleanup.add(() => entry.close());
    const watches = new LogWatches();
    cleanup.add(() => watches.closeAll());
    entry.refresh();
    let heard = 0;
    const stopListening = entry.listen(() => heard++);
    const first = watches.follow(entry);
    const second = watches.follow(entry);
    expect(watches.watching).toBe(1); // one watch however many follow
    appendFileSync(file, `${source[1]}\n`);
    await waitFor(() => heard === 1, "the appended line");
    first();
    first(); // releasing twice counts once
    expect(watches.watching).toBe(1);
    second();
    expect(watches.watching).toBe(0);
    // Still listening, but nothing watches the file any more: the new line goes unread until someone looks.
    appendFileSync(file, `${source[2]}\n`);
    await sleep(400);
    expect(heard).toBe(1);
    entry.refresh();
    expect(heard).toBe(2);
    stopListening();
  });
});
