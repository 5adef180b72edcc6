/**
 * The soak's dispatch phase: batches of sub-calls (llm_batch calls), a few at once, under a hard wall-clock
 * cap, while the fault plan fires as the run passes its progress marks (kill waves: SIGKILL units holding a
 * share of the providers, back after a random downtime; relay restarts). Also samples the buyer's RSS (this
 * process). Returns once every batch ended and every restart it started is done.
 */
import type { SubcallResult } from "@pylon/rlm";
import type { Swarm } from "@pylon/swarm";
import { question } from "../market/jobs.js";
import type { CheckInput } from "./checks.js";
import { type FaultEvent, faultPlan, pickUnits } from "./faults.js";
import type { SoakOptions } from "./soak-core.js";
import type { KillUnit, SoakMarket } from "./soak-market.js";

export const soakQuestion = (i: number) => question("soak", i, "soak");
export const expectedAnswer = (i: number): string => `answer to: soak question ${i}`;

export interface DispatchRun {
  results: Array<SubcallResult | undefined>;
  expectedAnswer: (i: number) => string;
  dispatchSec: number;
  capped: boolean;
  faults: CheckInput["faults"];
  rss: CheckInput["rss"];
}

export async function dispatch(input: {
  o: SoakOptions;
  market: SoakMarket;
  swarm: Swarm;
  random: () => number;
  started: number;
}): Promise<DispatchRun> {
  const { o, market, swarm, random } = input;
  const log = o.log;
  const timers: NodeJS.Timeout[] = [];
  try {
    // RSS of this process (the buyer: wallet, swarm, run store), sampled through the run.
    const rss = { baseline: 0, peak: 0, end: 0, max: 0, samples: 0, gc: false };
    let progress = 0;
    // With `node --expose-gc` (npm run soak) the baseline and the end are taken after a full GC, so the
    // growth is what the buyer keeps, not garbage not yet collected.
    const gc = (globalThis as { gc?: () => void }).gc;
    const collect = () => gc?.();
    timers.push(
      setInterval(() => {
        rss.samples++;
        rss.max = Math.max(rss.max, process.memoryUsage().rss); // from the start, for the absolute check
        if (progress >= 0.1 && rss.baseline === 0) {
          collect();
          rss.baseline = process.memoryUsage().rss;
        }
        if (rss.baseline > 0) rss.peak = Math.max(rss.peak, process.memoryUsage().rss);
      }, 250),
    );

    let done = 0;
    const dispatchStarted = performance.now();
    log(`market up in ${((dispatchStarted - input.started) / 1000).toFixed(1)} s`);
    // Faults, fired as the run passes their progress mark; restarts run in the background.
    const pendingFaults = faultPlan(o);
    const restarts = new Set<Promise<void>>();
    const restarting = new Set<KillUnit>();
    const inFlightFaults = new Set<Promise<void>>();
    const faults = {
      providerKills: 0,
      packKills: 0,
      relayRestarts: 0,
      restartFailures: [] as string[],
      downSec: [] as number[],
    };
    const downtime = () => o.downtimeMs[0] + random() * (o.downtimeMs[1] - o.downtimeMs[0]);
    const later = (ms: number, task: () => Promise<unknown>, label: string) => {
      const restart = new Promise<void>((resolve) => setTimeout(resolve, ms)).then(task).then(
        () => undefined,
        (error: unknown) => void faults.restartFailures.push(`${label}: ${String(error)}`),
      );
      restarts.add(restart);
      void restart.finally(() => restarts.delete(restart));
    };
    const at = () => `${(progress * 100).toFixed(0)}%`;
    const fire = async (event: FaultEvent) => {
      if (event.kind === "relay-restart") {
        faults.relayRestarts++;
        const { label, back } = await market.killRelay(faults.relayRestarts);
        if (!back) return log(`  ${at()}: ${label} SIGKILLed and restarted`);
        log(`  ${at()}: ${label} killed, back in ${o.relayDowntimeMs} ms`);
        later(o.relayDowntimeMs, back, label);
        return;
      }
      const count = Math.max(1, Math.round(o.killFraction * o.providers));
      // Only units up and not on their way back: a unit is killed at most once per life.
      const victims = pickUnits(
        market.units.filter((u) => u.alive && !restarting.has(u)),
        count,
        random,
      );
      log(`  ${at()}: kill wave ${event.wave}: SIGKILL ${victims.map((v) => v.label).join(", ")}`);
      for (const victim of victims) {
        faults.providerKills += victim.providers;
        if (victim.providers > 1) faults.packKills++;
        restarting.add(victim);
        await victim.kill();
        const killedAt = performance.now();
        // Down from the SIGKILL until ready again: the planned downtime plus the restart itself.
        const restart = async () => {
          await victim.restart();
          faults.downSec.push((performance.now() - killedAt) / 1000);
        };
        later(downtime(), () => restart().finally(() => restarting.delete(victim)), victim.label);
      }
    };
    // Progress: finished batches, or generations started at the nodes (finer; retries make it run ahead a little).
    const onProgress = (done: number) => {
      const before = progress;
      progress = Math.min(1, Math.max(progress, done / o.subcalls, market.generations() / o.subcalls));
      if (Math.floor(before * 10) !== Math.floor(progress * 10))
        log(
          `  ${(progress * 100).toFixed(0)}% after ${((performance.now() - dispatchStarted) / 1000).toFixed(1)} s`,
        );
      while (pendingFaults.length > 0 && pendingFaults[0]!.at <= progress) {
        const event = pendingFaults.shift()!;
        // A fault that fails (a relay not back, a kill refused) is a failed check, never an unhandled error.
        const firing = fire(event).catch(
          (error: unknown) => void faults.restartFailures.push(`${event.kind}: ${String(error)}`),
        );
        inFlightFaults.add(firing);
        void firing.finally(() => inFlightFaults.delete(firing));
      }
    };
    timers.push(setInterval(() => onProgress(done), 100));

    const cap = AbortSignal.timeout(o.maxSeconds * 1000);
    const results: Array<SubcallResult | undefined> = new Array(o.subcalls);
    let next = 0;
    const worker = async () => {
      while (next < o.subcalls && !cap.aborted) {
        const first = next;
        const count = Math.min(o.batch, o.subcalls - first);
        next += count;
        const batch = Array.from({ length: count }, (_, k) => soakQuestion(first + k));
        const answers = await swarm.complete(batch, cap);
        answers.forEach((r, k) => {
          results[first + k] = r;
        });
        done += count;
        onProgress(done);
      }
    };
    await Promise.all(Array.from({ length: o.concurrentBatches }, worker));
    const dispatchSec = (performance.now() - dispatchStarted) / 1000;
    collect();
    rss.end = process.memoryUsage().rss;
    rss.gc = gc !== undefined;
    for (const timer of timers) clearInterval(timer);

    for (const event of pendingFaults.splice(0))
      log(`  fault at ${(event.at * 100).toFixed(0)}% not reached`);
    while (inFlightFaults.size > 0 || restarts.size > 0) await Promise.all([...inFlightFaults, ...restarts]);
    return { results, expectedAnswer, dispatchSec, capped: cap.aborted, faults, rss };
  } finally {
    for (const timer of timers) clearInterval(timer);
  }
}
