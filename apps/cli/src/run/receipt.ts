/**
 * The receipt `pylon run` prints at the end: as JSON (`--json`) or as a short table after the answer.
 * What the run answered, what it asked of the sub-call backend, what the market did, what it cost.
 */
import type { RlmResult, RunFold } from "@pylon/rlm";
import type { SwarmCounters, TrustReport } from "@pylon/swarm";
import { type ReceiptTrust, receiptTrust, trustLines } from "../trust/receipt-trust.js";
import type { MarketPayments } from "./market.js";
import { failureSummary, type SubcallMeter, topProviders } from "./metered-subcalls.js";
import { sats } from "./progress.js";
import { type ProviderLine, providerLines } from "./receipt-providers.js";

export interface RunReceipt {
  answer: string | null;
  stoppedBy: RlmResult["stoppedBy"];
  error?: string;
  /** The run id to resume with (`pylon run --resume <run>`); also the swarm's run id. */
  run: string;
  resume: string;
  /** The RLM's own id in the trajectory log. */
  runId: string;
  models: { root: string; sub: string };
  /** Root replies, and replies across the tree. */
  iterations: number;
  treeIterations: number;
  /** Sub-model calls the RLM counted (budget units). */
  subcalls: number;
  /** Sub-call items handed to the sub-call backend in this invocation: answered and failed. */
  items: { dispatched: number; answered: number; failed: number; failures?: string };
  /** Market only: what the swarm did in this invocation. */
  jobs?: {
    sent: number;
    redispatched: number;
    hedged: number;
    failed: number;
    recovered: number;
    memoHits: number;
  };
  providers: {
    used: number;
    top: Array<{ provider: string; answered: number }>;
    /** Every provider's sub-calls in this invocation, as the trajectory log's fold (and `pylon view`) has them. */
    each?: ProviderLine[];
  };
  /** A root on the market (`--root swarm:MODEL`): its turns as jobs, counted apart from the sub-calls. */
  root?: RootTurns;
  usage: RlmResult["usage"];
  /**
   * Money (docs/payments.md, "What the receipt says"). With a mint, of this invocation: `spent` is the
   * wallet's outflow, to the sat, and spent = charged + rests + fees + reclaimable; `run` has the run's tabs over
   * all its invocations. Without one, `spent` is what the sub-calls reported they cost.
   */
  sats: {
    spent: number;
    /** What the sub-calls' (and a market root's turns') per-job cost estimates add up to (an estimate, not a payment). */
    estimatedBySubcalls: number;
    deposited?: number;
    charged?: number;
    refunded?: number;
    /** What closed tabs could not return: whole sats come back, the provider keeps the rest (< 1 sat a tab). */
    rests?: number;
    fees?: number;
    /** Still the buyer's outside the wallet (open tab balances, estimated until closed; undelivered deposits). */
    reclaimable?: number;
    /** Deposits that never reached their provider (part of `reclaimable`). */
    unsent?: number;
    /** Refunds of earlier runs taken in by this invocation (not part of `spent`). */
    recovered?: number;
    mint?: string;
    run?: { deposited: number; charged: number; refunded: number };
  };
  /** Market only: spot checks, their cost, and the providers caught cheating (docs/trust.md). */
  trust?: ReceiptTrust;
  /** Kept for scripts reading the older receipt: the RLM's own money total. */
  cost: RlmResult["cost"];
  /** The RLM's own time, and the whole invocation's (market start-up and tab closing included). */
  durationMs: number;
  wallMs: number;
  logPath: string | null;
}

export interface RootTurns {
  /** Root turns sent to the market: answered and failed. */
  turns: number;
  answered: number;
  failed: number;
  /** Answered turns that were paid jobs (cost more than 0). */
  paid: number;
  /** What the turns reported they cost (part of the money below, like the sub-calls'). */
  sats: number;
  tokens: { input: number; output: number };
  /** Turns answered per provider, most first. */
  providers: Array<{ provider: string; answered: number }>;
  /** Turns answered by another provider than the turn before (the run failed over). */
  failovers: number;
  failures?: string;
}

export interface ReceiptInput {
  result: RlmResult;
  run: string;
  models: { root: string; sub: string };
  meter: SubcallMeter;
  /** The root's turns, when the root is on the market. */
  rootMeter?: SubcallMeter;
  counters?: SwarmCounters;
  payments?: MarketPayments;
  trust?: TrustReport;
  /** The invocation's trajectory records, folded as they were written. */
  fold?: RunFold;
  wallMs: number;
}

const TOP = 5;

export function buildReceipt(input: ReceiptInput): RunReceipt {
  const { result, meter, rootMeter, counters, payments } = input;
  const ownSats = meter.spentSats + (rootMeter?.spentSats ?? 0);
  return {
    answer: result.answer,
    stoppedBy: result.stoppedBy,
    ...(result.error ? { error: result.error } : {}),
    run: input.run,
    resume: `pylon run --resume ${input.run}`,
    runId: result.runId,
    models: input.models,
    iterations: result.iterations,
    treeIterations: result.treeIterations,
    subcalls: result.subcalls,
    items: {
      dispatched: meter.dispatched,
      answered: meter.done,
      failed: meter.failed,
      ...(meter.failed > 0 ? { failures: failureSummary(meter) } : {}),
    },
    ...(counters
      ? {
          jobs: {
            sent: counters.jobsSent,
            redispatched: counters.redispatches,
            hedged: counters.hedges,
            failed: counters.failed,
            recovered: counters.recovered,
            memoHits: counters.memoHits,
          },
        }
      : {}),
    providers: {
      used: meter.providers.size,
      top: topProviders(meter, TOP),
      ...(input.fold ? { each: providerLines(input.fold) } : {}),
    },
    ...(rootMeter ? { root: rootTurns(rootMeter) } : {}),
    usage: result.usage,
    sats: {
      spent: payments ? payments.spentSats : round(ownSats),
      estimatedBySubcalls: round(ownSats),
      ...(payments
        ? {
            deposited: round(payments.depositedSats),
            charged: round(payments.chargedSats),
            refunded: round(payments.refundedSats),
            rests: round(payments.restSats),
            fees: payments.feeSats,
            reclaimable: round(payments.reclaimableSats),
            unsent: payments.unsentSats,
            recovered: payments.recoveredSats,
            mint: payments.mint,
            run: {
              deposited: round(payments.run.depositedSats),
              charged: round(payments.run.chargedSats),
              refunded: round(payments.run.refundedSats),
            },
          }
        : {}),
    },
    ...(input.trust ? { trust: receiptTrust(input.trust) } : {}),
    cost: result.cost,
    durationMs: Math.round(result.durationMs),
    wallMs: Math.round(input.wallMs),
    logPath: result.logPath,
  };
}

function rootTurns(meter: SubcallMeter): RootTurns {
  return {
    turns: meter.dispatched,
    answered: meter.done,
    failed: meter.failed,
    paid: meter.paid,
    sats: round(meter.spentSats),
    tokens: { ...meter.tokens },
    providers: topProviders(meter, Number.POSITIVE_INFINITY),
    failovers: meter.switches,
    ...(meter.failed > 0 ? { failures: failureSummary(meter) } : {}),
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** A provider key as shown: its first 12 hex digits (a model name is shown whole). */
function shortProvider(provider: string): string {
  return /^[0-9a-f]{64}$/.test(provider) ? `${provider.slice(0, 12)}…` : provider;
}

/** The human receipt: one labelled line per topic. */
export function formatReceipt(r: RunReceipt): string {
  const lines: Array<[string, string]> = [
    ["run", `${r.run} (resume: ${r.resume})`],
    [
      "stopped by",
      `${r.stoppedBy}${r.error ? ` (${r.error})` : ""} after ${r.iterations} root iteration(s), ${r.treeIterations} in the tree`,
    ],
    [
      "sub-calls",
      `${r.subcalls} (${r.items.dispatched} dispatched here: ${r.items.answered} answered, ${r.items.failed} failed` +
        `${r.items.failures ? `: ${r.items.failures}` : ""})`,
    ],
  ];
  if (r.jobs) {
    const j = r.jobs;
    lines.push([
      "jobs",
      `${j.sent} sent, ${j.redispatched} re-dispatched, ${j.hedged} hedged, ${j.failed} failed, ` +
        `${j.recovered} recovered from relays, ${j.memoHits} from memo`,
    ]);
  }
  if (r.root) {
    const t = r.root;
    const by = t.providers.map((p) => `${shortProvider(p.provider)} ${p.answered}`).join(", ");
    lines.push([
      "root turns",
      `${t.turns} on the market (${t.paid} paid jobs, ${sats(t.sats)} sat, ${t.tokens.input + t.tokens.output} tokens; ` +
        `${t.failed} failed${t.failures ? `: ${t.failures}` : ""}); providers ${by || "none"}; ${t.failovers} failover(s)`,
    ]);
  }
  const top = r.providers.top.map((p) => `${shortProvider(p.provider)} ${p.answered}`).join(", ");
  lines.push([
    "providers",
    `${r.providers.used}${top ? ` (${top}${r.providers.used > TOP ? ", …" : ""})` : ""}`,
  ]);
  const s = r.sats;
  lines.push([
    "sats",
    s.deposited === undefined
      ? `${sats(s.spent)} spent (sub-calls' own estimate)`
      : `${sats(s.spent)} spent from the wallet = ${sats(s.charged ?? 0)} charged + ${sats(s.rests ?? 0)} sub-sat ` +
        `rests of closed tabs + ${s.fees ?? 0} mint fees + ` +
        `${sats(s.reclaimable ?? 0)} reclaimable (open tabs, estimated until closed` +
        `${s.unsent ? `; ${sats(s.unsent)} in deposits never delivered` : ""})`,
  ]);
  if (s.deposited !== undefined) {
    lines.push([
      "tabs",
      `at ${s.mint}: ${sats(s.deposited)} deposited, ${sats(s.refunded ?? 0)} refunded` +
        `${s.recovered ? `; ${sats(s.recovered)} of earlier runs' refunds recovered` : ""}`,
    ]);
  }
  lines.push(...trustLines(r.trust));
  lines.push(["time", `${(r.wallMs / 1000).toFixed(1)} s (RLM ${(r.durationMs / 1000).toFixed(1)} s)`]);
  lines.push(["log", r.logPath ?? "(none)"]);
  const width = Math.max(...lines.map(([label]) => label.length));
  return ["--- receipt ---", ...lines.map(([label, text]) => `${label.padEnd(width)}  ${text}`)].join("\n");
}

/**
 * The end of `pylon run`: the answer and the receipt on stdout (`--json`: the receipt as JSON; `--quiet`:
 * the answer alone), where the log is on stderr; exit code 1 when there is no answer.
 */
export function printReceipt(
  r: RunReceipt,
  logFile: string,
  opts: { json?: boolean; quiet?: boolean },
): void {
  if (opts.json) console.log(JSON.stringify(r, null, 2));
  else {
    if (r.answer !== null) console.log(r.answer);
    if (!opts.quiet) console.log(`\n${formatReceipt(r)}`);
  }
  if (!opts.quiet) console.error(`pylon: log written to ${logFile}`);
  if (r.jobs && !opts.quiet) {
    const j = r.jobs;
    console.error(
      `pylon: swarm run ${r.run}: ${j.sent} job(s) sent, ${j.memoHits} from memo, ${j.recovered} recovered, ${j.redispatched} re-dispatched, ${j.hedged} hedged, ${j.failed} failed (resume with --resume ${r.run})`,
    );
  }
  if (r.items.dispatched > 0 && r.items.answered === 0) {
    // An answer written without a single sub-call's help is no answer to trust.
    console.error(
      `pylon: every sub-call failed (${r.items.failed} of ${r.items.dispatched}): ${r.items.failures}`,
    );
    process.exitCode = 1;
  }
  if (r.answer === null) {
    console.error(`pylon: no answer (stopped by ${r.stoppedBy}${r.error ? `: ${r.error}` : ""})`);
    process.exitCode = 1;
  }
}
