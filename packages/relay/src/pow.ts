/** NIP-13 proof of work as the relay counts it. */
import type { NostrEvent } from "./event.js";

/** Leading zero bits of a lowercase hex id. */
export function leadingZeroBits(hex: string): number {
  let bits = 0;
  for (const char of hex) {
    const nibble = Number.parseInt(char, 16);
    if (nibble === 0) {
      bits += 4;
      continue;
    }
    return bits + Math.clz32(nibble) - 28;
  }
  return bits;
}

/**
 * The work an event proves: its id's leading zero bits, but no more than the target its nonce tag commits
 * to (NIP-13), so a spammer mining for less who gets lucky does not pass; no nonce tag, no work.
 */
export function powDifficulty(event: NostrEvent): number {
  const nonce = event.tags.find((tag) => tag[0] === "nonce");
  const target = Number(nonce?.[2]);
  if (!nonce || !Number.isInteger(target)) return 0;
  return Math.min(leadingZeroBits(event.id), target);
}
