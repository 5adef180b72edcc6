/**
 * The Nostr event as the relay sees it: shape validation of untrusted JSON, kind classes (NIP-01) and the
 * tag readings the store needs (d tag, NIP-40 expiration).
 */

import { eventShapeProblem, type NostrEvent, plainEvent } from "@pylon/protocol";

export type { NostrEvent };

export type ShapeResult = { ok: true; event: NostrEvent } | { ok: false; reason: string };

/**
 * Checks that an untrusted value has exactly the types NIP-01 requires (the check @pylon/protocol shares with
 * the pool), and copies the seven fields into a fresh object so that nothing else the client sent rides along.
 */
export function parseEventShape(value: unknown, maxTags: number): ShapeResult {
  const problem = eventShapeProblem(value, maxTags);
  return problem === null
    ? { ok: true, event: plainEvent(value as NostrEvent) }
    : { ok: false, reason: problem };
}

/** Canonical JSON of a validated event: what is stored and sent, in a fixed field order. */
export function serialiseForWire(event: NostrEvent): string {
  return JSON.stringify(plainEvent(event));
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
