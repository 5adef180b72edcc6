/**
 * Where the lab meets the swarm's trust API and inference's model identity: the names the cheaters run
 * uses for them, in one place.
 */
import { type ModelIdentity, modelIdentity } from "@pylon/inference";
import type { CaughtProvider, Swarm, SwarmOptions, TrustOptions, TrustReport } from "@pylon/swarm";

export type ModelIdentityLike = ModelIdentity;
export type TrustOptionsLike = TrustOptions;
export type CaughtProviderLike = CaughtProvider;
export type TrustReportLike = TrustReport;

/** The options with `trust` set. */
export function withTrust(options: SwarmOptions, trust: TrustOptions): SwarmOptions {
  return { ...options, trust };
}

/** The swarm's trust report. */
export function trustReport(swarm: Swarm): TrustReport {
  return swarm.trust();
}

/** Whether the swarm applies spot checks (always, since the swarm's trust landed; kept for the report). */
export function swarmHasTrust(_swarm: Swarm): boolean {
  return true;
}

/** The GGUF's identity, as a provider serving it announces it. */
export function modelIdentityOf(file: string): Promise<ModelIdentity> {
  return modelIdentity(file);
}
