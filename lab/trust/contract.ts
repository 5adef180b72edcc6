/**
 * The one place the lab meets what helpers "swarm" and "identity" are adding (issue 15's contracts), so
 * the integrator fixes names here only. Until they merge: the swarm ignores `trust` and has no `trust()`
 * (runs are then checks-off runs, said so in their output), and `modelIdentity` is missing (no digest is
 * claimed or required). Once merged, replace the local shapes with the packages' types.
 */
import * as inference from "@pylon/inference";
import type { SubcallRequest } from "@pylon/rlm";
import type { Swarm, SwarmOptions } from "@pylon/swarm";
import type { ReputationBook } from "@pylon/trust";

/** inference's `ModelIdentity`. */
export interface ModelIdentityLike {
  digest: string;
  sizeBytes: number;
  architecture: string;
  quantisation: string;
}

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

/** The GGUF's identity (inference's `modelIdentity`), or undefined where this build has none. */
export async function modelIdentityOf(file: string): Promise<ModelIdentityLike | undefined> {
  const compute = (inference as Record<string, unknown>).modelIdentity as
    | ((path: string, options?: { cacheFile?: string }) => Promise<ModelIdentityLike>)
    | undefined;
  return compute ? await compute(file) : undefined;
}
