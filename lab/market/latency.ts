/**
 * The crowd's scripted model time: a latency distribution drawn per job from a seeded PRNG (one stream per
 * provider), so a run with the same seed draws the same delays in the same order at each provider.
 */
import { createPrng, type ScriptedLatency } from "@pylon/inference";

/** Scripted model time per job. */
export type LatencySpec =
  | { kind: "instant" } // no model time
  | { kind: "fixed"; ms: number }
  | { kind: "lognormal"; medianMs: number; sigma: number }; // per job

/** A share of jobs that take `factor` × their drawn latency (a slow machine, a swapped-out model). */
export interface Stragglers {
  share: number;
  factor: number;
}

/** The scripted backend's latencyMs for one provider: a constant where nothing is random. */
export function latencyFor(
  spec: LatencySpec,
  stragglers: Stragglers | undefined,
  seed: number,
): ScriptedLatency {
  if (spec.kind === "instant" && !stragglers) return 0;
  if (spec.kind === "fixed" && !stragglers) return spec.ms;
  const random = createPrng(seed);
  const base = (): number => {
    if (spec.kind === "instant") return 0;
    if (spec.kind === "fixed") return spec.ms;
    return spec.medianMs * Math.exp(spec.sigma * standardNormal(random));
  };
  return () => {
    const ms = base();
    return stragglers && random() < stragglers.share ? ms * stragglers.factor : ms;
  };
}

/** Box–Muller: one standard normal draw from two uniform ones. */
function standardNormal(random: () => number): number {
  const u = 1 - random(); // (0, 1]: log(0) is not a number
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** A provider's own seed from the run's: distinct streams, the same for the same provider index. */
export const providerSeed = (runSeed: number, index: number): number =>
  (Math.imul(runSeed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;

/** Checks a spec before anything starts, naming what is wrong. */
export function checkLatency(spec: LatencySpec, stragglers: Stragglers | undefined): void {
  const bad = (what: string) => {
    throw new Error(`crowd latency: ${what}`);
  };
  if (spec.kind === "fixed" && !(spec.ms >= 0)) bad(`fixed ms must be ≥ 0, got ${spec.ms}`);
  if (spec.kind === "lognormal" && !(spec.medianMs >= 0 && spec.sigma >= 0))
    bad(`lognormal needs medianMs ≥ 0 and sigma ≥ 0, got ${spec.medianMs} and ${spec.sigma}`);
  if (stragglers && !(stragglers.share >= 0 && stragglers.share <= 1 && stragglers.factor >= 1))
    bad(`stragglers need a share in [0, 1] and a factor ≥ 1, got ${JSON.stringify(stragglers)}`);
}
