/**
 * NIP-13 proof of work: mining time per event at difficulty 8, 16 and 20 (a job request's size), and the
 * figures behind INLINE_MAX_DIFFICULTY in src/pow.ts: the hash rate on this thread against a round trip to the
 * (already started) mining worker. Mining time is geometric (each nonce is a coin toss), so the mean needs
 * many events at low difficulty; each difficulty mines `--events` distinct drafts. A table on stdout, the
 * figures as JSON with `--json FILE`.
 *
 *   tsx packages/nostr/bench/pow.ts [--events 20] [--json FILE]
 */

import { performance } from "node:perf_hooks";
import { benchArgs, fixed, machine, percentile, writeBenchJson } from "@pylon/testkit/bench";
import { countLeadingZeroBits, INLINE_MAX_DIFFICULTY, minePow, minePowAsync } from "../src/pow.js";

const { values, json } = benchArgs({ events: 20 });

const draft = (i: number) => ({
  pubkey: "a".repeat(64),
  created_at: 1_700_000_000 + i,
  kind: 5050,
  tags: [
    ["i", "What is the capital of France? Answer in one word.", "text"],
    ["param", "model", "tiny"],
    ["p", "b".repeat(64)],
  ],
  content: "",
});

function summary(times: number[]): { events: number; meanMs: number; p50Ms: number; p99Ms: number } {
  return {
    events: times.length,
    meanMs: times.reduce((a, b) => a + b, 0) / times.length,
    p50Ms: percentile(times, 0.5),
    p99Ms: percentile(times, 0.99),
  };
}

/** Mines `events` drafts on this thread at `difficulty`; ms per event. */
function mineInline(difficulty: number, events: number, offset: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < events; i++) {
    const start = performance.now();
    const mined = minePow(draft(offset + i), difficulty);
    times.push(performance.now() - start);
    const nonce = mined.tags.at(-1) as string[];
    if (nonce[0] !== "nonce" || nonce[2] !== String(difficulty)) throw new Error("no nonce tag");
  }
  return times;
}

// Warm-up, then the hash rate from many cheap events (difficulty 4: ~16 hashes each).
mineInline(4, 200, 1_000_000);
const rateEvents = 2_000;
const rateStart = performance.now();
mineInline(8, rateEvents, 2_000_000);
const hashesPerMs = (rateEvents * 2 ** 8) / (performance.now() - rateStart);

// The worker: its start-up once, then round trips at difficulty 11 (the first one mined there) minus the
// hashing they include.
const startupStart = performance.now();
await minePowAsync(draft(0), INLINE_MAX_DIFFICULTY + 1);
const workerFirstMs = performance.now() - startupStart;
const roundTrips: number[] = [];
for (let i = 0; i < 40; i++) {
  const start = performance.now();
  await minePowAsync(draft(3_000_000 + i), INLINE_MAX_DIFFICULTY + 1);
  roundTrips.push(performance.now() - start);
}
const expectedHashMs = 2 ** (INLINE_MAX_DIFFICULTY + 1) / hashesPerMs;
const workerOverheadMs = Math.max(0, summary(roundTrips).meanMs - expectedHashMs);

const rows = [8, 16, 20].map((difficulty) => {
  const times = mineInline(difficulty, values.events, difficulty * 10_000);
  return { difficulty, expectedHashes: 2 ** difficulty, ...summary(times) };
});

const inlineAtThresholdMs = 2 ** INLINE_MAX_DIFFICULTY / hashesPerMs;
console.log(`\nNIP-13 mining, ${values.events} events per difficulty (job-request-sized drafts)\n`);
console.log("| difficulty | expected hashes | mean ms | p50 ms | p99 ms |\n|---:|---:|---:|---:|---:|");
for (const r of rows)
  console.log(
    `| ${r.difficulty} | ${r.expectedHashes} | ${fixed(r.meanMs, 1)} | ${fixed(r.p50Ms, 1)} | ${fixed(r.p99Ms, 1)} |`,
  );
console.log(
  `\n${fixed(hashesPerMs * 1000, 0)} hashes/s on one thread; worker start ${fixed(workerFirstMs, 1)} ms, ` +
    `round trip ${fixed(workerOverheadMs, 2)} ms beyond its hashing; inline at difficulty ` +
    `${INLINE_MAX_DIFFICULTY} ≈ ${fixed(inlineAtThresholdMs, 2)} ms expected.`,
);
if (countLeadingZeroBits("00f0") !== 8) throw new Error("countLeadingZeroBits is wrong");
writeBenchJson(json, {
  benchmark: "nostr/pow",
  date: new Date().toISOString(),
  machine: machine(),
  eventsPerDifficulty: values.events,
  hashesPerSecond: hashesPerMs * 1000,
  inlineMaxDifficulty: INLINE_MAX_DIFFICULTY,
  inlineAtThresholdMs,
  workerStartMs: workerFirstMs,
  workerRoundTripMs: workerOverheadMs,
  rows,
});
