import { describe, expect, it } from "vitest";
import type { ProviderEntry } from "../src/directory.js";
import type { Attempt, AttemptResult } from "../src/job-attempt.js";
import { LiveAttempts } from "../src/live-attempts.js";

/** An attempt that ends when aborted (as real ones do: aborted → "aborted"), or when `end` is called. */
function attemptAt(pubkey: string): Attempt & { end(): void; aborted: string[] } {
  const entry = { pubkey } as ProviderEntry;
  let finish!: (result: AttemptResult) => void;
  const done = new Promise<AttemptResult>((resolve) => (finish = resolve));
  const aborted: string[] = [];
  return {
    entry,
    hedge: false,
    startedAt: Date.now(),
    done,
    aborted,
    abort: (reason) => {
      aborted.push(reason);
      finish({ ok: false, failure: "aborted", message: reason, jobId: undefined, entry });
    },
    end: () => finish({ ok: false, failure: "error", message: "ended", jobId: undefined, entry }),
  };
}

describe("LiveAttempts (what a catch stops)", () => {
  it("aborts every attempt under way at the caught provider, and only there", async () => {
    const live = new LiveAttempts();
    const [a1, a2, b1] = [attemptAt("A"), attemptAt("A"), attemptAt("B")];
    for (const attempt of [a1, a2, b1]) live.track(attempt);
    expect(live.abortAt("A", "caught")).toBe(2);
    expect(a1.aborted).toEqual(["caught"]);
    expect(a2.aborted).toEqual(["caught"]);
    expect(b1.aborted).toEqual([]);
    await Promise.all([a1.done, a2.done]);
    // Ended attempts are forgotten: nothing left to abort at A.
    expect(live.abortAt("A", "again")).toBe(0);
  });

  it("forgets an attempt once it ended on its own", async () => {
    const live = new LiveAttempts();
    const attempt = live.track(attemptAt("A")) as ReturnType<typeof attemptAt>;
    attempt.end();
    await attempt.done;
    await Promise.resolve();
    expect(live.abortAt("A", "caught")).toBe(0);
    expect(attempt.aborted).toEqual([]);
  });
});
