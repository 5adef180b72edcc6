/**
 * The pool's checks of what callers pass it (events, filters, numeric options), `created_at` windows, and
 * the relays a publish goes to.
 */
import { isSignedEventShape } from "@pylon/protocol";
import type { NostrEvent } from "nostr-tools/core";
import type { Filter } from "nostr-tools/filter";
import type { WriteLimits } from "./relay-info.js";
import { normaliseRelayUrl } from "./relay-url.js";

/** `created_at` (default now) moved inside the relays' window, a few seconds clear of its edges. */
export function withinWindow(createdAt: number | undefined, limits: WriteLimits): number {
  const now = Math.floor(Date.now() / 1000);
  let at = createdAt ?? now;
  const margin = 5;
  if (limits.createdAtUpperLimit !== undefined)
    at = Math.min(at, now + Math.max(0, limits.createdAtUpperLimit - margin));
  if (limits.createdAtLowerLimit !== undefined)
    at = Math.max(at, now - Math.max(0, limits.createdAtLowerLimit - margin));
  return at;
}

export function assertSignedEvent(event: unknown): asserts event is NostrEvent {
  if (!isSignedEventShape(event)) {
    throw new TypeError(
      "publish: expected a signed event (id, pubkey, sig as lowercase hex; kind, tags, content)",
    );
  }
}

export function normaliseFilters(filters: Filter | readonly Filter[]): Filter[] {
  const list = Array.isArray(filters) ? [...filters] : [filters as Filter];
  if (list.length === 0) throw new TypeError("at least one filter is required");
  for (const filter of list) {
    if (typeof filter !== "object" || filter === null || Array.isArray(filter)) {
      throw new TypeError(`a filter must be an object, got ${JSON.stringify(filter)}`);
    }
  }
  return list;
}

export function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

export function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`${name} must be a non-negative number, got ${value}`);
  return value;
}

/**
 * The connections a publish goes to (PublishOptions.relays): those named, or every one when none is named or
 * none of those named is open now (the recipient may be heard elsewhere by now; a closed relay would only
 * make it wait).
 */
export function publishTargets<C extends { url: string; openRelay: unknown }>(
  connections: readonly C[],
  relays: readonly string[] | undefined,
): readonly C[] {
  if (!relays || relays.length === 0) return connections;
  const wanted = new Set(relays.map(normaliseRelayUrl));
  const chosen = connections.filter((connection) => wanted.has(connection.url));
  return chosen.some((connection) => connection.openRelay !== undefined) ? chosen : connections;
}
