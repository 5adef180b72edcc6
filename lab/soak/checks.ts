/**
 * The soak's verdict: every sub-call ended (answered with ITS answer, or failed as a value), nothing was
 * answered twice or paid twice, the sats balance to the sat, the buyer's memory stayed bounded; and the
 * summary's figures (format.ts prints them).
 */
import type { SubcallResult } from "@pylon/rlm";
import type { UnclaimedRefund } from "@pylon/swarm";
import type {
  CheckInput,
  ProviderReport,
  SoakCheck,
  SoakReport,
  SoakSummary,
  UsageSummary,
} from "./soak-types.js";

export type * from "./soak-types.js";

const MB = 1024 * 1024;

export function checkSoak(input: CheckInput): SoakReport {
  const { results, counters, options } = input;
  const checks: SoakCheck[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });

  const ended = results.filter((r): r is SubcallResult => r !== undefined);
  const answered = ended.filter((r) => r.ok);
  const failed = ended.filter((r) => !r.ok);
  const wrong = results.filter((r, i) => r?.ok && r.text !== input.expectedAnswer(i)).length;
  check(
    "within the wall-clock cap",
    !input.capped,
    `dispatch ${input.dispatchSec.toFixed(1)} s, cap ${options.maxSeconds} s`,
  );
  check(
    "every sub-call ended, answered or failed as a value",
    ended.length === options.subcalls &&
      failed.every((r) => typeof r.error === "string" && r.error.length > 0),
    `${ended.length}/${options.subcalls} ended: ${answered.length} answered, ${failed.length} failed`,
  );
  check("every answer is its own request's", wrong === 0, `${wrong} wrong answers`);
  const ratio = answered.length / options.subcalls;
  check(
    `answered ≥ ${(options.minAnsweredRatio * 100).toFixed(0)}%`,
    ratio >= options.minAnsweredRatio,
    `${(ratio * 100).toFixed(2)}%${failed.length ? `; failures e.g. "${failed[0]!.error}"` : ""}`,
  );

  // The run store: one row per sub-call, final, each answer from a distinct job.
  const unfinished = input.subcallRows.filter((r) => r.status !== "answered" && r.status !== "failed").length;
  const answeredRows = input.subcallRows.filter((r) => r.status === "answered");
  const answerJobs = new Set(answeredRows.map((r) => r.jobId));
  check(
    "run store: each sub-call answered once",
    input.subcallRows.length === options.subcalls &&
      unfinished === 0 &&
      answeredRows.length === answered.length &&
      answerJobs.size === answeredRows.length,
    `${input.subcallRows.length} rows, ${unfinished} unfinished, ${answeredRows.length} answered, ` +
      `${answerJobs.size} distinct answering jobs`,
  );
  // Both copies of a hedged sub-call answered (the loser was not cancelled in time): paid twice, legitimately.
  const answeredJobsPerSubcall = new Map<string, number>();
  for (const job of input.jobRows)
    if (job.status === "answered")
      answeredJobsPerSubcall.set(job.hash, (answeredJobsPerSubcall.get(job.hash) ?? 0) + 1);
  const doubleAnswered = [...answeredJobsPerSubcall.values()].filter((n) => n > 1).length;
  // Counted over every life where the market can (a process per provider, counted by the parent); on the
  // crowd a pack's count starts again with each life, so the check covers the never-killed packs' providers.
  const generations = input.providers.reduce((sum, p) => sum + p.generated, 0);
  const covered = input.providers.filter((p) => p.everyLife);
  const coveredKeys = new Set(covered.map((p) => p.pubkey));
  const whole = covered.length === input.providers.length;
  const coveredGenerations = covered.reduce((sum, p) => sum + p.generated, 0);
  const coveredAnswers = whole
    ? answered.length
    : answeredRows.filter((r) => r.provider !== null && coveredKeys.has(r.provider)).length;
  check(
    "generations at providers ≥ answered",
    coveredGenerations >= coveredAnswers,
    `${coveredGenerations} generations, ${coveredAnswers} answered` +
      (whole ? "" : ` (by the ${covered.length} providers never killed, whose counts span the run)`) +
      `, ${counters.jobsSent} jobs sent, ${doubleAnswered} sub-calls answered by both hedge copies`,
  );

  // Money. Providers' tab books, summed (one buyer), after each redeemed what it held.
  const reportErrors = input.providers.filter((p) => p.report.error !== undefined || !p.report.earnings);
  check(
    "every provider reported its books",
    reportErrors.length === 0 && input.providers.length === options.providers,
    reportErrors
      .slice(0, 5)
      .map((p) => `${p.label}: ${String(p.report.error)}`)
      .join("; ") || `${input.providers.length} reports of ${options.providers} providers`,
  );
  const sum = (f: (p: ProviderReport) => number) => input.providers.reduce((s, p) => s + f(p), 0);
  const earnedSats = sum((p) => p.report.earnings?.walletSats ?? 0);
  const heldSats = sum((p) => p.report.earnings?.heldSats ?? 0);
  // Collected proofs found spent when a redeem failed (a buyer's reclaim, or a redeem the mint did whose
  // answer never came): where the invariant's missing sats would be if a provider lost them.
  const lostSats = sum((p) => p.report.earnings?.lostSats ?? 0);
  const side = new Map<string, number>();
  for (const p of input.providers)
    for (const [where, sats] of Object.entries(p.report.side ?? {}))
      side.set(where, (side.get(where) ?? 0) + sats);
  const chargedMsats = sum((p) => p.report.tabs?.chargedMsats ?? 0);
  // Held for jobs at the end, when none of ours runs: a reserve a killed node never released.
  const reservedMsats = sum((p) => p.report.tabs?.reservedMsats ?? 0);
  const providerDepositedMsats = sum((p) => p.report.tabs?.depositedMsats ?? 0);
  const tabsBalance = input.providers.every((p) => {
    const t = p.report.tabs;
    return (
      t !== undefined &&
      t.depositedMsats === t.balanceMsats + t.reservedMsats + t.chargedMsats + t.refundedMsats
    );
  });
  check(
    "each provider's tabs balance (deposited = balance + reserved + charged + refunded)",
    tabsBalance,
    "",
  );
  const worstJobMsats = chargedMsats / Math.max(1, counters.jobsSent);
  check(
    "no double payment: sats locked ≤ the budget, charged ≤ what was deposited",
    input.lockedSats <= input.budgetSats && chargedMsats <= input.lockedSats * 1000,
    `locked ${input.lockedSats} of ${input.budgetSats} sats; providers charged ${(chargedMsats / 1000).toFixed(3)} sats ` +
      `for ${counters.jobsSent} jobs sent (${worstJobMsats.toFixed(0)} msats a job)`,
  );
  const fees = input.mint.inputFees + input.mint.lightningFees;
  const spent = input.fundedSats - input.buyer.unspent - input.buyer.reserved;
  const reclaimable = input.buyer.pending;
  check(
    "accounting invariant, to the sat: spent = providers' ecash + mint fees + reclaimable",
    spent === earnedSats + fees + reclaimable && input.mint.minted === input.fundedSats,
    `${spent} = ${earnedSats} + ${fees} + ${reclaimable}` +
      (spent === earnedSats + fees + reclaimable
        ? ""
        : ` (off by ${spent - earnedSats - fees - reclaimable})`) +
      `; mint outstanding ${input.mint.outstanding}` +
      (heldSats > 0 ? `; providers still hold ${heldSats} sats not yet redeemed` : "") +
      (lostSats > 0 ? `; providers' collected proofs found spent ("lost"): ${lostSats} sats` : "") +
      [...side].map(([where, sats]) => `; providers' ${where}: ${sats} sats`).join("") +
      (reportErrors.length
        ? `; ${reportErrors.length} providers' books missing (their ecash uncounted)`
        : ""),
  );
  const r = input.receipt;
  const adds = Math.round((r.chargedSats + r.restSats + r.feeSats + r.reclaimableSats) * 1000);
  check(
    "receipt: spent (the wallet's outflow) = charged + rests + fees + reclaimable, to the sat",
    adds === r.spentSats * 1000,
    `${r.spentSats} = ${r.chargedSats} + ${r.restSats} + ${r.feeSats} + ${r.reclaimableSats}` +
      (adds === r.spentSats * 1000 ? "" : ` (off by ${(r.spentSats * 1000 - adds) / 1000})`),
  );
  check(
    "0 sats left unclaimed on relays",
    input.unclaimed.sats === 0 && input.unclaimed.errors.length === 0,
    `${input.unclaimed.sats} sats unclaimed in ${input.unclaimed.tokens} refund token(s) addressed to the buyer` +
      unclaimedBreakdown(input.unclaimed.unclaimed, input.afterClose.collectedAt) +
      (input.unclaimed.errors.length ? `; ${input.unclaimed.errors.join("; ")}` : ""),
  );
  check(
    "every node came back after its kill",
    input.faults.restartFailures.length === 0,
    input.faults.restartFailures.join("; ") ||
      `${input.faults.providerKills} kills, ${input.faults.relayRestarts} relay restarts`,
  );
  // What the buyer keeps: end vs baseline after a full GC when available; without one, the peak counts.
  const growthMb =
    ((input.rss.gc ? input.rss.end : Math.max(input.rss.peak, input.rss.end)) - input.rss.baseline) / MB;
  check(
    `buyer RSS growth after warm-up ≤ ${options.maxRssGrowthMb} MB`,
    input.rss.baseline > 0 && growthMb <= options.maxRssGrowthMb,
    `baseline ${(input.rss.baseline / MB).toFixed(0)} MB, peak ${(input.rss.peak / MB).toFixed(0)} MB, ` +
      `end ${(input.rss.end / MB).toFixed(0)} MB${input.rss.gc ? " (baseline and end after a full GC)" : ""}`,
  );
  const peakMb = Math.max(input.rss.peak, input.rss.end, input.rss.max ?? 0) / MB;
  if (options.maxRssMb > 0)
    check(
      `buyer RSS ≤ ${options.maxRssMb} MB (peak, sampled every 250 ms)`,
      input.rss.samples > 0 && peakMb <= options.maxRssMb,
      `peak ${peakMb.toFixed(0)} MB at ${options.providers} providers and ${options.subcalls} sub-calls`,
    );

  const summary: SoakSummary = {
    subcalls: options.subcalls,
    answered: answered.length,
    failed: failed.length,
    retried: counters.redispatches,
    hedged: counters.hedges,
    hedgeWins: counters.hedgeWins,
    noAck: counters.noAck,
    busy: counters.busy,
    errors: counters.errors,
    timeouts: counters.timeouts,
    jobsSent: counters.jobsSent,
    doubleAnswered,
    generations,
    generationsCoveredProviders: covered.length,
    providerKills: input.faults.providerKills,
    packKills: input.faults.packKills ?? 0,
    downMeanSec: mean(input.faults.downSec ?? []),
    downMaxSec: Math.max(0, ...(input.faults.downSec ?? [])),
    relayRestarts: input.faults.relayRestarts,
    paymentRequired: sum((p) => p.report.jobs?.paymentRequired ?? 0),
    fundedSats: input.fundedSats,
    depositedSats: input.lockedSats,
    providerDepositedSats: providerDepositedMsats / 1000,
    depositSwaps: input.depositSwaps,
    spentSats: spent,
    refundedSats: input.refundedSats,
    earnedSats,
    chargedSats: chargedMsats / 1000,
    feeSats: fees,
    reclaimableSats: reclaimable,
    unclaimedOnRelaysSats: input.unclaimed.sats,
    heldSats,
    reservedSats: reservedMsats / 1000,
    tabsClosed: input.tabs.filter((t) => t.state === "closed").length,
    tabsClosedByClose: input.afterClose.tabsClosed,
    nextRunRefundSats: input.afterClose.nextRun.takenSats,
    tabs: input.tabs.length,
    rssBaselineMb: input.rss.baseline / MB,
    rssPeakMb: input.rss.peak / MB,
    rssGrowthMb: growthMb,
    rssMaxMb: peakMb,
    ...usageFigures(input.usage),
    dispatchSec: input.dispatchSec,
    subcallsPerSec: ended.length / input.dispatchSec,
    totalSec: input.totalSec,
  };
  // A tab left open is not a lost sat (the provider holds it as ecash, counted above), so not a failed check.
  const notes: string[] = [];
  if (input.closeError) notes.push(`not every tab closed at the end: ${closeProblems(input.closeError)}`);
  const { nextRun, openOperations } = input.afterClose;
  if (nextRun.takenSats > 0 || nextRun.errors.length > 0 || nextRun.pending > 0 || nextRun.awaiting > 0)
    notes.push(
      `the buyer's next run took in ${nextRun.takenSats} sats of refunds (${nextRun.refunds.length} token(s)) that its close had not, ` +
        `in ${nextRun.tries} collection(s); then ${nextRun.awaiting} close(s) still awaited, ${nextRun.pending} refund(s) pending` +
        (nextRun.pendingWhy.length ? ` (${nextRun.pendingWhy.join("; ")})` : "") +
        (nextRun.errors.length ? `; ${nextRun.errors.join("; ")}` : ""),
    );
  if (openOperations > 0)
    notes.push(`${openOperations} buyer wallet operation(s) still open when its books were read`);
  if (reservedMsats > 0)
    notes.push(`${reservedMsats} msats still reserved on provider tabs after every job ended`);
  return { ok: checks.every((c) => c.ok), checks, summary, notes };
}

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);

/** The other processes' figures for the summary (absent when the market does not tell). */
function usageFigures(usage: UsageSummary | undefined): Record<string, number> {
  if (!usage) return {};
  const relayPeak = Math.max(0, ...usage.relays.map((r) => r.rss));
  return {
    relayRssPeakMb: relayPeak / MB,
    relayCpuSec: usage.relays.reduce((sum, r) => sum + r.cpuUs, 0) / 1e6,
    packs: usage.packs,
    packsRssPeakMb: usage.packsPeakRss / MB,
    packsCpuSec: usage.packsCpuUs / 1e6,
    mintRssPeakMb: usage.mint.rss / MB,
    mintCpuSec: usage.mint.cpuUs / 1e6,
  };
}

export { formatSoak } from "./format.js";

/**
 * A close error ("could not close every tab: 07d2aa14: <why>; 0a0c1194: <why>; …", one per provider) as its
 * reasons counted, numbers folded: at a thousand providers the list itself is pages long.
 */
export function closeProblems(error: string): string {
  const list = error.replace(/^.*?could not close every tab: /, "");
  const counts = new Map<string, number>();
  for (const part of list.split(/; (?=[0-9a-f]{8}: )/)) {
    const why = part.replace(/^[0-9a-f]{8}: /, "").replace(/\d+/g, "N");
    counts.set(why, (counts.get(why) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([why, n]) => `${n} × ${why}`)
    .join("; ");
}

/**
 * Where the unclaimed refunds came from (expiry feedback or a close's result), what the buyer's refund store
 * says of each, and how many were published after the next run's collection (which could not see them).
 */
function unclaimedBreakdown(unclaimed: UnclaimedRefund[], collectedAt: number): string {
  if (unclaimed.length === 0) return "";
  const groups = new Map<string, { n: number; sats: number; late: number }>();
  for (const u of unclaimed) {
    const key = `${u.source}, ${u.state}${u.error ? ` (${u.error.slice(0, 80)})` : ""}`;
    const g = groups.get(key) ?? { n: 0, sats: 0, late: 0 };
    g.n++;
    g.sats += u.sats;
    if (u.createdAt > collectedAt) g.late++;
    groups.set(key, g);
  }
  return `; unclaimed: ${[...groups].map(([key, g]) => `${g.n} ${key}: ${g.sats} sats, ${g.late} published after the next run's collection`).join("; ")}`;
}
