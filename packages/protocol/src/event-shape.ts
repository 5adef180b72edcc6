/**
 * The strict NIP-01 shape of a signed event: field types, lowercase hex of the exact lengths. The one check
 * the pool (before verifying what a relay sent) and the relay (before storing what a client sent) share.
 *
 * Written by hand rather than with zod (`nostrEventSchema`) because it runs on every event before any crypto,
 * and its first problem is the relay's `invalid:` answer. It matters beyond tidiness: nostr-wasm copies the
 * decoded `sig`, `id` and `pubkey` bytes into fixed-size scratch buffers without checking their length, so an
 * over-long hex string must never reach it.
 */
import type { NostrEvent } from "nostr-tools/core";
import { isHex64 } from "./tags.js";

const HEX128 = /^[0-9a-f]{128}$/;

/** What is wrong with the shape of an untrusted event, or null when it has exactly NIP-01's types. */
export function eventShapeProblem(value: unknown, maxTags = Number.POSITIVE_INFINITY): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return "event must be a JSON object";
  const v = value as Record<string, unknown>;
  if (!isHex64(v.id)) return "id must be 64 lowercase hex characters";
  if (!isHex64(v.pubkey)) return "pubkey must be 64 lowercase hex characters";
  if (typeof v.sig !== "string" || !HEX128.test(v.sig)) return "sig must be 128 lowercase hex characters";
  if (!Number.isInteger(v.kind) || (v.kind as number) < 0 || (v.kind as number) > 65_535) {
    return "kind must be an integer between 0 and 65535";
  }
  if (!Number.isSafeInteger(v.created_at) || (v.created_at as number) < 0) {
    return "created_at must be a non-negative integer";
  }
  if (typeof v.content !== "string") return "content must be a string";
  if (!Array.isArray(v.tags)) return "tags must be an array";
  if (v.tags.length > maxTags) return `too many tags (${v.tags.length} > ${maxTags})`;
  for (const tag of v.tags) {
    if (!Array.isArray(tag)) return "each tag must be an array of strings";
    for (const item of tag) if (typeof item !== "string") return "each tag must be an array of strings";
  }
  return null;
}

export function isSignedEventShape(value: unknown): value is NostrEvent {
  return eventShapeProblem(value) === null;
}

/**
 * A plain copy with exactly the seven NIP-01 fields in their canonical order: nothing else the sender attached
 * (extra fields, nostr-tools' cached "verified" symbol) rides along.
 */
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
