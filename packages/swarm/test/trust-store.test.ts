/**
 * The run store's part in trust (real SQLite): a caught provider's memoised answers are forgotten so a
 * resume asks those sub-calls again, and a check's jobs (stored under "<key>:check") are never read back as
 * the sub-call's own answer on resume.
 */
import { describe, expect, it } from "vitest";
import { type MemoisedResult, RunStore } from "../src/run-store.js";

const answer = (provider: string, jobId: string): MemoisedResult => ({
  text: `from ${provider}`,
  provider,
  model: "m",
  costMsats: 10,
  inputTokens: 1,
  outputTokens: 1,
  jobId,
});

describe("run store and trust", () => {
  it("forgets a caught provider's answers; others stay", () => {
    const store = RunStore.open(":memory:");
    try {
      store.begin("run", "h1");
      store.begin("run", "h2");
      store.answered("run", "h1", answer("cheater", "j1"));
      store.answered("run", "h2", answer("honest", "j2"));
      expect(store.forgetProvider("cheater")).toBe(1);
      expect(store.memoised("h1")).toBeUndefined();
      expect(store.memoised("h2")?.provider).toBe("honest");
      const rows = new Map(store.subcalls("run").map((row) => [row.hash, row]));
      expect(rows.get("h1")).toMatchObject({ status: "pending", provider: null, result: null });
      expect(rows.get("h2")).toMatchObject({ status: "answered", provider: "honest" });
    } finally {
      store.close();
    }
  });

  it("a check's unfinished job is not the sub-call's leftover on resume", () => {
    const store = RunStore.open(":memory:");
    try {
      store.begin("run", "h");
      store.jobSent("run", "h:check", "check-job", "other", false, '{"id":"check-job"}');
      store.jobSent("run", "h", "own-job", "first", false, '{"id":"own-job"}');
      const later = Date.now() + 1_000;
      expect(store.unfinishedJobs("run", "h", later).map((j) => j.jobId)).toEqual(["own-job"]);
      expect(store.subcalls("run")).toHaveLength(1);
      expect(store.subcalls("run")[0]!.attempts).toBe(1);
    } finally {
      store.close();
    }
  });
});
