/**
 * Fan-out throughput: one `llm_batch` of N sub-calls through the whole market (signing, verification,
 * NIP-44, Cashu tabs, relay) to paid providers on an INSTANT scripted backend (no model time), against the
 * same batch on an in-process SubcallBackend over the same scripted backend. Markdown on stdout.
 *
 *   tsx lab/bench/fanout.ts [--small 1000] [--large 10000] [--providers 8]
 *     [--slots 8] [--queue 120] [--jobs-per-second 0 (swarm default)] [--processes 1]
 *     [--relay pylon|foreign|strict] [--json FILE]
 *
 * --processes 1 (default): each provider node in its own process, as separate machines would be;
 * 0: all in this process. --relay (market/relays.ts): Pylon's relay as deployed (default), the foreign one
 * (@nostr-relay/core), or Pylon's configured strictly (16 KB, 10 events/s, AUTH, PoW 8).
 */
import { randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import path from "node:path";
import { createScriptedBackend } from "@pylon/inference/scripted";
import { backendSubcalls, type SubcallResult } from "@pylon/rlm";
import { benchArgs, fixed, machine, percentile, writeBenchJson } from "@pylon/testkit/bench";
import { echoAnswer, MODEL } from "@pylon/testkit/market";
import Database from "better-sqlite3";
import { depositFor, question } from "../market/jobs.js";
import { startMarket } from "../market/market.js";
import { relayChoice } from "../market/relays.js";

const { values, json } = benchArgs({
  small: 1_000,
  large: 10_000,
  providers: 8,
  slots: 8,
  // An instant backend empties its queue at once, so its node can announce a deep one: capacity (slots +
  // queue) is what bounds how many sub-calls the swarm keeps at one provider, and so the batch size.
  queue: 120,
  "jobs-per-second": 0,
  processes: 1,
  relay: "pylon",
});
const relay = (() => {
  try {
    return relayChoice(values.relay);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
})();
const sizes = [values.small, values.large].filter((n) => n > 0);
const totalJobs = sizes.reduce((a, b) => a + b, 0);

interface Row {
  subcalls: number;
  answered: number;
  wallSec: number;
  jobsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  roundTripP50Ms: number;
  roundTripP99Ms: number;
  jobsSent: number;
  depositSwaps: number;
  /** Closing the run's tabs afterwards, s. */
  closeSec: number;
  inProcessWallSec: number;
  inProcessJobsPerSec: number;
  ratioToInProcess: number;
}

/** The same batch on an in-process backend: the scripted model behind rlm's SubcallBackend adapter. */
async function inProcess(n: number): Promise<number> {
  const capacity = values.providers * values.slots;
  const backend = createScriptedBackend({
    responses: echoAnswer,
    model: MODEL,
    slots: capacity,
    maxQueue: 100_000,
  });
  const sub = backendSubcalls(backend, { concurrency: capacity });
  const signal = new AbortController().signal;
  setMaxListeners(0, signal); // one abort listener per slot in flight: a big batch is not a leak
  const started = performance.now();
  const results = await sub.complete(
    Array.from({ length: n }, (_, i) => question("in-process", i)),
    signal,
  );
  const seconds = (performance.now() - started) / 1000;
  await backend.close();
  if (results.some((r) => !r.ok)) throw new Error("the in-process backend failed a sub-call");
  return seconds;
}

/** publish → answer of every answered job, from the run store (ms). */
function roundTrips(storeFile: string): number[] {
  const db = new Database(storeFile, { readonly: true });
  try {
    const rows = db
      .prepare("SELECT ended_at - sent_at AS ms FROM jobs WHERE status = 'answered' AND ended_at IS NOT NULL")
      .all() as Array<{ ms: number }>;
    return rows.map((r) => r.ms);
  } finally {
    db.close();
  }
}

const market = await startMarket({
  providers: values.providers,
  slots: values.slots,
  queue: values.queue,
  latencyMs: 0,
  processes: values.processes !== 0,
  relay,
  fundSats: depositFor(totalJobs, 1) * 2 + 1_000,
});
const rows: Row[] = [];
let warmTabs: { subcalls: number; answered: number; wallSec: number; jobsPerSec: number } | undefined;
try {
  // Warm-up (not measured): JIT, the relay's verifier threads, each node's first tab. Its own buyer key,
  // so every measured batch still opens its tabs (one deposit swap), as a real run does.
  await market.batch(
    { depositSats: depositFor(4 * values.providers, values.providers) },
    "warm-up",
    4 * values.providers,
  );
  for (const n of sizes) {
    const store = path.join(market.dir, `fanout-${n}.db`);
    const { swarm, strategy } = await market.swarm({
      depositSats: depositFor(n, values.providers),
      store,
      jobsPerSecond: values["jobs-per-second"] || undefined,
    });
    let results: SubcallResult[];
    let wallSec: number;
    const started = performance.now();
    const closing = { started: 0 };
    try {
      results = await swarm.complete(
        Array.from({ length: n }, (_, i) => question(`fan-out ${n}`, i)),
        new AbortController().signal,
      );
      // The batch's time: from llm_batch to the last answer (tabs are opened inside it, as in a run).
      wallSec = (performance.now() - started) / 1000;
    } finally {
      closing.started = performance.now();
      await swarm.close();
    }
    // Closing the tabs (one close job and refund swap per provider) happens once per run, after the batch.
    const closeSec = (performance.now() - closing.started) / 1000;
    const latencies = results.map((r) => r.latencyMs);
    const trips = roundTrips(store);
    const inProcessWallSec = await inProcess(n);
    const row: Row = {
      subcalls: n,
      answered: results.filter((r) => r.ok).length,
      wallSec,
      jobsPerSec: n / wallSec,
      latencyP50Ms: percentile(latencies, 0.5),
      latencyP99Ms: percentile(latencies, 0.99),
      roundTripP50Ms: percentile(trips, 0.5),
      roundTripP99Ms: percentile(trips, 0.99),
      jobsSent: swarm.counters.jobsSent,
      depositSwaps: strategy.depositSwaps,
      closeSec,
      inProcessWallSec,
      inProcessJobsPerSec: n / inProcessWallSec,
      ratioToInProcess: wallSec / inProcessWallSec,
    };
    rows.push(row);
    console.error(`${n}: ${row.answered}/${n} in ${fixed(wallSec, 2)} s (${fixed(row.jobsPerSec)} jobs/s)`);
  }
  // The small batch again from a buyer whose tabs are already open (kept by its previous run, as a buyer
  // running one RLM after another does): no deposit swap and no opening round before the work.
  if (values.small > 0) {
    const secretKey = new Uint8Array(randomBytes(32));
    const store = path.join(market.dir, "fanout-warm-tabs.db");
    const depositSats = depositFor(values.small * 2, values.providers);
    await market.batch({ depositSats, store, secretKey, keepTabs: true }, "open tabs", 4 * values.providers);
    const { results, wallSec } = await market.batch(
      { depositSats, store, secretKey },
      "fan-out, tabs open",
      values.small,
    );
    warmTabs = {
      subcalls: values.small,
      answered: results.filter((r) => r.ok).length,
      wallSec,
      jobsPerSec: values.small / wallSec,
    };
    console.error(`${values.small}, tabs open: ${fixed(warmTabs.jobsPerSec)} jobs/s`);
  }
} finally {
  await market.close();
}

console.log(
  `\nFan-out, ${values.providers} paid providers${values.processes ? " (own processes)" : ""} × ${values.slots} slots (+${values.queue} queue), instant scripted ` +
    `backend, Cashu tabs, ${values.relay} relay + local mint, ${machine().cpus} CPUs, Node ${process.version}\n`,
);
console.log(
  "| sub-calls | answered | wall s | jobs/s | sub-call latency p50 / p99 ms | job round trip p50 / p99 ms | in-process wall s | swarm / in-process |",
);
console.log("|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  console.log(
    `| ${r.subcalls} | ${r.answered} | ${fixed(r.wallSec, 2)} | ${fixed(r.jobsPerSec)} | ` +
      `${fixed(r.latencyP50Ms, 0)} / ${fixed(r.latencyP99Ms, 0)} | ${fixed(r.roundTripP50Ms, 0)} / ` +
      `${fixed(r.roundTripP99Ms, 0)} | ${fixed(r.inProcessWallSec, 3)} | ${fixed(r.ratioToInProcess, 0)}× |`,
  );
}
writeBenchJson(json, {
  benchmark: "swarm/fanout",
  date: new Date().toISOString(),
  machine: machine(),
  providers: values.providers,
  slots: values.slots,
  queue: values.queue,
  providerProcesses: values.processes !== 0,
  relay: values.relay,
  rows,
  warmTabs,
});
