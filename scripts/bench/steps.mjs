// Every benchmark `npm run bench` runs, in order, with FIXED arguments (sizes chosen so the whole run
// stays under 20 minutes on the 2-core development machine). Each writes its figures to `<id>.json`.
// `shown` is the command a reader can run for the same figures (the generated doc prints it).

/** @typedef {{ id: string, argv: (json: string) => string[], shown: string, timeoutSec: number }} BenchStep */

/** Every benchmark is a TypeScript script run by tsx (no compile step); `argv[0]` is relative to the repo. */
const TSX = "node_modules/.bin/tsx";

/**
 * `tsx <script> <args> --json FILE`, shown as the same command with `npx tsx`.
 * @returns {BenchStep}
 */
function tsxStep(id, script, args, timeoutSec) {
  return {
    id,
    argv: (json) => [TSX, script, ...args, "--json", json],
    shown: ["npx tsx", script, ...args, "--json FILE"].join(" "),
    timeoutSec,
  };
}

/** @type {BenchStep[]} */
export const STEPS = [
  tsxStep("relay", "packages/relay/bench/ingest.ts", [], 240),
  tsxStep("nostr", "packages/nostr/bench/verify.ts", [], 120),
  tsxStep("nostr-pow", "packages/nostr/bench/pow.ts", ["--events", "20"], 360),
  inferenceStep("inference", "tiny"),
  inferenceStep("inference-medium-q8", "medium-q8"),
  inferenceStep("inference-medium-f32", "medium-f32"),
  providerStep("provider", "tiny", 5),
  providerStep("provider-medium-q8", "medium-q8", 3),
  providerStep("provider-medium-f32", "medium-f32", 3),
  tsxStep("rlm-context", "packages/rlm/bench/context.ts", [], 180),
  tsxStep("rlm-tasks", "packages/rlm/bench/tasks.ts", [], 180),
  tsxStep("wallet", "packages/wallet/bench/payments.ts", [], 180),
  tsxStep(
    "provider-payments",
    "packages/provider/bench/payments.ts",
    ["--jobs", "1000", "--providers", "8"],
    300,
  ),
  // The market benchmarks start the whole market (relay, mint, provider processes, buyer): they live in lab/.
  // Also selection at 8, 100 and 1,000 providers (simulated clock) and the buyer's memory over 20,000 sub-calls.
  tsxStep("swarm-dispatch", "lab/bench/dispatch.ts", ["--memory", "20000"], 420),
  tsxStep(
    "swarm-fanout",
    "lab/bench/fanout.ts",
    ["--small", "1000", "--large", "10000", "--providers", "8"],
    480,
  ),
  tsxStep(
    "swarm-fanout-relays",
    "lab/bench/fanout-relays.ts",
    ["--subcalls", "1000", "--providers", "8", "--relays", "pylon,strict,foreign"],
    540,
  ),
  tsxStep(
    "swarm-speedup",
    "lab/bench/speedup.ts",
    ["--subcalls", "1000", "--providers", "10", "--slots", "5", "--latency-ms", "200", "--sequential", "50"],
    300,
  ),
  // A thousand providers (issue 18): the crowd lab, five phases in one run (lab/bench/thousand.ts), ~5 minutes.
  tsxStep("thousand", "lab/bench/thousand.ts", ["--providers", "1000", "--subcalls", "10000"], 600),
  // `pylon serve`: what the OpenAI-compatible server adds over a direct job, and the requests/s it sustains.
  tsxStep(
    "serve",
    "apps/cli/bench/serve.ts",
    ["--requests", "200", "--seconds", "10", "--concurrency", "32"],
    120,
  ),
];

/** The soak is not part of `npm run bench` (it has its own 15 minutes); `npm run soak` leaves its JSON here. */
export const SOAK_STEP = {
  id: "soak",
  shown: "npm run soak",
};

/** The soak at a thousand providers on the crowd (`npm run soak -- --providers 1000`), its own JSON and section. */
export const SOAK_CROWD_STEP = {
  id: "soak-crowd",
  shown: "npm run soak -- --providers 1000",
};

/**
 * A decoding benchmark on a generated model of the given shape, 128 tokens per job: raw batched decoding
 * (packages/inference/bench/batch.ts) or the whole Nostr path vs raw (packages/provider/bench/throughput.ts).
 * @returns {BenchStep}
 */
function decodingStep(id, script, shape, repeats, timeoutSec) {
  return tsxStep(id, script, ["--shape", shape, "--tokens", "128", "--repeats", String(repeats)], timeoutSec);
}

function inferenceStep(id, shape) {
  return decodingStep(id, "packages/inference/bench/batch.ts", shape, 3, 300);
}

function providerStep(id, shape, repeats) {
  return decodingStep(id, "packages/provider/bench/throughput.ts", shape, repeats, 420);
}
