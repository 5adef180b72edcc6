/** The demo's report: the data `--json` prints, and the text people read. */
import type { SwarmCounters, TabMoney } from "@pylon/swarm";
import type { Accounting } from "./accounting.js";

export interface DemoProviderReport {
  npub: string;
  pubkey: string;
  /** Sub-calls of the run this provider answered (the answer that was used). */
  subcallsAnswered: number;
  /** What its sub-calls reported they cost, sats (as the log and `pylon view` add them up). */
  subcallSats: number;
  /** Results it published: its sub-calls, hedge losers that finished anyway, and the tab close. */
  jobsServed: number;
  chargedMsats: number;
  earnedSats: number;
}

export interface DemoReport {
  /**
   * Answer present, accounting holds, everything stopped cleanly, and (scripted root) the answer is the
   * gold. Exit code 0 iff true.
   */
  ok: boolean;
  task: {
    kind: "sniah";
    seed: number;
    sizeTokens: number;
    chars: number;
    question: string;
    gold: string;
    /** Where the needle sits, 0 = start of the text. */
    depth: number;
  };
  root: string;
  /** What the providers served. */
  model: string;
  answer: string | null;
  correct: boolean;
  /** Who produced the answer, in words. */
  answerSource: string;
  stoppedBy: string;
  /** Why the run stopped without an answer (budget, error…), when it did. */
  error: string | null;
  subcalls: {
    total: number;
    answered: number;
    failed: number;
    /** Replies that contain the gold number. */
    namingGold: number;
    /** The reply to the sub-call whose part of the context held the needle. */
    needlePartReply: string | null;
    note: string;
  };
  /** The swarm's counters: jobs sent, re-dispatched, hedged, refused busy, unacknowledged… */
  jobs: SwarmCounters;
  providers: DemoProviderReport[];
  money: Accounting & {
    depositedSats: number;
    depositSwaps: number;
    refundedSats: number;
    chargedMsats: number;
    /** As `pylon run`'s receipt says it: spent (the wallet's outflow) = charged + rests + fees + reclaimable. */
    receipt: TabMoney & { spentSats: number; feeSats: number };
  };
  relay: string;
  mint: string;
  wallMs: number;
  logPath: string;
  /** What did not stop cleanly (empty when everything did). */
  stopProblems: string[];
}

const sats = (msats: number) => `${(msats / 1000).toFixed(3)} sats`;
const preview = (text: string) => JSON.stringify(text.replace(/\s+/g, " ").trim().slice(0, 60));

export function renderReport(r: DemoReport): string {
  const m = r.money;
  const answerLine =
    r.answer === null
      ? `(none: stopped by ${r.stoppedBy}${r.error ? `: ${r.error}` : ""})`
      : JSON.stringify(r.answer);
  return [
    "",
    `task       S-NIAH, ${r.task.sizeTokens.toLocaleString("en-US")} tokens (${r.task.chars.toLocaleString("en-US")} chars), seed ${r.task.seed}, needle at ${Math.round(r.task.depth * 100)}% of the text`,
    `question   ${r.task.question}`,
    `answer     ${answerLine} (gold ${r.task.gold}): ${r.correct ? "correct" : "WRONG"}`,
    `source     ${r.answerSource}`,
    `root       ${r.root}; providers' model: ${r.model}`,
    `sub-calls  ${r.subcalls.total} (${r.subcalls.answered} answered, ${r.subcalls.failed} failed); ${r.subcalls.namingGold} named the gold number`,
    `           ${r.subcalls.note}`,
    ...(r.subcalls.needlePartReply === null
      ? []
      : [`           the sub-call given the needle's part replied ${preview(r.subcalls.needlePartReply)}`]),
    `jobs       ${r.jobs.jobsSent} sent, ${r.jobs.redispatches} re-dispatched, ${r.jobs.hedges} hedged (${r.jobs.hedgeWins} won), ${r.jobs.busy} busy refusals`,
    ...r.providers.map(
      (p, i) =>
        `provider ${i + 1} ${p.jobsServed} jobs served (tab close incl.), ${p.subcallsAnswered} answers used, charged ${sats(p.chargedMsats)}, earned ${p.earnedSats} sats (${p.npub.slice(0, 14)}…)`,
    ),
    `buyer      funded ${m.fundedSats} sats; tabs: ${m.depositedSats} sats deposited in ${m.depositSwaps} swap(s), jobs charged ${sats(m.chargedMsats)}, ${m.refundedSats} sats refunded at close`,
    `money      spent ${m.spentSats} sats by the buyer, earned ${m.providersEarnedSats} sats by the providers, ${m.mintFeesSats} sats mint fees, ${m.reclaimableSats} sats reclaimable`,
    `invariant  ${m.line}`,
    `time       ${(r.wallMs / 1000).toFixed(1)} s wall`,
    `log        ${r.logPath}`,
    r.stopProblems.length === 0
      ? `stopped    relay ${r.relay}, mint ${r.mint}, ${r.providers.length} providers, the buyer's swarm and wallet, the Python REPL`
      : `stopped    with ${r.stopProblems.length} problem(s): ${r.stopProblems.join("; ")}`,
    !r.ok
      ? "demo: FAILED"
      : r.correct
        ? "demo: OK"
        : "demo: OK (the market and the accounting worked; the root model's answer is wrong)",
  ].join("\n");
}
