import { normalizeURL } from "nostr-tools/utils";

/** Normalises a relay URL (nostr-tools rules) and accepts only ws:// and wss://. */
export function normaliseRelayUrl(url: string): string {
  if (typeof url !== "string" || url.trim() === "") {
    throw new TypeError(`relay URL must be a non-empty string, got ${JSON.stringify(url)}`);
  }
  const trimmed = url.trim();
  if (!/^wss?:\/\//i.test(trimmed)) {
    throw new TypeError(`relay URL must start with ws:// or wss://, got ${JSON.stringify(url)}`);
  }
  try {
    return normalizeURL(trimmed);
  } catch {
    throw new TypeError(`invalid relay URL ${JSON.stringify(url)}`);
  }
}
