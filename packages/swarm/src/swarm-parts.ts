/** Small parts of createSwarm: batch sizing for the relays' limits, a fresh key. */
import { randomBytes } from "node:crypto";
import type { RequestLimits } from "./job-attempt.js";

/** Bytes kept free in a batch for a tab deposit's token (a few locked proofs, encrypted) and the envelope. */
const DEPOSIT_ROOM_BYTES = 4_096;
const ENVELOPE_BYTES = 1_024;
/** Message bytes per character of batch items: escaped once more inside the params, encrypted, base64. */
const BYTES_PER_CHAR = 1.82;

/** Most characters of items in one batch so that it fits the relays' limits with a deposit aboard. */
export function batchCharsFor(limits: RequestLimits | undefined): number {
  const bytes = Math.min(limits?.maxMessageBytes ?? Infinity, limits?.maxContentBytes ?? Infinity);
  if (!Number.isFinite(bytes)) return 36_000;
  return Math.max(256, Math.floor((bytes - ENVELOPE_BYTES - DEPOSIT_ROOM_BYTES) / BYTES_PER_CHAR));
}

/** 32 random bytes: a valid secp256k1 secret key with overwhelming probability (a fresh buyer identity). */
export function freshKey(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}
