/**
 * NUT-18 payment requests (`creqA…`) asking for ecash locked to a provider's payment key: what a provider
 * attaches to `payment-required` so any Cashu wallet knows the amount, unit, mints and lock to pay with.
 */
import { decodePaymentRequest, PaymentRequest } from "@cashu/cashu-ts";

export interface LockedPaymentRequest {
  amountSats: number;
  mints: string[];
  /** The provider's payment key (compressed hex): proofs must be P2PK-locked to it (NUT-10 option). */
  pubkey: string;
  /** Ties the payment to a job (the job id). */
  id?: string;
  description?: string;
  unit?: string;
}

export function encodeLockedPaymentRequest(r: LockedPaymentRequest): string {
  return new PaymentRequest(
    undefined, // no transport: the token goes back in the job request's encrypted `cashu` param
    r.id,
    r.amountSats,
    r.unit ?? "sat",
    r.mints,
    r.description,
    true,
    { kind: "P2PK", data: r.pubkey, tags: [] },
  ).toEncodedCreqA();
}

export function decodeLockedPaymentRequest(encoded: string): LockedPaymentRequest {
  const r = decodePaymentRequest(encoded);
  if (r.nut10?.kind !== "P2PK") throw new Error("payment request does not ask for a P2PK lock");
  return {
    amountSats: r.amount?.toNumber() ?? 0,
    mints: r.mints ?? [],
    pubkey: r.nut10.data,
    ...(r.id ? { id: r.id } : {}),
    ...(r.description ? { description: r.description } : {}),
    unit: r.unit ?? "sat",
  };
}
