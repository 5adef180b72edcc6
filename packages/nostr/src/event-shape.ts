import type { NostrEvent } from "nostr-tools/core";

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

/**
 * Strict structural check of a signed event (NIP-01 field types, lowercase hex of the exact lengths).
 *
 * This runs before any crypto. It matters beyond tidiness: nostr-wasm copies the decoded `sig`, `id` and
 * `pubkey` bytes into fixed-size scratch buffers without checking their length, so an over-long hex string
 * from a hostile relay must never reach it.
 */
export function isSignedEventShape(value: unknown): value is NostrEvent {
  if (typeof value !== "object" || value === null) return false;
  const event = value as Record<string, unknown>;
  if (typeof event.id !== "string" || !HEX64.test(event.id)) return false;
  if (typeof event.pubkey !== "string" || !HEX64.test(event.pubkey)) return false;
  if (typeof event.sig !== "string" || !HEX128.test(event.sig)) return false;
  if (!Number.isSafeInteger(event.created_at) || (event.created_at as number) < 0) return false;
  if (!Number.isInteger(event.kind) || (event.kind as number) < 0 || (event.kind as number) > 65535) {
    return false;
  }
  if (typeof event.content !== "string") return false;
  return areTags(event.tags);
}

function areTags(tags: unknown): tags is string[][] {
  if (!Array.isArray(tags)) return false;
  for (const tag of tags) {
    if (!Array.isArray(tag)) return false;
    for (const item of tag) if (typeof item !== "string") return false;
  }
  return true;
}

/** A plain copy with exactly the seven NIP-01 fields (drops nostr-tools' cached "verified" symbol). */
export function plainEvent(event: NostrEvent): NostrEvent {
  return {
    id: event.id,
    pubkey: event.pubkey,
    created_at: event.created_at,
    kind: event.kind,
    tags: event.tags,
    content: event.content,
    sig: event.sig,
  };
}
