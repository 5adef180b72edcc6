/**
 * Hedging against a real relay and real provider nodes serving a SCRIPTED backend, one of them slow: a
 * straggler gets a duplicate elsewhere, the first answer wins, and the loser gets a kind-5 cancellation.
 */

import type { RunningProvider } from "@pylon/provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSwarm } from "../src/index.js";
import { ask, Cleanup, relay, scriptedNode, stored, waitFor } from "./harness.js";

const SLOW_MS = 3_000;
const cleanup = new Cleanup();
let relayUrl: string;
let slow: RunningProvider;

beforeAll(async () => {
  relayUrl = (await relay(cleanup)).url;
  slow = await scriptedNode(cleanup, relayUrl, { latencyMs: SLOW_MS, slots: 2, queue: 2 });
  await Promise.all(
    [0, 1, 2].map(() => scriptedNode(cleanup, relayUrl, { latencyMs: 30, slots: 2, queue: 2 })),
  );
});

afterAll(() => cleanup.run());

describe("hedging with a slow scripted provider", () => {
  async function batch(hedge: boolean) {
    const s = await createSwarm({
      relays: [relayUrl],
      hedge: hedge ? { minMs: 300, minSamples: 8 } : false,
      ackTimeoutMs: 10_000,
    });
    cleanup.add(() => s.close());
    await s.directory.waitFor(4);
    const started = Date.now();
    const results = await s.complete(
      Array.from({ length: 48 }, (_, i) => ask(`hedge ${hedge} ${i}`)),
      new AbortController().signal,
    );
    return { s, results, seconds: (Date.now() - started) / 1000 };
  }

  it("bounds the tail: stragglers at the slow provider are duplicated, won elsewhere, and cancelled there", async () => {
    const { s, results, seconds } = await batch(true);
    expect(results.every((result) => result.ok)).toBe(true);
    const worst = Math.max(...results.map((result) => result.latencyMs));
    expect(worst).toBeLessThan(SLOW_MS / 2);
    expect(s.counters.hedges).toBeGreaterThan(0);
    expect(s.counters.hedgeWins).toBeGreaterThan(0);

    const losers = s.store
      .jobs(s.runId)
      .filter((job) => job.provider === slow.pubkey && job.status === "cancelled");
    expect(losers.length).toBeGreaterThan(0);
    const events = await stored(relayUrl, { kinds: [5], authors: [s.pubkey] });
    const cancelled = new Set(
      events.flatMap((event) => event.tags.filter((t) => t[0] === "e").map((t) => t[1])),
    );
    // A loser that was an item of a batched request is cancelled with its request (`<request id>:<item>`).
    const requestIds = new Set(losers.map((job) => job.jobId.split(":")[0]));
    for (const id of requestIds) expect(cancelled.has(id)).toBe(true);
    // The slow node heard the cancellations and dropped the work (no result was published for them).
    await waitFor(
      () => slow.status().jobs.cancelled >= requestIds.size,
      "the slow node to cancel the losers",
    );
    console.info(
      `[swarm] hedged 48 sub-calls (1 slow provider of 4) in ${seconds.toFixed(2)} s; worst ${Math.round(worst)} ms; ` +
        `${s.counters.hedges} hedges, ${s.counters.hedgeWins} won by the hedge`,
    );
  });

  it("without hedging the slow provider sets the tail", async () => {
    const { results, seconds } = await batch(false);
    expect(results.every((result) => result.ok)).toBe(true);
    const worst = Math.max(...results.map((result) => result.latencyMs));
    expect(worst).toBeGreaterThanOrEqual(SLOW_MS * 0.9);
    console.info(`[swarm] unhedged: ${seconds.toFixed(2)} s; worst ${Math.round(worst)} ms`);
  });
});
