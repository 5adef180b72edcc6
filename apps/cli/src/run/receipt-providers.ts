/** The receipt's per-provider lines, from the fold of the run's records: the figures `pylon view` shows. */
import type { RunFold } from "@pylon/rlm";

export interface ProviderLine {
  provider: string;
  answered: number;
  failed: number;
  /** What its sub-calls reported they cost. */
  sats: number;
  tokens: { input: number; output: number };
  /** Jobs sent to it for them, and hedges among those (market only). */
  attempts?: number;
  hedges?: number;
}

/** Providers that served sub-calls (root turns are in `root`), most answered first. */
export function providerLines(fold: RunFold): ProviderLine[] {
  return [...fold.providers.values()]
    .filter((p) => p.subcalls > 0)
    .sort((a, b) => b.answered - a.answered || a.provider.localeCompare(b.provider))
    .map((p) => ({
      provider: p.provider,
      answered: p.answered,
      failed: p.failed,
      sats: round(p.sats),
      tokens: { input: p.inputTokens, output: p.outputTokens },
      ...(p.attempts > 0 ? { attempts: p.attempts, hedges: p.hedges } : {}),
    }));
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
