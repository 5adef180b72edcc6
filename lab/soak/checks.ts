/**
 * The soak's verdict: every sub-call ended (answered with ITS answer, or failed as a value), nothing was
 * answered twice or paid twice, the sats balance to the sat, the buyer's memory stayed bounded. Also the
 * summary table printed at the end.
 */
import type { SubcallResult } from "@pylon/rlm";
import type { JobRow, SubcallRow, SwarmCounters, TabSummary, UnclaimedRefunds } from "@pylon/swarm";
import type { ReceiptMoney } from "./money.js";
import type { SoakOptions } from "./soak-core.js";

export interface ProviderReport {
  label: string;
  /** Generations started, over every life of the node. */
  generated: number;
  report: ProviderBooks;
}

/** What a provider child answers to `report` (provider-child.mjs). */
export interface ProviderBooks {
  error?: unknown;
  earnings?: {
    walletSats: number;
    heldSats: number;
    lostSats: number;
    creditedSats: number;
    feeSats: number;
  };
  tabs?: {
    depositedMsats: number;
    balanceMsats: number;
    reservedMsats: number;
    chargedMsats: number;
    refundedMsats: number;
  };
  jobs?: { paymentRequired: number; resumed: number };
}

export interface CheckInput {
  options: SoakOptions;
  results: Array<SubcallResult | undefined>;
  expectedAnswer: (i: number) => string;
  subcallRows: SubcallRow[];
  jobRows: JobRow[];
  counters: SwarmCounters;
  dispatchSec: number;
  capped: boolean;
  faults: { providerKills: number; relayRestarts: number; restartFailures: string[] };
  closeError: string | undefined;
  tabs: TabSummary[];
  lockedSats: number;
  refundedSats: number;
  depositSwaps: number;
  budgetSats: number;
  fundedSats: number;
  buyer: { unspent: number; reserved: number; pending: number };
  mint: { minted: number; inputFees: number; lightningFees: number; outstanding: number };
  providers: ProviderReport[];
  /** Bytes; `gc`: baseline and end were taken after a forced full GC. */
  rss: { baseline: number; peak: number; end: number; samples: number; gc: boolean };
  totalSec: number;
  /** The receipt's money (`pylon run`'s): spent measured on the wallet, the rest from the books. */
  receipt: ReceiptMoney;
  /** Refund ecash to the buyer still unclaimed on the relay after the run. */
  unclaimed: UnclaimedRefunds;
}

export interface SoakCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** The figures of the summary table (every one a number; the named ones are the tests' favourites). */
export interface SoakSummary {
  [figure: string]: number;
  subcalls: number;
  answered: number;
  failed: number;
  providerKills: number;
  relayRestarts: number;
}

export interface SoakReport {
  ok: boolean;
  checks: SoakCheck[];
  summary: SoakSummary;
  /** What went wrong without breaking a check (e.g. a tab that could not be closed). */
  notes: string[];
}

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
  const generations = input.providers.reduce((sum, p) => sum + p.generated, 0);
  check(
    "generations at providers ≥ answered",
    generations >= answered.length,
    `${generations} generations, ${answered.length} answered, ${counters.jobsSent} jobs sent, ` +
      `${doubleAnswered} sub-calls answered by both hedge copies`,
  );

  // Money. Providers' tab books, summed (one buyer), after each redeemed what it held.
  const reportErrors = input.providers.filter((p) => p.report.error !== undefined || !p.report.earnings);
  check(
    "every provider reported its books",
    reportErrors.length === 0,
    reportErrors.map((p) => `${p.label}: ${String(p.report.error)}`).join("; ") ||
      `${input.providers.length} reports`,
  );
  const sum = (f: (p: ProviderReport) => number) => input.providers.reduce((s, p) => s + f(p), 0);
  const earnedSats = sum((p) => p.report.earnings?.walletSats ?? 0);
  const heldSats = sum((p) => p.report.earnings?.heldSats ?? 0);
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
      `; mint outstanding ${input.mint.outstanding}`,
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
    providerKills: input.faults.providerKills,
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
    tabs: input.tabs.length,
    rssBaselineMb: input.rss.baseline / MB,
    rssPeakMb: input.rss.peak / MB,
    rssGrowthMb: growthMb,
    dispatchSec: input.dispatchSec,
    subcallsPerSec: ended.length / input.dispatchSec,
    totalSec: input.totalSec,
  };
  // A tab left open is not a lost sat (the provider holds it as ecash, counted above), so not a failed check.
  const notes: string[] = [];
  if (input.closeError) notes.push(`not every tab closed at the end: ${input.closeError}`);
  if (reservedMsats > 0)
    notes.push(`${reservedMsats} msats still reserved on provider tabs after every job ended`);
  return { ok: checks.every((c) => c.ok), checks, summary, notes };
}

/** The summary table and the checks, as markdown. */
export function formatSoak(report: SoakReport): string {
  const s = report.summary;
  const n = (v: number | undefined, digits = 0) =>
    (v ?? 0).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const lines = [
    "| answered | failed | retried | hedged | no-ack | busy | jobs sent | provider kills | relay restarts |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    `| ${n(s.answered)}/${n(s.subcalls)} | ${n(s.failed)} | ${n(s.retried)} | ${n(s.hedged)} | ${n(s.noAck)} | ` +
      `${n(s.busy)} | ${n(s.jobsSent)} | ${n(s.providerKills)} | ${n(s.relayRestarts)} |`,
    "",
    "| sats deposited | spent | refunded | earned (providers' ecash) | charged | fees | reclaimable | tabs closed |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    `| ${n(s.depositedSats)} | ${n(s.spentSats)} | ${n(s.refundedSats)} | ${n(s.earnedSats)} | ${n(s.chargedSats, 3)} | ` +
      `${n(s.feeSats)} | ${n(s.reclaimableSats)} | ${n(s.tabsClosed)}/${n(s.tabs)} |`,
    "",
    `dispatch ${n(s.dispatchSec, 1)} s (${n(s.subcallsPerSec, 1)} sub-calls/s), whole soak ${n(s.totalSec, 1)} s; ` +
      `buyer RSS ${n(s.rssBaselineMb)} MB after warm-up, peak ${n(s.rssPeakMb)} MB (+${n(s.rssGrowthMb)} MB)`,
    "",
    "| check | result | detail |",
    "| --- | --- | --- |",
    ...report.checks.map(
      (c) => `| ${c.name} | ${c.ok ? "pass" : "**FAIL**"} | ${c.detail.replaceAll("|", "\\|")} |`,
    ),
    ...(report.notes.length ? ["", ...report.notes.map((note) => `Note: ${note}`)] : []),
  ];
  return lines.join("\n");
}
