/**
 * Verdicts shared between buyers as NIP-32 labels (kind 1985): "this provider cheated me, here are the
 * jobs". Pylon's own namespace `pylon/trust` keeps them apart from everyone else's labels; the label value
 * is `cheater`; the provider is the `p` target and the evidence (the struck jobs' request ids) rides in `e`
 * tags; the content says why in words. Relays index `L` and `l`, so a reader asks for exactly these.
 */
import { DEFAULT_MAX_EVENT_CHARS, type EventTemplate, readEnvelope } from "./event.js";
import { isHex64, pubkeysTagged, tagsNamed } from "./tags.js";
import { assertHex64, assertTimestamp } from "./validate.js";

/** NIP-32 label events. */
export const LABEL_KIND = 1985;
/** The `L` namespace of Pylon's verdicts. */
export const VERDICT_NAMESPACE = "pylon/trust";
/** The `l` value of a verdict. */
export const VERDICT_LABEL = "cheater";
/** Job ids one verdict carries as evidence (more add nothing a reader needs, and relays cap tags). */
export const MAX_VERDICT_JOBS = 50;
/** Characters of the reason kept (NIP-32: labels are short). */
export const MAX_VERDICT_REASON_CHARS = 500;

/** What `buildVerdictLabel` labels. */
export interface VerdictLabelSpec {
  /** The provider caught (hex pubkey). */
  provider: string;
  /** Request ids of its struck answers, the evidence (the first MAX_VERDICT_JOBS distinct ones are kept). */
  jobIds: readonly string[];
  /** Why, in words (e.g. "5 strikes in 5 checks"). */
  reason: string;
  /** Unix seconds. */
  now: number;
}

/** A verdict as `parseVerdictLabel` reads it. */
export interface VerdictLabel {
  /** Who labelled (the label's signer). */
  author: string;
  /** The provider it calls a cheater. */
  provider: string;
  /** The evidence: request ids of struck jobs (valid ids only, at most MAX_VERDICT_JOBS). */
  jobIds: string[];
  /** The content: why, in words. */
  reason: string;
  /** Unix seconds. */
  createdAt: number;
}

/** Kind 1985 with `L pylon/trust`, `l cheater pylon/trust`, `p <provider>`, one `e` per job; content = reason. */
export function buildVerdictLabel(spec: VerdictLabelSpec): EventTemplate {
  assertHex64(spec.provider, "provider");
  assertTimestamp(spec.now, "now");
  for (const id of spec.jobIds) assertHex64(id, "job id");
  const jobIds = [...new Set(spec.jobIds)].slice(0, MAX_VERDICT_JOBS);
  return {
    kind: LABEL_KIND,
    created_at: spec.now,
    tags: [
      ["L", VERDICT_NAMESPACE],
      ["l", VERDICT_LABEL, VERDICT_NAMESPACE],
      ["p", spec.provider],
      ...jobIds.map((id) => ["e", id]),
    ],
    content: spec.reason.slice(0, MAX_VERDICT_REASON_CHARS),
  };
}

/**
 * Reads a verdict, or undefined for anything else: another kind, another namespace or label, no single
 * provider target. Lenient about the rest (an `l` without its mark counts when the event's `L` is ours;
 * malformed `e` tags are skipped). Does not check the signature: the pool verified it on arrival.
 */
export function parseVerdictLabel(raw: unknown): VerdictLabel | undefined {
  const envelope = readEnvelope(raw, DEFAULT_MAX_EVENT_CHARS);
  if (!envelope.ok) return undefined;
  const { event, tags } = envelope.value;
  if (event.kind !== LABEL_KIND) return undefined;
  const ours = tagsNamed(tags, "L").some((tag) => tag[1] === VERDICT_NAMESPACE);
  const labelled = tagsNamed(tags, "l").some(
    (tag) => tag[1] === VERDICT_LABEL && (tag[2] === VERDICT_NAMESPACE || (tag[2] === undefined && ours)),
  );
  if (!labelled) return undefined;
  // A label targets every p it names; a verdict is about one provider, so anything else is not ours.
  const providers = pubkeysTagged(tags);
  if (providers.length !== 1) return undefined;
  const jobIds = new Set<string>();
  for (const tag of tagsNamed(tags, "e")) {
    const id = tag[1]?.trim().toLowerCase();
    if (isHex64(id) && jobIds.size < MAX_VERDICT_JOBS) jobIds.add(id);
  }
  return {
    author: event.pubkey,
    provider: providers[0] as string,
    jobIds: [...jobIds],
    reason: event.content.slice(0, MAX_VERDICT_REASON_CHARS),
    createdAt: event.created_at,
  };
}
