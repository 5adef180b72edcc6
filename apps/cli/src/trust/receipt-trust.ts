/**
 * The receipt's "trust" section: what the spot checks did in this run (passes, strikes, inconclusive), what
 * checking cost (extra jobs, sats, time waited), and each provider caught: after how many jobs, what it was
 * paid, and how much of that for answers that failed a check. Pure functions of the swarm's TrustReport.
 */
import type { TrustReport } from "@pylon/swarm";
import { shortNpub } from "./keys.js";

export interface ReceiptTrust {
  /** Checks run and how many found no reference; answers (each check compares two or more) that agreed or struck. */
  checks: { run: number; passed: number; struck: number; inconclusive: number };
  /** The extra jobs checks sent (second and third opinions), what they cost and the time waited on them. */
  checkJobs: number;
  checkCostSats: number;
  checkWaitMs: number;
  caught: Array<{
    provider: string;
    name: string;
    jobsBeforeCaught: number;
    strikes: number;
    checks: number;
    paidSats: number;
    paidForBadSats: number;
    /** Job ids of the struck answers. */
    evidence: string[];
    at: string;
  }>;
  /** Answers the RLM got from a provider caught later that could not be re-asked. */
  deliveredFromCaught: number;
  /** Answers of caught providers asked again elsewhere before the RLM saw them. */
  reasked: number;
}

const sats = (msats: number): number => Math.round(msats) / 1000;

export function receiptTrust(report: TrustReport): ReceiptTrust {
  return {
    checks: {
      run: report.checks,
      passed: report.passes,
      struck: report.strikes,
      inconclusive: report.inconclusive,
    },
    checkJobs: report.checkJobs,
    checkCostSats: sats(report.checkCostMsats),
    checkWaitMs: Math.round(report.checkWaitMs),
    caught: report.caught.map((c) => ({
      provider: c.pubkey,
      name: c.name,
      jobsBeforeCaught: c.jobsBeforeCaught,
      strikes: c.strikes,
      checks: c.checks,
      paidSats: sats(c.paidMsats),
      paidForBadSats: sats(c.paidForBadMsats),
      evidence: c.evidence,
      at: new Date(c.at).toISOString(),
    })),
    deliveredFromCaught: report.deliveredFromCaught,
    reasked: report.reasked,
  };
}

/** The text receipt's lines: none when no check ran and nobody was caught (a quiet run stays short). */
export function trustLines(t: ReceiptTrust | undefined): Array<[string, string]> {
  if (!t || (t.checks.run === 0 && t.caught.length === 0)) return [];
  const lines: Array<[string, string]> = [
    [
      "checks",
      `${t.checks.run} spot check(s), ${t.checks.inconclusive} inconclusive; answers: ${t.checks.passed} agreed, ` +
        `${t.checks.struck} struck; ${t.checkJobs} check job(s), ${t.checkCostSats} sats`,
    ],
  ];
  for (const c of t.caught) {
    lines.push([
      "caught",
      `${shortNpub(c.provider)} ${c.name} after ${c.jobsBeforeCaught} job(s) (${c.strikes} strike(s) in ` +
        `${c.checks} check(s)): paid ${c.paidSats} sats, ${c.paidForBadSats} for bad answers; blocked`,
    ]);
  }
  if (t.caught.length > 0) {
    lines.push([
      "answers",
      `${t.reasked} from caught providers re-asked elsewhere, ${t.deliveredFromCaught} reached the RLM first`,
    ]);
  }
  return lines;
}
