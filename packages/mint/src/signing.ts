/**
 * The mint side of NUT-00 blind signatures and NUT-12 DLEQ proofs, all through cashu-ts's own crypto.
 */
import {
  createBlindSignature,
  createDLEQProof,
  hashToCurve,
  pointFromHex,
  verifyUnblindedSignature,
} from "@cashu/cashu-ts";
import { ErrorCode, refuse } from "./errors.js";
import type { Keyset } from "./keysets.js";

const utf8 = new TextEncoder();

/** NUT-00 `BlindSignature` with its NUT-12 DLEQ proof, as sent on the wire. */
export interface BlindSignatureJson {
  id: string;
  amount: number;
  C_: string;
  dleq: { e: string; s: string };
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** Y = hash_to_curve(secret): how NUT-07 and the spent set identify a proof. */
export function proofY(secret: string): string {
  return hashToCurve(utf8.encode(secret)).toHex(true);
}

/** Signs one output (B_ → C_) with the key for `amount`, attaching a DLEQ proof. */
export function signOutput(keyset: Keyset, amount: number, B_: string): BlindSignatureJson {
  const key = keyset.privateKey(amount);
  if (!key) {
    refuse(ErrorCode.AMOUNT_OUT_OF_RANGE, `amount ${amount} is not a denomination of keyset ${keyset.id}`);
  }
  let point: ReturnType<typeof pointFromHex>;
  try {
    point = pointFromHex(B_);
  } catch {
    refuse(ErrorCode.BAD_REQUEST, `output B_ ${B_} is not a point on secp256k1`);
  }
  const { C_ } = createBlindSignature(point, key, keyset.id);
  const dleq = createDLEQProof(point, key);
  return { id: keyset.id, amount, C_: C_.toHex(true), dleq: { e: hex(dleq.e), s: hex(dleq.s) } };
}

/** True when C is the mint's signature on `secret` under the keyset key for `amount`. */
export function isValidProofSignature(keyset: Keyset, amount: number, secret: string, C: string): boolean {
  const key = keyset.privateKey(amount);
  if (!key) return false;
  try {
    return verifyUnblindedSignature({ id: keyset.id, secret: utf8.encode(secret), C: pointFromHex(C) }, key);
  } catch {
    return false; // C is not a point on the curve
  }
}
