/**
 * The one place the lab meets what helper "swarm" is adding (issue 15's contracts), so the integrator
 * fixes names here only. Until it merges, the swarm ignores `trust` and has no `trust()`: runs are then
 * checks-off runs, said so in their output. Once merged, replace the local shapes with the swarm's types.
 */
import { type ModelIdentity, modelIdentity } from "@pylon/inference";
import type { SubcallRequest } from "@pylon/rlm";
import type { Swarm, SwarmOptions } from "@pylon/swarm";
import type { ReputationBook } from "@pylon/trust";

/** inference's `ModelIdentity` (merged). */
export type ModelIdentityLike = ModelIdentity;

/** swarm's `TrustOptions`. */
export interface TrustOptionsLike {
  book?: ReputationBook | string;
  checks?: false | { random?: () => number; maxReferees?: number };
  modelDigest?: string;
  verifyLocal?: (request: SubcallRequest, seed: number) => Promise<string>;
  publishVerdicts?: boolean;
  trustLabelsFrom?: string[];
}

/** swarm's `CaughtProvider`. */
export interface CaughtProviderLike {
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

/** swarm's `TrustReport`. */
export interface TrustReportLike {
  checks: number;
  passes: number;
  strikes: number;
  inconclusive: number;
  checkJobs: number;
  checkCostMsats: number;
  checkWaitMs: number;
  caught: CaughtProviderLike[];
  deliveredFromCaught: number;
  reasked: number;
}

/** The options with `trust` set (a property the swarm ignores until helper "swarm" merges). */
export function withTrust(options: SwarmOptions, trust: TrustOptionsLike): SwarmOptions {
  return { ...options, trust } as SwarmOptions;
}

/** The swarm's trust report, or undefined where this build's swarm has no trust. */
export function trustReport(swarm: Swarm): TrustReportLike | undefined {
  const withReport = swarm as Swarm & { trust?: () => TrustReportLike };
  return typeof withReport.trust === "function" ? withReport.trust() : undefined;
}

/** Whether this build's swarm applies spot checks (helper "swarm" merged). */
export function swarmHasTrust(swarm: Swarm): boolean {
  return typeof (swarm as Swarm & { trust?: unknown }).trust === "function";
}

/** The GGUF's identity, as a provider serving it announces it. */
export function modelIdentityOf(file: string): Promise<ModelIdentity> {
  return modelIdentity(file);
}
