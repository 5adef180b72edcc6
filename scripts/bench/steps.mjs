// Every benchmark `npm run bench` runs, in order, with FIXED arguments (sizes chosen so the whole run
// stays under 15 minutes on the 2-core development machine). Each writes its figures to `<id>.json`.
// `shown` is the command a reader can run for the same figures (the generated doc prints it).

/** @typedef {{ id: string, pkg: string, compile: boolean, argv: (json: string) => string[], cwd?: string, shown: string, timeoutSec: number }} BenchStep */

/** @type {BenchStep[]} */
export const STEPS = [
  {
    id: "relay",
    pkg: "packages/relay",
    compile: true,
    argv: (json) => ["node", "packages/relay/dist-bench/bench/ingest.js", "--json", json],
    shown: "npm run bench -w packages/relay -- --json FILE",
    timeoutSec: 240,
  },
  {
    id: "nostr",
    pkg: "packages/nostr",
    compile: false,
    cwd: "packages/nostr",
    argv: (json) => ["node", "../../node_modules/vitest/vitest.mjs", "bench", "--run", "--outputJson", json],
    shown: "npm run bench -w packages/nostr -- --outputJson FILE",
    timeoutSec: 120,
  },
  inferenceStep("inference", "tiny"),
  inferenceStep("inference-medium-q8", "medium-q8"),
  inferenceStep("inference-medium-f32", "medium-f32"),
  providerStep("provider", "tiny", 5),
  providerStep("provider-medium-q8", "medium-q8", 3),
  providerStep("provider-medium-f32", "medium-f32", 3),
  {
    id: "rlm-context",
    pkg: "packages/rlm",
    compile: true,
    argv: (json) => ["node", "packages/rlm/dist-bench/bench/context.js", "--json", json],
    shown: "node packages/rlm/dist-bench/bench/context.js --json FILE",
    timeoutSec: 180,
  },
  {
    id: "rlm-tasks",
    pkg: "packages/rlm",
    compile: false,
    argv: (json) => ["node", "packages/rlm/dist-bench/bench/tasks.js", "--json", json],
    shown: "node packages/rlm/dist-bench/bench/tasks.js --json FILE",
    timeoutSec: 180,
  },
  {
    id: "wallet",
    pkg: "packages/wallet",
    compile: true,
    argv: (json) => ["node", "packages/wallet/dist-bench/bench/payments.js", "--json", json],
    shown: "npm run bench -w packages/wallet -- --json FILE",
    timeoutSec: 180,
  },
  {
    id: "provider-payments",
    pkg: "packages/provider",
    compile: false,
    argv: (json) => [
      "node",
      "packages/provider/dist-bench/bench/payments.js",
      "--jobs",
      "1000",
      "--providers",
      "8",
      "--json",
      json,
    ],
    shown: "npm run bench:payments -w packages/provider -- --jobs 1000 --providers 8 --json FILE",
    timeoutSec: 300,
  },
  {
    id: "swarm-dispatch",
    pkg: "packages/swarm",
    compile: true,
    argv: (json) => ["node", "packages/swarm/dist-bench/bench/dispatch.js", "--json", json],
    shown: "npm run bench:dispatch -w packages/swarm -- --json FILE",
    timeoutSec: 180,
  },
  {
    id: "swarm-fanout",
    pkg: "packages/swarm",
    compile: false,
    argv: (json) => [
      "node",
      "packages/swarm/dist-bench/bench/fanout.js",
      "--small",
      "1000",
      "--large",
      "10000",
      "--providers",
      "8",
      "--json",
      json,
    ],
    shown: "npm run bench:fanout -w packages/swarm -- --small 1000 --large 10000 --providers 8 --json FILE",
    timeoutSec: 480,
  },
  {
    id: "swarm-speedup",
    pkg: "packages/swarm",
    compile: false,
    argv: (json) => [
      "node",
      "packages/swarm/dist-bench/bench/speedup.js",
      "--subcalls",
      "1000",
      "--providers",
      "10",
      "--slots",
      "5",
      "--latency-ms",
      "200",
      "--sequential",
      "50",
      "--json",
      json,
    ],
    shown:
      "npm run bench:speedup -w packages/swarm -- --subcalls 1000 --providers 10 --slots 5 --latency-ms 200 --sequential 50 --json FILE",
    timeoutSec: 300,
  },
];

/** The soak is not part of `npm run bench` (it has its own 15 minutes); `npm run soak` leaves its JSON here. */
export const SOAK_STEP = {
  id: "soak",
  shown: "npm run soak",
};

/**
 * A decoding benchmark on a generated model of the given shape, 128 tokens per job: raw batched decoding
 * (packages/inference/bench/batch.ts) or the whole Nostr path vs raw (packages/provider/bench/throughput.ts).
 * @returns {BenchStep}
 */
function decodingStep(id, pkg, script, shape, repeats, timeoutSec) {
  const args = ["--shape", shape, "--tokens", "128", "--repeats", String(repeats)];
  return {
    id,
    pkg,
    compile: true,
    argv: (json) => ["node", `${pkg}/dist-bench/bench/${script}.js`, ...args, "--json", json],
    shown: `npm run bench -w ${pkg} -- ${args.join(" ")} --json FILE`,
    timeoutSec,
  };
}

function inferenceStep(id, shape) {
  return decodingStep(id, "packages/inference", "batch", shape, 3, 300);
}

function providerStep(id, shape, repeats) {
  return decodingStep(id, "packages/provider", "throughput", shape, repeats, 420);
}
