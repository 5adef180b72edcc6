import { createPrng } from "@pylon/inference";

/** A seeded PRNG (inference's mulberry32), so that every simulated trial is the same on every run. */
export const seeded: (seed: number) => () => number = createPrng;

/** The value below which `share` of the sorted samples fall (nearest rank). */
export function percentile(samples: readonly number[], share: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? Number.NaN;
}
