/**
 * One measured `llm_batch` on a crowd: a buyer swarm (fresh key unless given), `count` sub-calls in one
 * `complete()`, then its close (settlement: tab closes and refunds, or nothing when the tabs are kept). The
 * wall time ends at the last answer, as in lab/bench/fanout.ts; what the buyer, the mint and the relays spent
 * is read around dispatch and around the close separately.
 */
import type { SubcallResult } from "@pylon/rlm";
import type { SwarmOptions } from "@pylon/swarm";
import { percentile } from "@pylon/testkit/bench";
import type { Crowd } from "../market/crowd.js";
import { question } from "../market/jobs.js";
import { type Delta, delta, snapshot } from "./thousand-measure.js";

export interface RunSpec {
  label: string;
  subcalls: number;
  depositSats: number;
  store?: string;
  secretKey?: Uint8Array;
  keepTabs?: boolean;
  hedge?: SwarmOptions["hedge"];
  spread?: SwarmOptions["spread"];
  trust?: SwarmOptions["trust"];
}

export interface RunFigures {
  label: string;
  subcalls: number;
  answered: number;
  /** Swarm start → 99% of the providers live in its directory, ms. */
  discoveryMs: number;
  /** Swarm start → every provider live, ms; undefined when some were still missing 5 s after the 99%. */
  discoveryAllMs: number | undefined;
  /** Providers live in the directory when the run started. */
  live: number;
  wallSec: number;
  jobsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  jobsSent: number;
  batchesSent: number;
  hedges: number;
  hedgeWins: number;
  checkJobs: number;
  depositSwaps: number;
  lockedSats: number;
  /** Providers that answered at least one sub-call. */
  providersUsed: number;
  closeSec: number;
  /** Why the close failed, when it did (first 500 characters). */
  closeError?: string;
  dispatch: Delta;
  close: Delta;
}

export async function measuredRun(
  crowd: Crowd,
  spec: RunSpec,
): Promise<{ figures: RunFigures; results: SubcallResult[] }> {
  // 99% first: one announcement a relay timed out on (a loaded machine) is re-sent only at the next
  // refresh, minutes later; then a few seconds more for the rest, and the count live is reported.
  const all = crowd.providers.length;
  const { swarm, strategy, discoveryMs } = await crowd.swarm({
    waitFor: Math.ceil(all * 0.99),
    depositSats: spec.depositSats,
    hedge: spec.hedge ?? false,
    ...(spec.store ? { store: spec.store } : {}),
    ...(spec.secretKey ? { secretKey: spec.secretKey } : {}),
    ...(spec.keepTabs ? { keepTabs: true } : {}),
    ...(spec.spread ? { spread: spec.spread } : {}),
    ...(spec.trust ? { trust: spec.trust } : {}),
  });
  const began = performance.now();
  const complete = await swarm.directory.waitFor(all, 5_000).then(
    () => true,
    () => false,
  );
  const discoveryAllMs = complete ? discoveryMs + (performance.now() - began) : undefined;
  const live = swarm.directory.live().length;
  let results: SubcallResult[];
  let wallSec: number;
  let s0: Awaited<ReturnType<typeof snapshot>>;
  let s1: typeof s0;
  try {
    s0 = await snapshot(crowd);
    const started = performance.now();
    results = await swarm.complete(
      Array.from({ length: spec.subcalls }, (_, i) => question(spec.label, i)),
      new AbortController().signal,
    );
    wallSec = (performance.now() - started) / 1000;
    s1 = await snapshot(crowd);
  } catch (error) {
    await swarm.close().catch(() => undefined); // the run's error is the one to report
    throw error;
  }
  const closing = performance.now();
  // A close that fails (a tab not closed, a refund not taken in) is reported with the run, not instead of it.
  const closeError = await swarm.close().then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  const closeSec = (performance.now() - closing) / 1000;
  const s2 = await snapshot(crowd);
  const latencies = results.map((r) => r.latencyMs);
  const c = swarm.counters;
  const figures: RunFigures = {
    label: spec.label,
    subcalls: spec.subcalls,
    answered: results.filter((r) => r.ok).length,
    discoveryMs,
    discoveryAllMs,
    live,
    wallSec,
    jobsPerSec: spec.subcalls / wallSec,
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP99Ms: percentile(latencies, 0.99),
    jobsSent: c.jobsSent,
    batchesSent: c.batchesSent,
    hedges: c.hedges,
    hedgeWins: c.hedgeWins,
    checkJobs: c.checkJobs,
    depositSwaps: strategy.depositSwaps,
    lockedSats: strategy.lockedSats,
    providersUsed: new Set(results.filter((r) => r.ok).map((r) => r.provider)).size,
    closeSec,
    ...(closeError ? { closeError: closeError.slice(0, 500) } : {}),
    dispatch: delta(s0, s1),
    close: delta(s1, s2),
  };
  const failed = results.find((r) => !r.ok);
  console.error(
    `${spec.label}: ${figures.answered}/${spec.subcalls} in ${wallSec.toFixed(2)} s ` +
      `(${figures.jobsPerSec.toFixed(0)} jobs/s), discovery ${(discoveryMs / 1000).toFixed(2)} s, ` +
      `close ${closeSec.toFixed(2)} s${failed && !failed.ok ? `; first failure: ${failed.error}` : ""}` +
      `${closeError ? `; close failed: ${closeError.slice(0, 300)}` : ""}`,
  );
  return { figures, results };
}

/** A sub-call at a time, `count` of them, on one swarm: the sequential baseline of the speed-up. */
export async function sequentialRun(crowd: Crowd, count: number, depositSats: number) {
  const { swarm } = await crowd.swarm({ depositSats, hedge: false });
  let answered = 0;
  const started = performance.now();
  try {
    for (let i = 0; i < count; i++) {
      const [r] = await swarm.complete([question("sequential", i)], new AbortController().signal);
      if (r?.ok) answered++;
    }
    return { answered, sec: (performance.now() - started) / 1000 };
  } finally {
    await swarm.close();
  }
}
