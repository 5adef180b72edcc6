/**
 * NIP-11: a relay's information document, fetched once per pool, and the write limits read from it.
 * A relay that publishes none (or cannot be reached over HTTP) gets the conservative defaults below.
 */

/** The parts of a NIP-11 document the pool reads (the raw document is kept as `document`). */
export interface RelayInformation {
  url: string;
  /** The document as served, unvalidated. */
  document: Record<string, unknown>;
  /** `limitation`, each field read as a number or boolean where it is one. */
  limitation: RelayLimitation;
}

export interface RelayLimitation {
  maxMessageBytes?: number;
  maxContentBytes?: number;
  maxEventTags?: number;
  maxSubscriptions?: number;
  maxFilters?: number;
  maxLimit?: number;
  minPowDifficulty?: number;
  /** Seconds into the past / future `created_at` may be. */
  createdAtLowerLimit?: number;
  createdAtUpperLimit?: number;
  authRequired?: boolean;
  restrictedWrites?: boolean;
  paymentRequired?: boolean;
}

/** What every relay of a pool will accept: the smallest limit over them, the strictest flag. */
export interface WriteLimits {
  maxMessageBytes: number;
  maxContentBytes: number;
  maxEventTags: number;
  maxSubscriptions: number;
  maxFilters: number;
  maxLimit: number;
  minPowDifficulty: number;
  /** How far back / ahead of now `created_at` may be, in seconds; absent = the relays state no bound. */
  createdAtLowerLimit?: number;
  createdAtUpperLimit?: number;
  authRequired: boolean;
  restrictedWrites: boolean;
  paymentRequired: boolean;
}

/**
 * Assumed for a relay without a NIP-11 `limitation` field: the example values of NIP-11 where public relays
 * commonly run tighter than strfry's defaults (64 KiB messages, 32 KiB content, 100 tags), no proof of work.
 */
export const DEFAULT_WRITE_LIMITS: Readonly<WriteLimits> = Object.freeze({
  maxMessageBytes: 65_536,
  maxContentBytes: 32_768,
  maxEventTags: 100,
  maxSubscriptions: 20,
  maxFilters: 10,
  maxLimit: 500,
  minPowDifficulty: 0,
  authRequired: false,
  restrictedWrites: false,
  paymentRequired: false,
});

const NUMBER_FIELDS = {
  max_message_length: "maxMessageBytes",
  max_content_length: "maxContentBytes",
  max_event_tags: "maxEventTags",
  max_subscriptions: "maxSubscriptions",
  max_filters: "maxFilters",
  max_limit: "maxLimit",
  min_pow_difficulty: "minPowDifficulty",
  created_at_lower_limit: "createdAtLowerLimit",
  created_at_upper_limit: "createdAtUpperLimit",
} as const;
const FLAG_FIELDS = {
  auth_required: "authRequired",
  restricted_writes: "restrictedWrites",
  payment_required: "paymentRequired",
} as const;

/** GETs the document with Accept: application/nostr+json; undefined when there is none or it is not JSON. */
export async function fetchRelayInfo(
  url: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<RelayInformation | undefined> {
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    const res = await fetch(url.replace(/^ws/i, "http"), {
      headers: { accept: "application/nostr+json" },
      signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
    });
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    const document: unknown = await res.json();
    return isRecord(document)
      ? { url, document, limitation: readLimitation(document.limitation) }
      : undefined;
  } catch {
    return undefined;
  }
}

function readLimitation(value: unknown): RelayLimitation {
  const limitation: RelayLimitation = {};
  if (!isRecord(value)) return limitation;
  for (const [field, key] of Object.entries(NUMBER_FIELDS)) {
    const n = value[field];
    if (typeof n === "number" && Number.isFinite(n) && n >= 0) limitation[key] = Math.floor(n);
  }
  for (const [field, key] of Object.entries(FLAG_FIELDS)) {
    if (typeof value[field] === "boolean") limitation[key] = value[field];
  }
  return limitation;
}

/** The write limits of one relay: its published limitation over the defaults (0 means "no limit" for sizes). */
export function writeLimitsOf(info: RelayInformation | undefined): WriteLimits {
  const limits: WriteLimits = { ...DEFAULT_WRITE_LIMITS };
  const published = info?.limitation ?? {};
  for (const key of Object.values(NUMBER_FIELDS)) {
    const n = published[key];
    if (n === undefined) continue;
    if (key === "minPowDifficulty" || key.startsWith("createdAt")) limits[key] = n;
    else if (n > 0) limits[key] = n; // a published limit replaces the default, looser or tighter
  }
  for (const key of Object.values(FLAG_FIELDS)) limits[key] = published[key] ?? false;
  return limits;
}

/** The smallest of each limit, the largest difficulty, any flag set. */
export function smallestLimits(all: readonly WriteLimits[]): WriteLimits {
  if (all.length === 0) return { ...DEFAULT_WRITE_LIMITS };
  const [first, ...rest] = all as [WriteLimits, ...WriteLimits[]];
  const out: WriteLimits = { ...first };
  for (const l of rest) {
    out.maxMessageBytes = Math.min(out.maxMessageBytes, l.maxMessageBytes);
    out.maxContentBytes = Math.min(out.maxContentBytes, l.maxContentBytes);
    out.maxEventTags = Math.min(out.maxEventTags, l.maxEventTags);
    out.maxSubscriptions = Math.min(out.maxSubscriptions, l.maxSubscriptions);
    out.maxFilters = Math.min(out.maxFilters, l.maxFilters);
    out.maxLimit = Math.min(out.maxLimit, l.maxLimit);
    out.minPowDifficulty = Math.max(out.minPowDifficulty, l.minPowDifficulty);
    out.authRequired ||= l.authRequired;
    out.restrictedWrites ||= l.restrictedWrites;
    out.paymentRequired ||= l.paymentRequired;
    for (const key of ["createdAtLowerLimit", "createdAtUpperLimit"] as const) {
      const a = out[key];
      const b = l[key];
      if (b !== undefined) out[key] = a === undefined ? b : Math.min(a, b);
    }
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
