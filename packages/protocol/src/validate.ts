/** Argument checks shared by the builders. Builders are fed by our own code, so they throw on misuse. */
import { isHex64 } from "./tags.js";

export function assertTimestamp(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a unix timestamp in seconds, got ${value}`);
  }
}

export function assertHex64(value: string, what: string): void {
  if (!isHex64(value)) throw new TypeError(`${what} must be 64 lowercase hex characters, got "${value}"`);
}

const RELAY_URL = /^wss?:\/\/[^\s]+$/i;

export function isRelayUrl(value: string): boolean {
  return RELAY_URL.test(value);
}

export function assertRelayUrl(value: string, what = "relay"): void {
  if (!isRelayUrl(value)) throw new TypeError(`${what} must be a ws:// or wss:// URL, got "${value}"`);
}
