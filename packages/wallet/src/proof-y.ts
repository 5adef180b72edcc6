import { hashToCurve } from "@cashu/cashu-ts";

const encoder = new TextEncoder();

/**
 * Y = hash_to_curve(secret) as compressed hex: the proof's identity at the mint (NUT-07 states, spent
 * book) and therefore the key of every table that must never hold the same proof twice.
 */
export function proofY(secret: string): string {
  return hashToCurve(encoder.encode(secret)).toHex(true);
}
