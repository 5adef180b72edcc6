/**
 * Hedging against a real relay and real provider nodes serving a SCRIPTED backend, one of them slow: a
 * straggler gets a duplicate elsewhere, the first answer wins, and the loser gets a kind-5 cancellation.
 */

import { Cleanup, waitFor } from "@pylon/testkit";
import { type ScriptedNode, scriptedNode, startTestRelay } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ask, startSwarm, stored } from "./harness.js";

const SLOW_MS = 3_000;
const cleanup = new Cleanup();
let relayUrl: string;
let slow: ScriptedNode["node"];

beforeAll(async () => {
  relayUrl = (await startTestRelay(cleanup)).url;
  ({ node: slow } = await scriptedNode(cleanup, {
    relays: [relayUrl],
    latencyMs: SLOW_MS,
    slots: 2,
    queue: 2,
  }));
  await Promise.all(
    [0, 1, 2].map(() => scriptedNode(cleanup, { relays: [relayUrl], latencyMs: 30, slots: 2, queue: 2 })),
  );
});

afterAll(() => cleanup.run());

describe("hedging with a slow scripted provider", () => {
  async function batch(hedge: boolean) {
    const s = await startSwarm(
      cleanup,
      { relays: [relayUrl], hedge: hedge ? { minMs: 300, minSamples: 8 } : false, ackTimeoutMs: 10_000 },
      4,
    );
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
    // Each result says what it took: the jobs sent for it, hedges among them, adding up to the counters.
    const sum = (key: "attempts" | "hedges") => results.reduce((n, r) => n + (r[key] ?? 0), 0);
    // (The counter also has the hedges of spot-check jobs, which are no sub-call's.)
    expect(sum("hedges")).toBeGreaterThan(0);
    expect(sum("hedges")).toBeLessThanOrEqual(s.counters.hedges);
    expect(results.every((r) => (r.attempts ?? 0) >= 1 + (r.hedges ?? 0))).toBe(true);
    expect(sum("attempts")).toBeGreaterThanOrEqual(results.length + sum("hedges"));

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
