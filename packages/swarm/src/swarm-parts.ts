/** Small parts of createSwarm: the payment-aware selector, batch sizing for the relays' limits, a fresh key. */
import { randomBytes } from "node:crypto";
import type { RequestLimits } from "./job-attempt.js";
import type { PaymentStrategy } from "./payment.js";
import { quoteMsats, type Selector } from "./selection.js";

/** Only providers the payment strategy can pay are candidates (and, lazy tabs, may start a payment now). */
export function paymentAware(selector: Selector, payment: PaymentStrategy): Selector {
  return {
    eligible: (needs, exclude) => selector.eligible(needs, exclude).filter((entry) => payment.accepts(entry)),
    whyNone: (needs) =>
      selector.whyNone(needs, (entry) =>
        payment.accepts(entry)
          ? undefined
          : "takes no payment this run can make (no mint given, or another mint)",
      ),
    pick: (needs, exclude) => {
      const refused = new Set(exclude);
      for (;;) {
        const entry = selector.pick(needs, refused);
        if (!entry) return entry;
        // LAZYTABS-WIRING (minimal, for measurement; helper dispatch wires readiness into the score):
        const job = { quoteMsats: quoteMsats(entry, needs), ...needs };
        if (payment.accepts(entry) && payment.readiness?.(entry, job).mayStart !== false) return entry;
        refused.add(entry.pubkey);
      }
    },
  };
}

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
