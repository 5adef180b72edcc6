/**
 * A thousand providers (issue 18): the buyer against the crowd (lab/market/crowd.ts: provider identities
 * packed many per process, two Pylon relays and the foreign one, the mint, each its own process), in one run:
 *
 *  - eight: 8 providers (each its own process, as lab/bench/fanout.ts), an unmeasured warm-up, then N
 *    sub-calls from a cold start (fresh buyer key) and the same N again by the same buyer, its tabs kept open;
 *  - main: 1,000 providers, instant backends: discovery of all of them, 10,000 sub-calls cold then warm (the
 *    same way), load spread at equal prices, mint operations per provider, relay CPU and events per sub-call;
 *    then the same cold by a third buyer whose swarm spreads evenly (SwarmOptions.spread "even");
 *  - tiers: providers at two prices (×1, ×2): the cheaper tier's share of the jobs;
 *  - speedup: N × 200 ms sub-calls over `places` = providers × slots, from cold, against sequential;
 *  - stragglers: 5% of jobs at 10× their 200 ms, hedging on: sub-call latency p99 / p50.
 *
 *   tsx lab/bench/thousand.ts [--providers 1000] [--subcalls 10000] [--phases eight,main,tiers,speedup,stragglers]
 *     [--settle 0] [--json FILE] (every size has a flag: see benchArgs below)
 *
 * The tab strategy rounds each deposit up to one proof (one blind signature per tab) itself; the funding
 * below leaves room for that. Markdown on stdout; progress on stderr. A phase that fails is reported (its error in the
 * JSON) and the others still run.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { benchArgs, machine, percentile, writeBenchJson } from "@pylon/testkit/bench";
import { type CrowdSpec, startCrowd } from "../market/crowd.js";
import { depositFor } from "../market/jobs.js";
import { RssSampler, spread } from "./thousand-measure.js";
import { printReport } from "./thousand-print.js";
import { measuredRun, sequentialRun } from "./thousand-run.js";

const { values, json } = benchArgs({
  phases: "eight,main,tiers,speedup,stragglers",
  providers: 1_000,
  "per-pack": 50,
  subcalls: 10_000,
  slots: 8,
  queue: 32,
  eight: 8,
  "eight-subcalls": 10_000,
  "tier-providers": 100,
  "tier-subcalls": 2_000,
  "speedup-providers": 50,
  "speedup-slots": 1,
  "speedup-subcalls": 1_000,
  "latency-ms": 200,
  sequential: 30,
  "straggler-providers": 100,
  "straggler-slots": 10,
  "straggler-subcalls": 1_000,
  "straggler-share": 0.05,
  "straggler-factor": 10,
  // Settling 1,000 tabs (a close job, a redeem and a refund each) is mint-bound: minutes on 2 cores. The
  // eight and tiers phases settle theirs; per provider it costs the same.
  settle: 0,
  // Phases still to start once this much has passed are skipped (npm run bench's hard timeout is 600 s).
  "budget-sec": 420,
});
const benchStarted = performance.now();
const phases = new Set(values.phases.split(",").filter(Boolean));
const rss = new RssSampler();
const report: Record<string, unknown> = {
  benchmark: "lab/thousand",
  date: new Date().toISOString(),
  machine: machine(),
  options: values,
  errors: {} as Record<string, string>,
};

/** Starts a crowd, runs `body`, always closes it; a failure is recorded under the phase's name. */
async function phase<T>(
  name: string,
  spec: CrowdSpec,
  body: (crowd: Awaited<ReturnType<typeof startCrowd>>) => Promise<T>,
) {
  if (!phases.has(name)) return;
  const elapsedSec = (performance.now() - benchStarted) / 1000;
  if (elapsedSec > values["budget-sec"]) {
    // Past the budget: what was measured is written rather than lost to the step's hard timeout.
    (report.errors as Record<string, string>)[name] =
      `skipped: ${Math.round(elapsedSec)} s used of the ${values["budget-sec"]} s budget`;
    return;
  }
  console.error(`\n▶ ${name}: ${spec.providers} providers`);
  const started = performance.now();
  const about: Record<string, number> = { providers: spec.providers, slots: spec.slots, queue: spec.queue };
  try {
    const crowd = await startCrowd(spec);
    Object.assign(about, { packs: crowd.packs, startMs: crowd.startMs });
    try {
      const figures = await body(crowd);
      report[name] = {
        ...about,
        ...figures,
        phaseSec: (performance.now() - started) / 1000,
      };
    } finally {
      await crowd.close().catch((error) => console.error(`closing the ${name} crowd: ${String(error)}`));
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    (report.errors as Record<string, string>)[name] = message;
    // What a failed phase did measure (e.g. the cold run that failed) is kept with the error.
    const partial = (error as { partial?: object }).partial;
    if (partial) report[name] = { ...about, ...partial };
    console.error(`✗ ${name}: ${message}`);
  }
}

/**
 * Cold (fresh key, tabs kept) then warm (the same key and store: its tabs are open) on one crowd; the warm
 * run's close settles every tab unless `settle` is false (then they stay open, as a buyer keeping its tabs).
 */
async function coldAndWarm(
  crowd: Awaited<ReturnType<typeof startCrowd>>,
  subcalls: number,
  providers: number,
  settle = true,
) {
  const secretKey = new Uint8Array(randomBytes(32));
  const store = path.join(crowd.dir, "buyer.db");
  // Sized for both runs (and a lopsided spread), so the warm run tops up no tab.
  const depositSats = depositFor(subcalls * 3, providers);
  const cold = await measuredRun(crowd, {
    label: "cold",
    subcalls,
    depositSats,
    store,
    secretKey,
    keepTabs: true,
  });
  // A cold run that mostly failed says what there is to say; running it again would only double the wait.
  if (cold.figures.answered < subcalls * 0.9) {
    const failed = cold.results.find((r) => !r.ok);
    throw Object.assign(
      new Error(
        `the cold run answered ${cold.figures.answered} of ${subcalls} in ${cold.figures.wallSec.toFixed(0)} s` +
          `${failed && !failed.ok ? ` (first failure: ${failed.error})` : ""}`,
      ),
      {
        partial: {
          depositSats,
          cold: cold.figures,
          spread: spread(
            cold.results,
            crowd.providers.map((p) => p.pubkey),
          ),
        },
      },
    );
  }
  const warm = await measuredRun(crowd, {
    label: "warm",
    subcalls,
    depositSats,
    store,
    secretKey,
    keepTabs: !settle,
  });
  const pubkeys = crowd.providers.map((p) => p.pubkey);
  return {
    depositSats,
    settled: settle,
    cold: cold.figures,
    warm: warm.figures,
    coldToWarm: cold.figures.jobsPerSec / warm.figures.jobsPerSec,
    spread: spread(cold.results, pubkeys),
    warmSpread: spread(warm.results, pubkeys),
  };
}

const instant = { kind: "instant" } as const;

await phase(
  "eight",
  {
    providers: values.eight,
    perPack: 1,
    slots: values.slots,
    queue: values.queue,
    latency: instant,
    fundSats: depositFor(values["eight-subcalls"] * 4, values.eight) * values.eight * 2 + 2_000,
  },
  async (crowd) => {
    // Unmeasured warm-up with its own key: JIT in this process and every pack, the relays' verifier threads.
    await measuredRun(crowd, { label: "warm-up", subcalls: 4 * values.eight, depositSats: depositFor(8, 1) });
    return coldAndWarm(crowd, values["eight-subcalls"], values.eight);
  },
);

await phase(
  "main",
  {
    providers: values.providers,
    perPack: values["per-pack"],
    slots: values.slots,
    queue: values.queue,
    latency: instant,
    // Twice what the tabs need (a lopsided spread tops some up), and a tab at every provider for the even run.
    fundSats:
      (depositFor(values.subcalls * 3, values.providers) * 2 +
        depositFor(values.subcalls * 2, values.providers)) *
        values.providers +
      2_000,
  },
  async (crowd) => {
    const figures = await coldAndWarm(crowd, values.subcalls, values.providers, values.settle !== 0);
    const usage = await crowd.usage();
    const buyerRssMb = rss.sample() / 2 ** 20;
    // The even spread (SwarmOptions.spread): another fresh buyer, every tab opened inside the run.
    const even = await measuredRun(crowd, {
      label: "even",
      subcalls: values.subcalls,
      depositSats: depositFor(values.subcalls * 2, values.providers),
      spread: "even",
      keepTabs: values.settle === 0,
    });
    const pubkeys = crowd.providers.map((p) => p.pubkey);
    return {
      ...figures,
      buyerRssMb,
      usage,
      even: { ...even.figures, spread: spread(even.results, pubkeys) },
    };
  },
);

await phase(
  "tiers",
  {
    providers: values["tier-providers"],
    perPack: values["per-pack"],
    slots: values.slots,
    queue: values.queue,
    latency: instant,
    tiers: [
      { share: 0.5, priceFactor: 1 },
      { share: 0.5, priceFactor: 2 },
    ],
    fundSats:
      depositFor(values["tier-subcalls"] * 2, values["tier-providers"]) * values["tier-providers"] * 2 +
      2_000,
  },
  async (crowd) => {
    const depositSats = depositFor(values["tier-subcalls"] * 2, values["tier-providers"]);
    const { figures, results } = await measuredRun(crowd, {
      label: "tiers",
      subcalls: values["tier-subcalls"],
      depositSats,
    });
    const cheap = new Set(crowd.providers.filter((p) => p.tier === 0).map((p) => p.pubkey));
    const answered = results.filter((r) => r.ok);
    return {
      run: figures,
      cheapProviders: cheap.size,
      cheapCapacity: cheap.size * (values.slots + values.queue),
      cheapShare: answered.filter((r) => cheap.has(r.provider)).length / Math.max(1, answered.length),
      cheapSpread: spread(results, [...cheap]),
    };
  },
);

await phase(
  "speedup",
  {
    providers: values["speedup-providers"],
    perPack: values["per-pack"],
    slots: values["speedup-slots"],
    queue: values["speedup-slots"],
    latency: { kind: "fixed", ms: values["latency-ms"] },
    // The warm-up's, the parallel run's and the sequential run's tabs, each at every provider at most
    // (twice: the strategy rounds a deposit up to one proof).
    fundSats:
      2 *
        (depositFor(values["speedup-providers"] * values["speedup-slots"], values["speedup-providers"]) +
          depositFor(values["speedup-subcalls"], values["speedup-providers"]) +
          depositFor(values.sequential, 1)) *
        values["speedup-providers"] +
      2_000,
  },
  async (crowd) => {
    const providers = values["speedup-providers"];
    const places = providers * values["speedup-slots"];
    const n = values["speedup-subcalls"];
    // Unmeasured warm-up (its own key), one sub-call per place, as lab/bench/speedup.ts.
    await measuredRun(crowd, {
      label: "warm-up",
      subcalls: places,
      depositSats: depositFor(places, providers),
    });
    const { figures } = await measuredRun(crowd, {
      label: "parallel",
      subcalls: n,
      depositSats: depositFor(n, providers),
    });
    const seq = await sequentialRun(crowd, values.sequential, depositFor(values.sequential, 1));
    const perCallMs = (seq.sec * 1000) / values.sequential;
    const idealSec = (n / places) * (values["latency-ms"] / 1000);
    return {
      places,
      subcalls: n,
      latencyMs: values["latency-ms"],
      run: figures,
      sequentialSample: values.sequential,
      sequentialAnswered: seq.answered,
      sequentialPerCallMs: perCallMs,
      sequentialExtrapolatedSec: (perCallMs * n) / 1000,
      speedup: (perCallMs * n) / 1000 / figures.wallSec,
      idealParallelSec: idealSec,
      idealSpeedup: (n * values["latency-ms"]) / 1000 / idealSec,
    };
  },
);

await phase(
  "stragglers",
  {
    providers: values["straggler-providers"],
    perPack: values["per-pack"],
    slots: values["straggler-slots"],
    queue: 2,
    latency: { kind: "fixed", ms: values["latency-ms"] },
    stragglers: { share: values["straggler-share"], factor: values["straggler-factor"] },
    fundSats:
      depositFor(values["straggler-subcalls"] * 3, values["straggler-providers"]) *
        values["straggler-providers"] +
      2_000,
  },
  async (crowd) => {
    const n = values["straggler-subcalls"];
    const depositSats = depositFor(n * 2, values["straggler-providers"]);
    const { figures, results } = await measuredRun(crowd, {
      label: "stragglers",
      subcalls: n,
      depositSats,
      hedge: {},
    });
    const latencies = results.filter((r) => r.ok).map((r) => r.latencyMs);
    const p50 = percentile(latencies, 0.5);
    const p99 = percentile(latencies, 0.99);
    return {
      places: values["straggler-providers"] * values["straggler-slots"],
      subcalls: n,
      latencyMs: values["latency-ms"],
      share: values["straggler-share"],
      factor: values["straggler-factor"],
      run: figures,
      p50Ms: p50,
      p99Ms: p99,
      p99ToP50: p99 / p50,
    };
  },
);

rss.stop();
report.buyerPeakRssMb = rss.peak / 2 ** 20;
printReport(report);
writeBenchJson(json, report);
