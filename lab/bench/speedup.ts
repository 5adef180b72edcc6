/**
 * Parallel speed-up through the market: N sub-calls of a fixed model time (scripted backend, 200 ms) over
 * providers × slots places at once, against sequential dispatch (one sub-call at a time, what the
 * reference RLM does) through the same market. Sequential is measured on a sample and extrapolated per
 * call: N × 200 ms one at a time would take minutes.
 *
 *   tsx lab/bench/speedup.ts [--subcalls 1000] [--providers 10] [--slots 5] [--queue 5]
 *     [--latency-ms 200] [--sequential 50] [--jobs-per-second 0 (swarm default)] [--processes 1] [--json FILE]
 *
 * --processes 1 (default): each provider node in its own process; 0: all in this process.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { benchArgs, fixed, machine, writeBenchJson } from "@pylon/testkit/bench";
import { depositFor, question } from "../market/jobs.js";
import { startMarket } from "../market/market.js";

const { values, json } = benchArgs({
  subcalls: 1_000,
  providers: 10,
  slots: 5,
  queue: 5,
  "latency-ms": 200,
  sequential: 50,
  "jobs-per-second": 0,
  processes: 1,
});
const places = values.providers * values.slots;

// Exactly `slots` jobs run at once per provider, so the places are the parallelism; the queue (a node's
// usual setting) holds the next jobs so a slot that frees up starts one at once instead of idling for a
// round trip to the buyer.
const market = await startMarket({
  providers: values.providers,
  slots: values.slots,
  queue: values.queue,
  latencyMs: values["latency-ms"],
  processes: values.processes !== 0,
  fundSats: depositFor(values.subcalls + values.sequential + places, 1) * 2 + 1_000,
});
let report: Record<string, unknown>;
try {
  const jobsPerSecond = values["jobs-per-second"] || undefined;
  // Warm-up (not measured): one sub-call per place, so JIT and every node's first tab are behind us.
  await market.batch({ depositSats: depositFor(places, values.providers), jobsPerSecond }, "warm-up", places);
  // Both timings end at the last answer: closing the run's tabs afterwards is settlement, not dispatch.
  const depositSats = depositFor(values.subcalls, values.providers);
  const parallel = await market.batch({ depositSats, jobsPerSecond }, "parallel", values.subcalls);
  const parallelSec = parallel.wallSec;
  const answered = parallel.results.filter((r) => r.ok).length;

  // The same batch from a buyer whose tabs are already open (kept by its previous run, as a buyer running
  // one RLM after another does): no deposit swap and no opening round before the work.
  const secretKey = new Uint8Array(randomBytes(32));
  const store = path.join(market.dir, "speedup-warm-tabs.db");
  await market.batch({ depositSats, store, secretKey, keepTabs: true, jobsPerSecond }, "open tabs", places);
  const warm = await market.batch(
    { depositSats, store, secretKey, jobsPerSecond },
    "parallel, tabs open",
    values.subcalls,
  );
  const warmTabsSec = warm.wallSec;
  const warmAnswered = warm.results.filter((r) => r.ok).length;

  const sequential = await market.swarm({
    depositSats: depositFor(values.sequential * values.providers, values.providers),
    jobsPerSecond,
  });
  let seqAnswered = 0;
  const seqStarted = performance.now();
  let seqSec: number;
  try {
    for (let i = 0; i < values.sequential; i++) {
      const [r] = await sequential.swarm.complete([question("sequential", i)], new AbortController().signal);
      if (r?.ok) seqAnswered++;
    }
    seqSec = (performance.now() - seqStarted) / 1000;
  } finally {
    await sequential.swarm.close();
  }
  const seqPerCallMs = (seqSec * 1000) / values.sequential;
  const sequentialExtrapolatedSec = (seqPerCallMs * values.subcalls) / 1000;
  const idealSec = (values.subcalls / places) * (values["latency-ms"] / 1000);
  report = {
    benchmark: "swarm/speedup",
    date: new Date().toISOString(),
    machine: machine(),
    subcalls: values.subcalls,
    providers: values.providers,
    slots: values.slots,
    queue: values.queue,
    places,
    providerProcesses: values.processes !== 0,
    latencyMs: values["latency-ms"],
    answered,
    parallelSec,
    idealParallelSec: idealSec,
    sequentialSample: values.sequential,
    sequentialAnswered: seqAnswered,
    sequentialSampleSec: seqSec,
    sequentialPerCallMs: seqPerCallMs,
    sequentialExtrapolatedSec,
    speedup: sequentialExtrapolatedSec / parallelSec,
    warmTabsAnswered: warmAnswered,
    warmTabsSec,
    warmTabsSpeedup: sequentialExtrapolatedSec / warmTabsSec,
    idealSpeedup: (values.subcalls * values["latency-ms"]) / 1000 / idealSec,
  };
  console.log(
    `\nParallel speed-up: ${values.subcalls} sub-calls of ${values["latency-ms"]} ms over ${values.providers} paid ` +
      `providers × ${values.slots} slots = ${places} places; sequential measured on ${values.sequential} calls\n`,
  );
  console.log("| dispatch | answered | wall s | per call ms |\n|---|---:|---:|---:|");
  console.log(
    `| sequential (extrapolated from ${values.sequential}) | ${seqAnswered}/${values.sequential} | ` +
      `${fixed(sequentialExtrapolatedSec, 1)} | ${fixed(seqPerCallMs, 1)} |`,
  );
  console.log(
    `| parallel (${places} places) | ${answered}/${values.subcalls} | ${fixed(parallelSec, 2)} | ` +
      `${fixed((parallelSec * 1000) / values.subcalls, 1)} |`,
  );
  console.log(
    `| parallel, tabs already open | ${warmAnswered}/${values.subcalls} | ${fixed(warmTabsSec, 2)} | ` +
      `${fixed((warmTabsSec * 1000) / values.subcalls, 1)} |`,
  );
  console.log(
    `\nspeed-up ${fixed(report.speedup as number)}×, ${fixed(report.warmTabsSpeedup as number)}× with tabs open (ideal ${fixed(report.idealSpeedup as number, 0)}×: ` +
      `${fixed(idealSec, 1)} s)`,
  );
} finally {
  await market.close();
}
writeBenchJson(json, report);
