/**
 * Sharing verdicts between buyers (opt-in): a buyer that caught a provider publishes a NIP-32 label
 * (protocol nip32.ts) signed with its own key; a buyer that trusts it reads such labels and learns which
 * providers to watch. Only labels signed by the authors the user named count: the pool verified every
 * signature on arrival, and a relay that hands us someone else's label (whatever the filter said) is
 * ignored here too. What a reader does with a report is the swarm's rule (docs/trust.md "Sharing verdicts"):
 * every job checked, trust halved per report, never a block on labels alone.
 */
import type { PublishResult, RelayPool } from "@pylon/nostr";
import {
  buildVerdictLabel,
  isHex64,
  LABEL_KIND,
  parseVerdictLabel,
  VERDICT_LABEL,
  VERDICT_NAMESPACE,
} from "@pylon/protocol";

/** A provider caught, as the buyer publishes it. */
export interface Verdict {
  /** The provider caught (hex pubkey). */
  provider: string;
  /** Request ids (hex) of its struck answers: the evidence (at most 50 are published). */
  jobIds: readonly string[];
  /** Why, in words. */
  reason: string;
  /** Unix seconds. Default now. */
  now?: number;
}

/** Bounds of `readVerdicts`. */
export interface ReadVerdictsOptions {
  /** Bound on the whole read, all relays and pages. Default 10,000. */
  timeoutMs?: number;
  /** Aborts the read (rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** What the trusted buyers said about one provider. */
export interface ProviderReports {
  /** The trusted buyers (hex pubkeys) who labelled it a cheater, each once. */
  authors: string[];
  /** The evidence they named, each job once. */
  jobIds: string[];
}

/** Authors per filter: relays cap the values in one filter (ours at 1,000; public ones lower). */
const AUTHORS_PER_FILTER = 100;

/**
 * Signs the verdict with the pool's key (`pool.sign`: proof of work and created_at as its relays require)
 * and publishes it to every relay. Resolves with one result per relay (never rejects for relay trouble);
 * throws when the pool has no signer or the verdict is malformed (a provider or job id that is not hex).
 */
export async function publishVerdict(pool: RelayPool, verdict: Verdict): Promise<PublishResult[]> {
  const template = buildVerdictLabel({
    provider: verdict.provider,
    jobIds: verdict.jobIds,
    reason: verdict.reason,
    now: verdict.now ?? Math.floor(Date.now() / 1000),
  });
  return pool.publish(await pool.sign(template));
}

/**
 * The providers that `authors` (hex pubkeys the user trusts) labelled cheaters, read from every relay of
 * the pool (all pages). Rejects with the pool's RelayError when no relay answered at all.
 */
export async function readVerdicts(
  pool: RelayPool,
  authors: readonly string[],
  options: ReadVerdictsOptions = {},
): Promise<Map<string, ProviderReports>> {
  for (const author of authors) {
    if (!isHex64(author)) throw new TypeError(`trusted author must be a hex pubkey, got "${author}"`);
  }
  const trusted = [...new Set(authors)];
  const reports = new Map<string, { authors: Set<string>; jobIds: Set<string> }>();
  if (trusted.length === 0) return new Map();
  const filters = [];
  for (let i = 0; i < trusted.length; i += AUTHORS_PER_FILTER) {
    filters.push({
      kinds: [LABEL_KIND],
      authors: trusted.slice(i, i + AUTHORS_PER_FILTER),
      "#L": [VERDICT_NAMESPACE],
      "#l": [VERDICT_LABEL],
    });
  }
  const events = await pool.queryAll(filters, {
    timeoutMs: options.timeoutMs ?? 10_000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const allowed = new Set(trusted);
  for (const event of events) {
    const label = parseVerdictLabel(event);
    if (!label || !allowed.has(label.author)) continue;
    const entry = reports.get(label.provider) ?? { authors: new Set(), jobIds: new Set() };
    entry.authors.add(label.author);
    for (const id of label.jobIds) entry.jobIds.add(id);
    reports.set(label.provider, entry);
  }
  return new Map(
    [...reports].map(([provider, entry]) => [
      provider,
      { authors: [...entry.authors], jobIds: [...entry.jobIds] },
    ]),
  );
}
