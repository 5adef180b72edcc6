/**
 * NIP-42 client authentication: checks a signed kind-22242 event against the challenge this connection was
 * given and the relay's own URL.
 */
import { KIND_CLIENT_AUTH, type NostrEvent } from "./event.js";

function tagValue(event: NostrEvent, name: string): string | undefined {
  for (const tag of event.tags) if (tag[0] === name) return tag[1];
  return undefined;
}

/** "host:port" of a ws(s)/http(s) URL, lower-cased, with "localhost" and "127.0.0.1" treated as one host. */
function relayAddress(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (!["ws:", "wss:", "http:", "https:"].includes(parsed.protocol)) return null;
    const secure = parsed.protocol === "wss:" || parsed.protocol === "https:";
    const port = parsed.port || (secure ? "443" : "80");
    const host = parsed.hostname.toLowerCase() === "localhost" ? "127.0.0.1" : parsed.hostname.toLowerCase();
    return `${host}:${port}`;
  } catch {
    return null;
  }
}

/**
 * Returns null when the AUTH event is acceptable, else the reason (without prefix). The signature must
 * already have been verified. `relayUrls` are the addresses this relay answers to (its own URL and the
 * Host header the client connected with).
 */
export function checkAuthEvent(
  event: NostrEvent,
  challenge: string,
  relayUrls: readonly string[],
  now: number,
  windowSeconds: number,
): string | null {
  if (event.kind !== KIND_CLIENT_AUTH) return `AUTH event must be kind ${KIND_CLIENT_AUTH}`;
  if (Math.abs(event.created_at - now) > windowSeconds) return "AUTH event created_at is too far from now";
  if (tagValue(event, "challenge") !== challenge) return "AUTH challenge does not match";
  const claimed = relayAddress(tagValue(event, "relay") ?? "");
  if (claimed === null) return "AUTH relay tag is missing or not a URL";
  if (!relayUrls.some((url) => relayAddress(url) === claimed)) return "AUTH relay tag names another relay";
  return null;
}
