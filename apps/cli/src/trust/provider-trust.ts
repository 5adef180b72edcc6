/**
 * The trust and digest columns of `pylon providers`: a provider's score in this buyer's reputation book (the
 * selection weight; 0.5 for a stranger) and the GGUF digest it announces for its model.
 */
import type { ProviderSummary } from "@pylon/swarm";
import { type ReputationBook, trustScore } from "@pylon/trust";

export interface ProviderTrust {
  /** "sha256:<64 hex>" of its (first) model, or null when it announces none. */
  digest: string | null;
  trust: { score: number; blocked: boolean; jobs: number; checksPassed: number; checksFailed: number };
}

export function trustOf(book: ReputationBook | undefined, pubkey: string): ProviderTrust["trust"] {
  const record = book?.get(pubkey);
  return {
    score: Math.round(trustScore(record) * 1000) / 1000,
    blocked: record?.blocked !== undefined,
    jobs: record?.jobs ?? 0,
    checksPassed: record?.checksPassed ?? 0,
    checksFailed: record?.checksFailed ?? 0,
  };
}

/**
 * The digest a provider summary's models carry. Read defensively: a summary from a swarm without model
 * identity has none, and a malformed one is not shown.
 */
export function announcedDigest(summary: ProviderSummary): string | null {
  return summary.models.find((model) => model.digest !== undefined)?.digest ?? null;
}

/** The first 12 hex digits of a digest, "—" when there is none. */
export function shortDigest(digest: string | null): string {
  return digest ? digest.slice("sha256:".length, "sha256:".length + 12) : "—";
}
