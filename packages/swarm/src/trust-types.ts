/**
 * What a buyer sets about trust (`SwarmOptions.trust`) and what a run reports of it (`Swarm.trust()`).
 * The rules themselves (comparison, judge, catch rule, schedule, score) are @pylon/trust's; the swarm
 * applies them: spot checks (spot-check.ts), the book's cache and catches (trust-keeper.ts), selection.
 */

import type { SubcallRequest } from "@pylon/rlm";
import type { CheckSchedule, ComparisonRule, EvidenceRule, ReputationBook } from "@pylon/trust";

export interface TrustChecks {
  schedule?: Partial<CheckSchedule>;
  comparison?: Partial<ComparisonRule>;
  evidence?: Partial<EvidenceRule>;
  /** Extra answers asked when a check's two answers disagree (tie-breakers). Default 2. */
  maxReferees?: number;
  /** Uniform [0, 1) source deciding which answers are checked (tests). Default Math.random. */
  random?: () => number;
}

export interface TrustOptions {
  /** The reputation book, or its file. Default ":memory:". CLI: <data dir>/trust.db. */
  book?: ReputationBook | string;
  /** Spot checks; false turns them off (selection still uses the book, blocks still hold). */
  checks?: false | TrustChecks;
  /** Only providers announcing this digest; every request carries it. */
  modelDigest?: string;
  /** Reference answers from the buyer's own model (`--verify-local`): checks compare against it. */
  verifyLocal?: (request: SubcallRequest, seed: number) => Promise<string>;
  /** Publish NIP-32 verdicts (kind 1985) about providers caught. Default false. */
  publishVerdicts?: boolean;
  /** Read verdicts from these buyers (hex pubkeys); a reported provider is checked on every job. */
  trustLabelsFrom?: string[];
}

export interface CaughtProvider {
  pubkey: string;
  /** Its announced name. */
  name: string;
  /** Jobs it had done for this buyer (all runs) when caught. */
  jobsBeforeCaught: number;
  strikes: number;
  /** Checks it took part in (passes + strikes). */
  checks: number;
  /** Paid to it, all runs, msats. */
  paidMsats: number;
  /** Paid for answers that struck, or arrived after its catch, msats. */
  paidForBadMsats: number;
  /** Job ids of its struck answers. */
  evidence: string[];
  /** Unix ms. */
  at: number;
}

export interface TrustReport {
  /** Spot checks run (each over one answer). */
  checks: number;
  passes: number;
  strikes: number;
  /** Checks that found no reference (no agreeing pair; no provider left to ask). */
  inconclusive: number;
  /** Jobs sent for checks (their cost is not a sub-call's). */
  checkJobs: number;
  checkCostMsats: number;
  /** Time sub-calls waited for their checks' verdicts, summed, ms. */
  checkWaitMs: number;
  caught: CaughtProvider[];
  /** Sub-calls whose answer the RLM got from a provider caught later (could not be re-asked). */
  deliveredFromCaught: number;
  /** Sub-calls asked again elsewhere because their answer struck or came from a caught provider. */
  reasked: number;
}

export function emptyTrustReport(): TrustReport {
  return {
    checks: 0,
    passes: 0,
    strikes: 0,
    inconclusive: 0,
    checkJobs: 0,
    checkCostMsats: 0,
    checkWaitMs: 0,
    caught: [],
    deliveredFromCaught: 0,
    reasked: 0,
  };
}
