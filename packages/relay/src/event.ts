/**
 * The Nostr event as the relay sees it: shape validation of untrusted JSON, kind classes (NIP-01) and the
 * tag readings the store needs (d tag, NIP-40 expiration).
 */

export interface NostrEvent {
  id: string;
  pubkey: string;
  created_at: number;
  kind: number;
  tags: string[][];
  content: string;
  sig: string;
}

export type ShapeResult = { ok: true; event: NostrEvent } | { ok: false; reason: string };

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

export function isHex64(value: unknown): value is string {
  return typeof value === "string" && HEX64.test(value);
}

/**
 * Checks that an untrusted value has exactly the types NIP-01 requires, and copies the seven fields into a
 * fresh object so that nothing else the client sent (extra fields, cached "verified" symbols) rides along.
 */
export function parseEventShape(value: unknown, maxTags: number): ShapeResult {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, reason: "event must be a JSON object" };
  }
  const v = value as Record<string, unknown>;
  if (!isHex64(v.id)) return { ok: false, reason: "id must be 64 lowercase hex characters" };
  if (!isHex64(v.pubkey)) return { ok: false, reason: "pubkey must be 64 lowercase hex characters" };
  if (typeof v.sig !== "string" || !HEX128.test(v.sig)) {
    return { ok: false, reason: "sig must be 128 lowercase hex characters" };
  }
  if (typeof v.kind !== "number" || !Number.isInteger(v.kind) || v.kind < 0 || v.kind > 65_535) {
    return { ok: false, reason: "kind must be an integer between 0 and 65535" };
  }
  if (typeof v.created_at !== "number" || !Number.isSafeInteger(v.created_at) || v.created_at < 0) {
    return { ok: false, reason: "created_at must be a non-negative integer" };
  }
  if (typeof v.content !== "string") return { ok: false, reason: "content must be a string" };
  if (!Array.isArray(v.tags)) return { ok: false, reason: "tags must be an array" };
  if (v.tags.length > maxTags) return { ok: false, reason: `too many tags (${v.tags.length} > ${maxTags})` };
  for (const tag of v.tags) {
    if (!Array.isArray(tag)) return { ok: false, reason: "each tag must be an array of strings" };
    for (const item of tag) {
      if (typeof item !== "string") return { ok: false, reason: "each tag must be an array of strings" };
    }
  }
  return {
    ok: true,
    event: {
      id: v.id,
      pubkey: v.pubkey,
      created_at: v.created_at,
      kind: v.kind,
      tags: v.tags as string[][],
      content: v.content,
      sig: v.sig,
    },
  };
}

/** Canonical JSON of a validated event: what is stored and sent, in a fixed field order. */
export function serializeForWire(event: NostrEvent): string {
  return JSON.stringify({
    id: event.id,
    pubkey: event.pubkey,
    created_at: event.created_at,
    kind: event.kind,
    tags: event.tags,
    content: event.content,
    sig: event.sig,
  });
}

export const KIND_DELETION = 5;
export const KIND_CLIENT_AUTH = 22_242;

/** Kinds 0, 3 and 10000–19999: only the newest per (pubkey, kind) is kept. */
export function isReplaceableKind(kind: number): boolean {
  return kind === 0 || kind === 3 || (kind >= 10_000 && kind < 20_000);
}

/** Kinds 20000–29999: delivered to live subscribers, never stored. */
export function isEphemeralKind(kind: number): boolean {
  return kind >= 20_000 && kind < 30_000;
}

/** Kinds 30000–39999: only the newest per (pubkey, kind, d tag) is kept. */
export function isAddressableKind(kind: number): boolean {
  return kind >= 30_000 && kind < 40_000;
}

/**
 * The replacement slot of an event: "" for replaceable kinds, the d tag's value for addressable kinds
 * (missing d tag = ""), and null for everything else.
 */
export function replacementKey(event: NostrEvent): string | null {
  let d = "";
  for (const tag of event.tags) {
    if (tag[0] === "d") {
      d = tag[1] ?? "";
      break;
    }
  }
  return replacementKeyFor(event.kind, d);
}

/** The slot key for a kind and d identifier, as in an `a` tag address; null when the kind has no slots. */
export function replacementKeyFor(kind: number, d: string): string | null {
  if (isReplaceableKind(kind)) return "";
  return isAddressableKind(kind) ? d : null;
}

/** NIP-40: the expiration timestamp, or null when the event has no (well-formed) expiration tag. */
export function expirationOf(event: NostrEvent): number | null {
  for (const tag of event.tags) {
    if (tag[0] === "expiration" && tag[1] !== undefined) {
      const value = Number(tag[1]);
      return Number.isSafeInteger(value) && /^\d+$/.test(tag[1]) ? value : null;
    }
  }
  return null;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
