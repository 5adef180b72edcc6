/**
 * NIP-32 verdicts between buyers (opt-in): publishing ours about providers caught, reading those of buyers
 * the user trusts. HOOK (integrator): @pylon/trust's `publishVerdict` / `readVerdicts` are being written
 * beside this work; they are looked up at run time so this builds with or without them. Once they are on
 * main, import them statically here and drop the lookup.
 */
import type { RelayPool } from "@pylon/nostr";
import * as trust from "@pylon/trust";

export interface Verdict {
  provider: string;
  jobIds: string[];
  reason: string;
}

type PublishVerdict = (pool: RelayPool, verdict: Verdict) => Promise<unknown>;
type ReadVerdicts = (
  pool: RelayPool,
  authors: string[],
  options: { timeoutMs: number },
) => Promise<Map<string, { authors: string[]; jobIds: string[] }>>;

const exported = trust as unknown as Record<string, unknown>;

/** Publishes a verdict; false when @pylon/trust has no `publishVerdict` yet (nothing sent). */
export async function publishVerdictHook(pool: RelayPool, verdict: Verdict): Promise<boolean> {
  const publish = exported.publishVerdict as PublishVerdict | undefined;
  if (typeof publish !== "function") return false;
  await publish(pool, verdict);
  return true;
}

/** Providers labelled cheaters by `authors`, with how many of them did; empty without `readVerdicts`. */
export async function readVerdictsHook(
  pool: RelayPool,
  authors: string[],
  timeoutMs: number,
): Promise<Map<string, number>> {
  const read = exported.readVerdicts as ReadVerdicts | undefined;
  if (typeof read !== "function" || authors.length === 0) return new Map();
  const verdicts = await read(pool, authors, { timeoutMs });
  return new Map([...verdicts].map(([provider, v]) => [provider, new Set(v.authors).size]));
}
