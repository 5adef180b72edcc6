/**
 * The soak: many sub-calls through a real local market while providers are SIGKILLed and restarted and a
 * relay is restarted, then the books are checked (see checks.ts). Loopback only, bounded in time: the
 * dispatch has a hard wall-clock cap, every child is killed on the way out, whatever happened.
 *
 * Up to CROWD_ABOVE providers the market is the classic one (soak-market.ts: one process per provider);
 * above, the crowd (crowd-market.ts: providers packed many per process over three relays), where a kill wave
 * SIGKILLs whole packs. The buyer (wallet and swarm) runs in this process, whose RSS is sampled.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { createPrng } from "@pylon/inference";
import { cashuTabStrategy, createSwarm, RunStore, type Swarm } from "@pylon/swarm";
import { Cleanup, tempDir } from "@pylon/testkit";
import { WORST_JOB_MSATS } from "../market/jobs.js";
import { type CheckInput, checkSoak, type SoakReport } from "./checks.js";
import { crowdMarket } from "./crowd-market.js";
import { dispatch } from "./dispatch.js";
import { getPublicKey, nextRunCollects, receiptMoney, settleWallet, unclaimedOnRelay } from "./money.js";
import { processMarket, type SoakMarket } from "./soak-market.js";
import { usageSampler } from "./usage.js";

export interface SoakOptions {
  subcalls: number;
  providers: number;
  /** Per provider: jobs at once and waiting places. */
  slots: number;
  queue: number;
  /** Scripted model time per job, ms (0: instant). */
  latencyMs: number;
  killWaves: number;
  /** Share of the providers SIGKILLed in each wave (on the crowd: the packs that hold that share). */
  killFraction: number;
  relayRestarts: number;
  /** A killed provider (or pack) stays down between these, ms. */
  downtimeMs: [number, number];
  /** A killed relay stays down this long (the classic market; the crowd restarts it at once). */
  relayDowntimeMs: number;
  /** The crowd: provider identities per process, and relays (two Pylon relays + the foreign one at 3). */
  perPack: number;
  relays: number;
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
  /** Check: the buyer's peak RSS at most this (0: not checked). */
  maxRssMb: number;
  minAnsweredRatio: number;
  log: (line: string) => void;
}

/** Above this many providers the soak runs on the crowd (packs of providers) instead of one process each. */
export const CROWD_ABOVE = 16;

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
  perPack: 50,
  relays: 3,
  maxSeconds: 780,
  batch: 100,
  concurrentBatches: 4,
  deadlineMs: 60_000,
  ackTimeoutMs: 3_000,
  seed: 1,
  maxRssGrowthMb: 256,
  maxRssMb: 0,
  minAnsweredRatio: 0.98,
  log: (line) => console.error(line),
};

/**
 * The options a soak of `partial` runs with: SOAK_DEFAULTS, and on the crowd 100 sub-calls per provider
 * (100,000 at 1,000), more batches at once to keep a thousand providers busy, the buyer RSS
 * target (≤ 500 MB), and a cap of 1.5 s per 100 sub-calls (at least SOAK_DEFAULTS'): the cap is there to
 * catch a hang, and on two cores a thousand providers' soak runs at 90–145 sub-calls a second. Whatever
 * `partial` gives wins.
 */
export function soakDefaults(partial: Partial<SoakOptions> = {}): SoakOptions {
  const providers = partial.providers ?? SOAK_DEFAULTS.providers;
  const subcalls = partial.subcalls ?? 100 * providers;
  const maxSeconds = Math.max(SOAK_DEFAULTS.maxSeconds, Math.ceil((1.5 * subcalls) / 100));
  const crowd: Partial<SoakOptions> =
    providers > CROWD_ABOVE ? { subcalls, concurrentBatches: 8, maxRssMb: 500, maxSeconds } : {};
  return { ...SOAK_DEFAULTS, ...crowd, ...partial };
}

export { expectedAnswer, soakQuestion } from "./dispatch.js";

export async function runSoak(partial: Partial<SoakOptions> = {}): Promise<SoakReport> {
  const o = soakDefaults(partial);
  const log = o.log;
  const cleanup = new Cleanup();
  const started = performance.now();
  try {
    const dir = await tempDir(cleanup, "pylon-soak-");
    // Budget: every job at its worst case and half again; deposits sized for a few top-ups per tab.
    const budgetSats = Math.ceil((o.subcalls * WORST_JOB_MSATS * 1.5) / 1000) + 50 * o.providers;
    const depositSats = Math.max(20, Math.ceil((o.subcalls / o.providers) * (WORST_JOB_MSATS / 1000) * 0.4));
    const fundedSats = budgetSats + 100;
    const market: SoakMarket =
      o.providers > CROWD_ABOVE
        ? await crowdMarket(o, fundedSats, cleanup)
        : await processMarket(o, fundedSats, cleanup, dir);
    const { wallet, mintUrl } = market;
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
      relays: market.relayUrls,
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
    const discoveryStarted = performance.now();
    await swarm.directory.waitFor(o.providers, 60_000);
    log(
      `soak: ${o.subcalls} sub-calls, ${market.description}, every provider live to the buyer in ` +
        `${((performance.now() - discoveryStarted) / 1000).toFixed(1)} s; budget ${budgetSats} sats, ` +
        `deposits ${depositSats} sats`,
    );

    // The other processes' memory and CPU, sampled through the run where the market can tell.
    const usage = market.usage ? usageSampler(market.usage, 2_000, log) : undefined;
    cleanup.add(() => usage?.stop());
    const random = createPrng(o.seed); // seeded: the same victims and downtimes for the same seed
    const run = await dispatch({ o, market, swarm, random, started });
    await usage?.stop();
    log(`dispatch done in ${run.dispatchSec.toFixed(1)} s; bringing every node back up to settle the books`);

    // Everyone back up (the books are read from the live nodes), then close the tabs (refunds).
    await market.everyoneUp();
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
    const tabsClosedByClose = strategy.tabs().filter((t) => t.state === "closed").length;
    const providers = await market.reports();
    // As the providers' books, the buyer's are read once nothing of its is unsettled, and after what its
    // next run does first: take in the refunds the relays hold for it (closes given up on, answered later).
    const openOperations = await settleWallet(wallet);
    const nextRun = await nextRunCollects({
      relayUrls: market.relayUrls,
      secretKey,
      store,
      wallet,
      mint: mintUrl,
    });
    const collectedAt = Math.floor(Date.now() / 1000);
    await wallet.checkPending();
    const unclaimed = await unclaimedOnRelay({ relayUrls: market.relayUrls, secretKey, store, wallet });
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
      results: run.results,
      expectedAnswer: run.expectedAnswer,
      subcallRows,
      jobRows,
      counters,
      dispatchSec: run.dispatchSec,
      capped: run.capped,
      faults: run.faults,
      closeError,
      afterClose: { tabsClosed: tabsClosedByClose, openOperations, nextRun, collectedAt },
      tabs: strategy.tabs(),
      lockedSats: strategy.lockedSats,
      refundedSats: strategy.refundedSats,
      depositSwaps: strategy.depositSwaps,
      budgetSats,
      fundedSats,
      buyer: wallet.balance().total,
      mint: await market.mintStats(),
      providers,
      rss: run.rss,
      ...(usage ? { usage: usage.result() } : {}),
      totalSec: (performance.now() - started) / 1000,
    };
    return checkSoak(input);
  } finally {
    // Swallowed but logged: the report (or the soak's own error) is what the caller needs.
    await cleanup.run().catch((error) => log(`soak cleanup: ${String(error)}`));
  }
}
