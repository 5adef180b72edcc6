/**
 * Run state in SQLite (a real file) against a real relay and real provider nodes serving a SCRIPTED
 * backend: a run interrupted mid-batch is resumed with the same run id and database, and sends nothing
 * for the sub-calls that were already answered.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { Cleanup, tempDir, waitFor } from "@pylon/testkit";
import { startLocalMarket } from "@pylon/testkit/market";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSwarm, RunStore } from "../src/index.js";
import { ask, NO_CHECKS, startSwarm, stored } from "./harness.js";

const cleanup = new Cleanup();
let relayUrl: string;
let dbFile: string;

beforeAll(async () => {
  const market = await startLocalMarket(cleanup, { providers: 4, node: { latencyMs: 100 } });
  relayUrl = market.relay.url;
  dbFile = path.join(await tempDir(cleanup), "run.db");
});

afterAll(() => cleanup.run());

const prompts = Array.from({ length: 40 }, (_, i) => ask(`resume test ${i}`));

describe("resuming a run from its SQLite state (scripted providers)", () => {
  it("re-sends only the sub-calls that were not answered before the interruption", async () => {
    // First run: interrupted (aborted, then closed) part-way through.
    const first = await createSwarm({
      relays: [relayUrl],
      store: dbFile,
      runId: "run-1",
      hedge: false,
      trust: NO_CHECKS,
    });
    await first.directory.waitFor(4);
    const controller = new AbortController();
    const batch = first.complete(prompts, controller.signal);
    await waitFor(
      () =>
        first.counters.jobsSent >= 20 &&
        first.store.subcalls("run-1").filter((s) => s.status === "answered").length >= 8,
      "part of the batch to be answered",
    );
    controller.abort();
    const interrupted = await batch;
    await first.close();
    const answeredBefore = interrupted.filter((result) => result.ok).length;
    expect(answeredBefore).toBeGreaterThanOrEqual(8);
    expect(answeredBefore).toBeLessThan(40);
    expect(interrupted.filter((result) => !result.ok).every((r) => !r.ok && r.error === "aborted")).toBe(
      true,
    );

    // What the database says of the interrupted run: every sub-call, its status, provider and result.
    const store = RunStore.open(dbFile);
    const rows = store.subcalls("run-1");
    const jobsBefore = store.jobs("run-1");
    store.close();
    expect(rows).toHaveLength(40);
    const answered = rows.filter((row) => row.status === "answered");
    expect(answered).toHaveLength(answeredBefore);
    for (const row of answered) {
      expect(row.result).toMatch(/^answer to: resume test \d+$/);
      expect(row.provider).toMatch(/^[0-9a-f]{64}$/);
      expect(row.jobId).toMatch(/^[0-9a-f]{64}(:[0-9a-z]+)?$/); // `:item` when it went in a batch
    }

    // Resumed: same run id, same database, a fresh buyer key so its requests can be counted on the relay.
    const second = await startSwarm(
      cleanup,
      { relays: [relayUrl], store: dbFile, runId: "run-1", hedge: false, trust: NO_CHECKS },
      4,
    );
    const results = await second.complete(prompts, new AbortController().signal);
    results.forEach((result, i) => {
      expect(result.ok).toBe(true);
      if (result.ok) expect(result.text).toBe(`answer to: resume test ${i}`);
    });
    expect(second.counters.memoHits).toBe(answeredBefore);
    // Jobs of the resumed run: only for sub-calls left unanswered (a `busy` from a provider still clearing
    // the interrupted run's cancelled work may send one of them twice, never an answered one).
    const earlier = new Set(jobsBefore.map((job) => job.jobId));
    const resumedJobs = second.store.jobs("run-1").filter((job) => !earlier.has(job.jobId));
    const answeredHashes = new Set(answered.map((row) => row.hash));
    expect(resumedJobs.some((job) => answeredHashes.has(job.hash))).toBe(false);
    expect(new Set(resumedJobs.map((job) => job.hash)).size).toBe(40 - answeredBefore);
    const sent = await stored(relayUrl, { kinds: [5050], authors: [second.pubkey] });
    // One request per plain job, one per batch of items.
    expect(sent).toHaveLength(new Set(resumedJobs.map((job) => job.jobId.split(":")[0])).size);
    expect(second.counters.jobsSent).toBe(resumedJobs.length);
    expect(second.store.subcalls("run-1").every((row) => row.status === "answered")).toBe(true);
  });

  it("memoises identical sub-calls: asked twice in one batch, sent once", async () => {
    const s = await startSwarm(cleanup, { relays: [relayUrl], hedge: false, trust: NO_CHECKS }, 4);
    const same = ask("the same question");
    const results = await s.complete([same, same, ask("another")], new AbortController().signal);
    expect(results.map((r) => r.ok && r.text)).toEqual([
      "answer to: the same question",
      "answer to: the same question",
      "answer to: another",
    ]);
    // Sent once each (a provider still busy with the previous test's cancelled work may refuse one first).
    expect(s.counters.jobsSent - s.counters.busy).toBe(2);
    expect(new Set(s.store.jobs(s.runId).map((job) => job.hash)).size).toBe(2);
    const [again] = await s.complete([same], new AbortController().signal);
    expect(again?.ok).toBe(true);
    expect(s.counters.memoHits).toBe(1);
    expect(s.counters.jobsSent - s.counters.busy).toBe(2);
  });

  it("reads back the answer of a job an interrupted run had sent but not recorded, without sending it again", async () => {
    const secretKey = new Uint8Array(randomBytes(32)); // the buyer key persists across the interruption
    const file = path.join(await tempDir(cleanup), "crash.db");
    const prompt = ask("answered while we were down");
    const first = await createSwarm({
      relays: [relayUrl],
      store: file,
      runId: "run-2",
      secretKey,
      hedge: false,
      trust: NO_CHECKS,
    });
    await first.directory.waitFor(4);
    const [answered] = await first.complete([prompt], new AbortController().signal);
    expect(answered?.ok).toBe(true);
    await first.close();
    // The state a crash leaves between "result received" and "result recorded": job sent, outcome unknown.
    const db = new Database(file);
    db.exec(`DELETE FROM results; UPDATE jobs SET status = 'sent', ended_at = NULL;
             UPDATE subcalls SET status = 'dispatched', provider = NULL, job_id = NULL;`);
    db.close();

    const resumed = await startSwarm(
      cleanup,
      { relays: [relayUrl], store: file, runId: "run-2", secretKey, hedge: false, trust: NO_CHECKS },
      4,
    );
    const [result] = await resumed.complete([prompt], new AbortController().signal);
    expect(result?.ok && result.text).toBe("answer to: answered while we were down");
    expect(resumed.counters.recovered).toBe(1);
    expect(resumed.counters.jobsSent).toBe(0);
    expect(await stored(relayUrl, { kinds: [5050], authors: [resumed.pubkey] })).toHaveLength(1); // the original
    expect(resumed.store.jobs("run-2").map((job) => job.status)).toEqual(["answered"]);
    expect(resumed.store.subcalls("run-2")[0]?.status).toBe("answered");
  });
});
