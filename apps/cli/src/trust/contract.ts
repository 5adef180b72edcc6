/**
 * TEMPORARY: the swarm's trust API (`SwarmOptions.trust`, `Swarm.trust()`) as the shared contract of issue 15
 * states it, while @pylon/swarm does not export it yet. Delete this file after the swarm's trust work is
 * merged and import `TrustOptions`, `TrustReport`, `CaughtProvider` from @pylon/swarm instead; the two casts
 * in run/market.ts (`withTrust`, `trustReportOf`) then become plain calls.
 */
import type { SubcallRequest } from "@pylon/rlm";
import type { CheckSchedule, ComparisonRule, EvidenceRule, ReputationBook } from "@pylon/trust";

export interface TrustOptions {
  /** The reputation book, or its file. CLI: <data dir>/trust.db. */
  book?: ReputationBook | string;
  /** Spot checks; false turns them off (selection still uses the book, blocks still hold). */
  checks?:
    | false
    | {
        schedule?: Partial<CheckSchedule>;
        comparison?: Partial<ComparisonRule>;
        evidence?: Partial<EvidenceRule>;
        maxReferees?: number;
        random?: () => number;
      };
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
  name: string;
  jobsBeforeCaught: number;
  strikes: number;
  checks: number;
  paidMsats: number;
  paidForBadMsats: number;
  evidence: string[];
  at: number;
}

export interface TrustReport {
  checks: number;
  passes: number;
  strikes: number;
  inconclusive: number;
  checkJobs: number;
  checkCostMsats: number;
  checkWaitMs: number;
  caught: CaughtProvider[];
  /** Sub-calls whose answer the RLM got from a provider caught later (could not be re-asked). */
  deliveredFromCaught: number;
  reasked: number;
}
