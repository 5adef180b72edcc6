/**
 * Swarm throughput and hedging on one machine: a local relay and four free provider nodes serving a
 * SCRIPTED backend (no model: this measures the market plumbing, not inference). Then selection at 8 to
 * 1,000 providers (selection-sim.ts: µs per pick, spread at equal prices, share to the cheaper of two price
 * tiers), and the buyer's memory over `--memory` sub-calls in rounds of 10,000 (heap after a GC each round;
 * run with `node --expose-gc --import tsx` for exact heap figures). Prints one line per scenario; with
 * `--json FILE` also writes the figures as JSON.
 *
 *   tsx lab/bench/dispatch.ts [--sizes 8,100,1000] [--jobs 10000] [--memory 20000] [--spread 0.25] [--json FILE]
 */
import path from "node:path";
import type { SubcallRequest } from "@pylon/rlm";
import { createSwarm } from "@pylon/swarm";
import { Cleanup, tempDir } from "@pylon/testkit";
import { benchArgs, machine, percentile, writeBenchJson } from "@pylon/testkit/bench";
import { type ScriptedNode, scriptedNode, startTestRelay } from "@pylon/testkit/market";
import { announcements, type SimResult, simulate } from "./selection-sim.js";

const { values, json } = benchArgs({ sizes: "8,100,1000", jobs: 10_000, memory: 20_000, spread: 0 });
const scenarios: Array<Record<string, unknown>> = [];
const cleanup = new Cleanup();

const ask = (prompt: string): SubcallRequest => ({
  messages: [{ role: "user", content: prompt }],
  maxTokens: 64,
  depth: 1,
  runId: "bench",
});

async function scenario(
  relayUrl: string,
  label: string,
  count: number,
  hedge: boolean,
  expectProviders: number,
): Promise<void> {
  const swarm = await createSwarm({ relays: [relayUrl], hedge: hedge ? { minMs: 300 } : false });
  await swarm.directory.waitFor(expectProviders);
  const started = performance.now();
  const results = await swarm.complete(
    Array.from({ length: count }, (_, i) => ask(`${label} ${i}`)),
    new AbortController().signal,
  );
  const seconds = (performance.now() - started) / 1000;
  const latencies = results.map((r) => r.latencyMs);
  const p = (q: number) => Math.round(percentile(latencies, q));
  const ok = results.filter((r) => r.ok).length;
  console.log(
    `${label}: ${ok}/${count} answered in ${seconds.toFixed(2)} s (${(count / seconds).toFixed(1)} sub-calls/s); ` +
      `latency p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, max ${p(1)} ms; jobs ${swarm.counters.jobsSent}, hedges ${swarm.counters.hedges}`,
  );
  scenarios.push({
    label,
    subcalls: count,
    answered: ok,
    hedged: hedge,
    wallSec: seconds,
    perSecond: count / seconds,
    latencyP50Ms: p(0.5),
    latencyP95Ms: p(0.95),
    latencyMaxMs: p(1),
    jobsSent: swarm.counters.jobsSent,
    hedges: swarm.counters.hedges,
  });
  await swarm.close();
}

/** Selection alone at each size: pick cost and spread (equal prices), then two price tiers. */
async function selection(relayUrl: string): Promise<Array<SimResult & { scenario: string }>> {
  const rows: Array<SimResult & { scenario: string }> = [];
  const fresh = () => createSwarm({ relays: [relayUrl] });
  for (const providers of values.sizes
    .split(",")
    .map(Number)
    .filter((n) => n > 0)) {
    const equal = announcements(providers, { slots: 4, queue: 4 });
    const tiered = announcements(providers, { slots: 4, queue: 4, priceFactor: (i) => (i % 2 ? 2 : 1) });
    // Outstanding sub-calls: 2 places per provider (a quarter of the market's), so the cheaper tier has room.
    const concurrency = providers * 2;
    const base = {
      providers,
      jobs: values.jobs,
      concurrency,
      slots: 4,
      queue: 4,
      medianMs: 200,
      sigma: 0.5,
      speedSigma: 0,
      // 0: the selector's default (SPREAD_TOLERANCE).
      ...(values.spread > 0 ? { spreadTolerance: values.spread } : {}),
    };
    const runs: Array<[string, ReturnType<typeof announcements>, Parameters<typeof simulate>[2]]> = [
      ["equal prices", equal, { ...base, unknownLatencyMs: "market" }],
      ["equal prices, even spread", equal, { ...base, unknownLatencyMs: "market", spread: "even" }],
      [
        "equal prices, speeds differ (sigma 0.2), even spread",
        equal,
        { ...base, unknownLatencyMs: "market", speedSigma: 0.2, spread: "even" },
      ],
      [
        "two tiers (x1, x2), even spread",
        tiered,
        { ...base, unknownLatencyMs: "market", priceFactor: (i) => (i % 2 ? 2 : 1), spread: "even" },
      ],
      ["newcomers (20%), market-median prior", equal, { ...base, unknownLatencyMs: "market", late: 0.2 }],
      ["newcomers (20%), 1 s prior", equal, { ...base, unknownLatencyMs: 1_000, late: 0.2 }],
      [
        "equal prices, speeds differ (sigma 0.2)",
        equal,
        { ...base, unknownLatencyMs: "market", speedSigma: 0.2 },
      ],
      [
        "two tiers (x1, x2)",
        tiered,
        { ...base, unknownLatencyMs: "market", priceFactor: (i) => (i % 2 ? 2 : 1) },
      ],
      [
        "two tiers, cheap tier overfilled",
        tiered,
        {
          ...base,
          concurrency: providers * 6,
          unknownLatencyMs: "market",
          priceFactor: (i) => (i % 2 ? 2 : 1),
        },
      ],
    ];
    for (const [scenario, events, spec] of runs) {
      const row = { scenario, ...(await simulate(fresh, events, spec)) };
      rows.push(row);
      console.log(
        `selection, ${providers} providers, ${scenario}: ${row.pickUs.toFixed(2)} µs/pick over ${row.picks} picks (median ${row.pickMedianUs.toFixed(2)}); ` +
          `max/mean jobs ${row.maxOverMean.toFixed(2)} (${row.providersUsed} used); cheaper tier ${(100 * row.cheapShare).toFixed(1)}%; ` +
          `mean job ${row.meanLatencyMs.toFixed(0)} ms` +
          (row.newcomerShare === undefined
            ? ""
            : `; newcomers got ${row.newcomerShare.toFixed(2)}× their share`),
      );
    }
  }
  return rows;
}

/** The buyer's heap and RSS over `total` sub-calls (rounds of 10,000) through 4 scripted nodes. */
async function memory(relayUrl: string, total: number) {
  const rounds: Array<{ subcalls: number; heapMb: number; rssMb: number; perSecond: number }> = [];
  if (total === 0) return rounds;
  const gc = (globalThis as { gc?: () => void }).gc;
  const dir = await tempDir(cleanup, "pylon-dispatch-");
  const swarm = await createSwarm({ relays: [relayUrl], store: path.join(dir, "run.db"), memoise: false });
  await swarm.directory.waitFor(4);
  const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  let done = 0;
  try {
    while (done < total) {
      const count = Math.min(10_000, total - done);
      const started = performance.now();
      await swarm.complete(
        Array.from({ length: count }, (_, i) => ask(`memory ${done + i}`)),
        new AbortController().signal,
      );
      const perSecond = count / ((performance.now() - started) / 1000);
      done += count;
      gc?.();
      const usage = process.memoryUsage();
      rounds.push({ subcalls: done, heapMb: mb(usage.heapUsed), rssMb: mb(usage.rss), perSecond });
      console.log(
        `memory: after ${done} sub-calls heap ${mb(usage.heapUsed)} MB, RSS ${mb(usage.rss)} MB (${perSecond.toFixed(0)}/s)${gc ? "" : " (no --expose-gc)"}`,
      );
    }
  } finally {
    await swarm.close();
  }
  return rounds;
}

try {
  // verifyThreads undefined: the relay's default, signatures checked on worker threads as deployed.
  const relay = await startTestRelay(cleanup, { verifyThreads: undefined });
  const node = (latencyMs: number): Promise<ScriptedNode> =>
    scriptedNode(cleanup, { relays: [relay.url], latencyMs, slots: 4, queue: 4 });
  const nodes: ScriptedNode[] = [];
  for (let i = 0; i < 4; i++) nodes.push(await node(20));
  await scenario(relay.url, "400 sub-calls, 4 providers x 8 places, 20 ms each", 400, false, 4);
  await nodes[3]!.node.stop();
  const slow = await node(3_000);
  await scenario(relay.url, "96 sub-calls, 1 of 4 providers 3 s slow, hedged", 96, true, 4);
  await scenario(relay.url, "96 sub-calls, 1 of 4 providers 3 s slow, not hedged", 96, false, 4);
  await slow.node.stop(); // the memory run: four 20 ms providers again
  await node(20);
  const mem = await memory(relay.url, values.memory);
  // Selection needs a relay only to create a swarm: an empty one, so nobody real answers.
  const empty = await startTestRelay(cleanup);
  const picks = await selection(empty.url);
  writeBenchJson(json, {
    benchmark: "swarm/dispatch",
    date: new Date().toISOString(),
    machine: machine(),
    scenarios,
    selection: picks,
    memory: mem,
  });
} finally {
  await cleanup.run();
}
