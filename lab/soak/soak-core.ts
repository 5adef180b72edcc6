/**
 * The soak: many sub-calls through a real local market while providers are SIGKILLed and restarted and the
 * relay is restarted, then the books are checked (see checks.ts). Loopback only, bounded in time: the
 * dispatch has a hard wall-clock cap, every child is killed on the way out, whatever happened.
 *
 * Parts: the relay, the mint and every provider are child processes (lab/market/*-child.ts; each provider
 * keeps its data dir across restarts, so it redeems and refunds its tab later); the buyer (wallet and
 * swarm) runs in this process, whose RSS is sampled.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { createPrng } from "@pylon/inference";
import type { SubcallResult } from "@pylon/rlm";
import { cashuTabStrategy, createSwarm, RunStore, type Swarm } from "@pylon/swarm";
import { Cleanup, tempDir, unusedPort } from "@pylon/testkit";
import { fundedWallet } from "@pylon/testkit/market";
import { Child, childScript } from "../market/children.js";
import { question, WORST_JOB_MSATS } from "../market/jobs.js";
import type { ProviderChildSpec } from "../market/provider-child.js";
import { type CheckInput, checkSoak, type ProviderBooks, type SoakReport } from "./checks.js";
import { type FaultEvent, faultPlan, pick } from "./faults.js";
import { getPublicKey, receiptMoney, unclaimedOnRelay } from "./money.js";

export interface SoakOptions {
  subcalls: number;
  providers: number;
  /** Per provider: jobs at once and waiting places. */
  slots: number;
  queue: number;
  /** Scripted model time per job, ms. */
  latencyMs: number;
  killWaves: number;
  killFraction: number;
  relayRestarts: number;
  /** A killed provider stays down between these, ms. */
  downtimeMs: [number, number];
  relayDowntimeMs: number;
  /** Hard cap on the dispatch phase; the swarm is aborted when it passes. */
  maxSeconds: number;
  /** Sub-calls per `complete()` call (one llm_batch), and how many such batches run at once. */
  batch: number;
  concurrentBatches: number;
  /** Sub-call deadline, all attempts included, ms. */
  deadlineMs: number;
  ackTimeoutMs: number;
  seed: number;
  /** Checks: the buyer's RSS may grow at most this much after warm-up, and this share must be answered. */
  maxRssGrowthMb: number;
  minAnsweredRatio: number;
  log: (line: string) => void;
}

export const SOAK_DEFAULTS: SoakOptions = {
  subcalls: 10_000,
  providers: 8,
  slots: 4,
  queue: 4,
  latencyMs: 5,
  killWaves: 3,
  killFraction: 0.3,
  relayRestarts: 2,
  downtimeMs: [500, 2_500],
  relayDowntimeMs: 1_000,
  maxSeconds: 780,
  batch: 100,
  concurrentBatches: 4,
  deadlineMs: 60_000,
  ackTimeoutMs: 3_000,
  seed: 1,
  maxRssGrowthMb: 256,
  minAnsweredRatio: 0.98,
  log: (line) => console.error(line),
};

export const soakQuestion = (i: number) => question("soak", i, "soak");
export const expectedAnswer = (i: number): string => `answer to: soak question ${i}`;

export async function runSoak(partial: Partial<SoakOptions> = {}): Promise<SoakReport> {
  const o: SoakOptions = { ...SOAK_DEFAULTS, ...partial };
  const log = o.log;
  const childLog = (line: string) => log(`    [${line}]`);
  const random = createPrng(o.seed); // seeded: the same victims and downtimes for the same seed
  const cleanup = new Cleanup();
  const children: Child[] = [];
  const started = performance.now();
  try {
    const dir = await tempDir(cleanup, "pylon-soak-");
    // Whatever happened, no child outlives the soak (after the graceful stops below).
    cleanup.add(() => Promise.allSettled(children.map((c) => c.kill())));
    const mint = new Child("mint", childScript("mint"), { inputFeePpk: 100 }, () => {}, childLog);
    children.push(mint);
    // Children stop last (reverse order), the mint after the nodes: they redeem through it on a graceful stop.
    cleanup.add(async () => {
      await Promise.allSettled(children.filter((c) => c !== mint).map((c) => c.stop(5_000)));
      await mint.stop(5_000);
    });
    const mintUrl = String((await mint.start()).url);
    const relayPort = await unusedPort(); // the relay comes back on the same port
    const relay = new Child(
      "relay",
      childScript("relay"),
      {
        port: relayPort,
        db: path.join(dir, "relay.db"),
      },
      () => {},
      childLog,
    );
    children.push(relay);
    const relayUrl = String((await relay.start()).url);

    const generated = new Map<string, number>();
    const providers = Array.from({ length: o.providers }, (_, i) => {
      const label = `provider-${i}`;
      const child = new Child(
        label,
        childScript("provider"),
        {
          relayUrl,
          mintUrl,
          dataDir: path.join(dir, label),
          slots: o.slots,
          queue: o.queue,
          latencyMs: o.latencyMs,
          name: `soak ${label}`,
        } satisfies ProviderChildSpec,
        (message) => {
          if (message.type === "generated") generated.set(label, (generated.get(label) ?? 0) + 1);
        },
        childLog,
      );
      children.push(child);
      return child;
    });
    await Promise.all(providers.map((p) => p.start()));

    // Budget: every job at its worst case and half again; deposits sized for a few top-ups per tab.
    const budgetSats = Math.ceil((o.subcalls * WORST_JOB_MSATS * 1.5) / 1000) + 50 * o.providers;
    const depositSats = Math.max(20, Math.ceil((o.subcalls / o.providers) * (WORST_JOB_MSATS / 1000) * 0.4));
    const fundedSats = budgetSats + 100;
    const wallet = await fundedWallet(cleanup, mintUrl, fundedSats);
    const strategy = cashuTabStrategy({
      wallet,
      mintUrl,
      depositSats,
      lockSeconds: 3_600,
      maxSpendSats: budgetSats,
    });
    const store = RunStore.open(path.join(dir, "run.db"));
    cleanup.add(() => store.close());
    const secretKey = new Uint8Array(randomBytes(32));
    const swarm: Swarm = await createSwarm({
      relays: [relayUrl],
      payment: strategy,
      store,
      secretKey,
      runId: "soak",
      ackTimeoutMs: o.ackTimeoutMs,
      deadlineMs: o.deadlineMs,
      maxAttempts: 6,
    });
    let swarmClosed = false;
    cleanup.add(() => (swarmClosed ? undefined : swarm.close()));
    await swarm.directory.waitFor(o.providers);
    log(
      `soak: ${o.subcalls} sub-calls, ${o.providers} paid providers (child processes), relay ${relayUrl}, ` +
        `budget ${budgetSats} sats, deposits ${depositSats} sats`,
    );

    // RSS of this process (the buyer: wallet, swarm, run store), sampled through the run.
    const rss = { baseline: 0, peak: 0, end: 0, samples: 0, gc: false };
    let progress = 0;
    // With `node --expose-gc` (npm run soak) the baseline and the end are taken after a full GC, so the
    // growth is what the buyer keeps, not garbage not yet collected.
    const gc = (globalThis as { gc?: () => void }).gc;
    const collect = () => gc?.();
    const sampler = setInterval(() => {
      rss.samples++;
      if (progress >= 0.1 && rss.baseline === 0) {
        collect();
        rss.baseline = process.memoryUsage().rss;
      }
      if (rss.baseline > 0) rss.peak = Math.max(rss.peak, process.memoryUsage().rss);
    }, 250);
    sampler.unref();
    cleanup.add(() => clearInterval(sampler));

    let done = 0;
    const dispatchStarted = performance.now();
    log(`market up in ${((dispatchStarted - started) / 1000).toFixed(1)} s`);
    // Faults, fired as the run passes their progress mark; restarts run in the background.
    const pendingFaults = faultPlan(o);
    const restarts = new Set<Promise<void>>();
    const restarting = new Set<Child>();
    const inFlightFaults = new Set<Promise<void>>();
    const faults = { providerKills: 0, relayRestarts: 0, restartFailures: [] as string[] };
    const downtime = () => o.downtimeMs[0] + random() * (o.downtimeMs[1] - o.downtimeMs[0]);
    const later = (ms: number, task: () => Promise<unknown>, label: string) => {
      const restart = new Promise<void>((resolve) => setTimeout(resolve, ms)).then(task).then(
        () => undefined,
        (error: unknown) => void faults.restartFailures.push(`${label}: ${String(error)}`),
      );
      restarts.add(restart);
      void restart.finally(() => restarts.delete(restart));
    };
    const fire = async (event: FaultEvent) => {
      if (event.kind === "relay-restart") {
        log(`  ${(progress * 100).toFixed(0)}%: relay killed, back in ${o.relayDowntimeMs} ms`);
        faults.relayRestarts++;
        await relay.kill();
        later(o.relayDowntimeMs, () => relay.ensureRunning(), "relay");
        return;
      }
      const count = Math.max(1, Math.round(o.killFraction * o.providers));
      // Only nodes up and not on their way back: a node is killed at most once per life.
      const victims = pick(
        providers.filter((p) => p.alive && !restarting.has(p)),
        count,
        random,
      );
      log(
        `  ${(progress * 100).toFixed(0)}%: kill wave ${event.wave}: SIGKILL ${victims.map((v) => v.label).join(", ")}`,
      );
      for (const victim of victims) {
        faults.providerKills++;
        restarting.add(victim);
        await victim.kill();
        later(
          downtime(),
          () => victim.ensureRunning().finally(() => restarting.delete(victim)),
          victim.label,
        );
      }
    };
    // Progress: finished batches, or generations started at the nodes (finer; retries make it run ahead a little).
    const generations = () => [...generated.values()].reduce((a, b) => a + b, 0);
    const onProgress = (done: number) => {
      const before = progress;
      progress = Math.min(1, Math.max(progress, done / o.subcalls, generations() / o.subcalls));
      if (Math.floor(before * 10) !== Math.floor(progress * 10))
        log(
          `  ${(progress * 100).toFixed(0)}% after ${((performance.now() - dispatchStarted) / 1000).toFixed(1)} s`,
        );
      while (pendingFaults.length > 0 && pendingFaults[0]!.at <= progress) {
        const firing = fire(pendingFaults.shift()!);
        inFlightFaults.add(firing);
        void firing.finally(() => inFlightFaults.delete(firing));
      }
    };
    const ticker = setInterval(() => onProgress(done), 100);
    cleanup.add(() => clearInterval(ticker));

    // Dispatch: batches of sub-calls (llm_batch calls), a few at once, under the hard cap.
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
    clearInterval(sampler);
    clearInterval(ticker);
    log(`dispatch done in ${dispatchSec.toFixed(1)} s; bringing every node back up to settle the books`);

    // Everyone back up (the books are read from the live nodes), then close the tabs (refunds).
    for (const event of pendingFaults.splice(0))
      log(`  fault at ${(event.at * 100).toFixed(0)}% not reached`);
    while (inFlightFaults.size > 0 || restarts.size > 0) await Promise.all([...inFlightFaults, ...restarts]);
    for (const p of providers) await p.ensureRunning();
    await relay.ensureRunning();
    const counters = { ...swarm.counters };
    const subcallRows = store.subcalls(swarm.runId);
    const jobRows = store.jobs(swarm.runId);
    let closeError: string | undefined;
    try {
      await swarm.close();
    } catch (error) {
      closeError = String(error);
    }
    swarmClosed = true;

    log(`tabs closed ${((performance.now() - started) / 1000).toFixed(1)} s after start`);
    const reports = await Promise.all(providers.map((p) => p.ask("report", 60_000)));
    await wallet.checkPending();
    const unclaimed = await unclaimedOnRelay({ relayUrl, secretKey, store, wallet });
    const receipt = receiptMoney({
      wallet,
      fundedSats,
      store,
      strategy,
      buyer: getPublicKey(secretKey),
      mint: mintUrl,
      runId: swarm.runId,
    });
    const input: CheckInput = {
      unclaimed,
      receipt,
      options: o,
      results,
      expectedAnswer,
      subcallRows,
      jobRows,
      counters,
      dispatchSec,
      capped: cap.aborted,
      faults,
      closeError,
      tabs: strategy.tabs(),
      lockedSats: strategy.lockedSats,
      refundedSats: strategy.refundedSats,
      depositSwaps: strategy.depositSwaps,
      budgetSats,
      fundedSats,
      buyer: wallet.balance().total,
      mint: (await mint.ask("stats")).stats as CheckInput["mint"],
      providers: providers.map((p, i) => ({
        label: p.label,
        generated: generated.get(p.label) ?? 0,
        report: reports[i] as ProviderBooks,
      })),
      rss,
      totalSec: (performance.now() - started) / 1000,
    };
    return checkSoak(input);
  } finally {
    // Swallowed but logged: the report (or the soak's own error) is what the caller needs.
    await cleanup.run().catch((error) => log(`soak cleanup: ${String(error)}`));
  }
}
