import { type Tag, tagValue } from "./tags.js";

/** NIP-40 `expiration` of an event (unix seconds), or undefined when absent or unreadable. */
export function expirationOf(event: { tags: readonly Tag[] }): number | undefined {
  return readTimestamp(tagValue(event.tags, "expiration"));
}

/** True once `now` (unix seconds) has reached the event's NIP-40 expiration. */
export function isExpired(event: { tags: readonly Tag[] }, now: number): boolean {
  const expiration = expirationOf(event);
  return expiration !== undefined && now >= expiration;
}

export function expirationTag(timestamp: number): Tag {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError(`expiration must be a unix timestamp in seconds, got ${timestamp}`);
  }
  return ["expiration", String(timestamp)];
}

/** Reads a unix-seconds string; tolerates surrounding whitespace, rejects anything else. */
export function readTimestamp(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!/^\d{1,15}$/.test(trimmed)) return undefined;
  return Number(trimmed);
}
