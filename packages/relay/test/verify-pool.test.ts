/** Verification on worker threads gives the same answers, in order, as on the calling thread. */
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { createVerifyPool } from "../src/verify-pool.js";

function batch(): { raws: string[]; expected: boolean[] } {
  const sk = generateSecretKey();
  const raws: string[] = [];
  const expected: boolean[] = [];
  for (let i = 0; i < 40; i++) {
    const event = finalizeEvent({ kind: 1, created_at: 1_700_000_000 + i, tags: [], content: `n${i}` }, sk);
    const tampered = i % 3 === 0;
    raws.push(JSON.stringify(tampered ? { ...event, content: "changed" } : event));
    expected.push(!tampered);
  }
  return { raws, expected };
}

describe.each([
  ["wasm", 0],
  ["wasm", 2],
  ["js", 1],
] as const)("%s verify pool with %i threads", (backend, threads) => {
  it("answers every batch in input order, also concurrently and after close", async () => {
    const pool = await createVerifyPool(backend, threads);
    try {
      expect(pool.threads).toBe(threads);
      // Before warm-up (workers start on demand) the pool answers on this thread; after it, on workers.
      const early = batch();
      expect(await pool.verify(early.raws)).toEqual(early.expected);
      await pool.warmUp();
      const batches = [batch(), batch(), batch()];
      const results = await Promise.all(batches.map((b) => pool.verify(b.raws)));
      results.forEach((r, i) => {
        expect(r).toEqual(batches[i]?.expected);
      });
      expect(await pool.verify([])).toEqual([]);
    } finally {
      await pool.close();
    }
    // A closed pool still answers (on the calling thread) rather than leaving callers waiting.
    const late = batch();
    expect(await pool.verify(late.raws)).toEqual(late.expected);
  });
});
