/**
 * Per-event cost of verification and signing: noble (pure JS) vs nostr-wasm. Events are JSON round-tripped
 * so no cached "verified" flag short-circuits the JS path; each JS call verifies a fresh copy, as
 * verifyEvent does before initFastVerify(). Each variant runs for `--ms` after a warm-up; a table on
 * stdout, the figures as JSON with `--json FILE`.
 *
 *   tsx packages/nostr/bench/verify.ts [--ms 500] [--events 256] [--json FILE]
 */

import { plainEvent } from "@pylon/protocol";
import { benchArgs, fixed, machine, percentile, writeBenchJson } from "@pylon/testkit/bench";
import type { NostrEvent } from "nostr-tools/core";
import { finalizeEvent as finalizeWithNoble, verifyEvent as verifyWithNoble } from "nostr-tools/pure";
import { signEvent } from "../src/sign.js";
import { initFastVerify, verifyEvent } from "../src/verify.js";

const { values, json } = benchArgs({ ms: 500, events: 256 });

/** Calls `op` for `ms` after a warm-up, one timing per call: ms per call. */
function measure(
  op: () => void,
  ms: number,
): { calls: number; meanMs: number; p50Ms: number; p99Ms: number } {
  for (let i = 0; i < 50; i++) op();
  const times: number[] = [];
  const end = performance.now() + ms;
  for (let now = performance.now(); now < end; ) {
    op();
    const after = performance.now();
    times.push(after - now);
    now = after;
  }
  const total = times.reduce((a, b) => a + b, 0);
  return {
    calls: times.length,
    meanMs: total / times.length,
    p50Ms: percentile(times, 0.5),
    p99Ms: percentile(times, 0.99),
  };
}

const secretKey = new Uint8Array(32).fill(7);
const events: NostrEvent[] = Array.from({ length: values.events }, (_, i) =>
  JSON.parse(
    JSON.stringify(
      signEvent({ kind: 1, tags: [["t", "bench"]], content: `event ${i} ${"x".repeat(200)}` }, secretKey),
    ),
  ),
);
let i = 0;
const nextEvent = (): NostrEvent => events[i++ % events.length] as NostrEvent;
const draft = { kind: 1, tags: [["t", "bench"]], content: "x".repeat(200), created_at: 1_700_000_000 };

// Pure JS first: signEvent and verifyEvent use nostr-wasm once it is loaded.
const verifyJs = measure(() => {
  if (!verifyWithNoble(plainEvent(nextEvent()))) throw new Error("should verify");
}, values.ms);
const signJs = measure(() => {
  finalizeWithNoble({ ...draft }, secretKey);
}, values.ms);
if ((await initFastVerify()) !== "wasm")
  throw new Error("nostr-wasm did not load; the wasm figures would be JS figures");
const verifyWasm = measure(() => {
  if (!verifyEvent(nextEvent())) throw new Error("should verify");
}, values.ms);
const signWasm = measure(() => {
  signEvent(draft, secretKey);
}, values.ms);

const operations = [
  {
    operation: "verify one event",
    js: verifyJs,
    wasm: verifyWasm,
    speedup: verifyJs.meanMs / verifyWasm.meanMs,
  },
  { operation: "sign one event", js: signJs, wasm: signWasm, speedup: signJs.meanMs / signWasm.meanMs },
];
console.log(`\nSigning and verification, ${values.events} events, ${values.ms} ms a variant\n`);
console.log("| operation | pure JS mean ms | nostr-wasm mean ms | speed-up |\n|---|---:|---:|---:|");
for (const o of operations)
  console.log(
    `| ${o.operation} | ${fixed(o.js.meanMs, 3)} | ${fixed(o.wasm.meanMs, 3)} | ${fixed(o.speedup)}× |`,
  );
writeBenchJson(json, {
  benchmark: "nostr/verify",
  date: new Date().toISOString(),
  machine: machine(),
  events: values.events,
  msPerVariant: values.ms,
  operations,
});
