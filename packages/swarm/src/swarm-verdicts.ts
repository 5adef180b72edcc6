/**
 * NIP-32 verdicts between buyers (opt-in), through @pylon/trust: publishing ours about providers caught,
 * reading those of buyers the user trusts (as a count of reporting buyers per provider, for the book).
 */
import type { RelayPool } from "@pylon/nostr";
import { publishVerdict, readVerdicts } from "@pylon/trust";

export interface CaughtVerdict {
  provider: string;
  /** Job ids of the struck answers; an item of a batch (`<request id>:<item>`) names its request. */
  jobIds: readonly string[];
  reason: string;
}

/** Publishes a verdict about a provider caught; the evidence is the requests that carried its struck answers. */
export async function publishCaught(pool: RelayPool, verdict: CaughtVerdict): Promise<void> {
  const requests = [...new Set(verdict.jobIds.map((id) => id.split(":")[0]!))].filter((id) =>
    /^[0-9a-f]{64}$/.test(id),
  );
  await publishVerdict(pool, { provider: verdict.provider, jobIds: requests, reason: verdict.reason });
}

/** Providers labelled cheaters by `authors`, with how many of them did. */
export async function readReports(
  pool: RelayPool,
  authors: readonly string[],
  timeoutMs: number,
): Promise<Map<string, number>> {
  if (authors.length === 0) return new Map();
  const verdicts = await readVerdicts(pool, authors, { timeoutMs });
  return new Map([...verdicts].map(([provider, reports]) => [provider, reports.authors.length]));
}
