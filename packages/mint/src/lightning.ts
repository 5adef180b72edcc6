/**
 * Fake Lightning: invoices are real BOLT-11 syntax but nothing is ever paid. Mint quotes count as paid the
 * moment they exist (unless the mint was started with `autoPay: false`), and every payment succeeds at once
 * for a fixed fee, so melts always return some NUT-08 change.
 */
import { createHmac, randomBytes } from "node:crypto";
import { fakeInvoice, invoiceAmountMsat } from "./bolt11.js";

/** What the fake network charges per payment, in msat (1 sat). */
const FEE_MSAT = 1000n;

export function msatPerUnit(unit: string): bigint {
  return unit === "msat" ? 1n : 1000n;
}

export class FakeLightning {
  private readonly nodeKey: Uint8Array;

  constructor(seed: Uint8Array) {
    // One stable node identity per mint, so every invoice it issues names the same payee.
    this.nodeKey = new Uint8Array(createHmac("sha256", seed).update("pylon-mint lightning node").digest());
  }

  /** An invoice for `amount` of `unit`, as a NUT-04 mint quote's `request`. */
  createInvoice(
    amount: number,
    unit: string,
    description: string | undefined,
    expirySeconds: number,
  ): string {
    return fakeInvoice({
      amountMsat: BigInt(amount) * msatPerUnit(unit),
      description,
      expirySeconds,
      nodeKey: this.nodeKey,
    }).request;
  }

  /** The invoice's amount in msat; null when amountless; undefined when it is not a BOLT-11 invoice. */
  amountMsat(invoice: string): bigint | null | undefined {
    return invoiceAmountMsat(invoice);
  }

  /** NUT-05 fee reserve in `unit`: 1% with a floor of 2 sat. */
  feeReserve(amount: number, unit: string): number {
    return Math.max(2 * Number(1000n / msatPerUnit(unit)), Math.ceil(amount / 100));
  }

  /** "Pays" at once: the fee actually charged, in `unit`, and a preimage. */
  pay(unit: string): { feePaid: number; preimage: string } {
    return { feePaid: Number(FEE_MSAT / msatPerUnit(unit)), preimage: randomBytes(32).toString("hex") };
  }
}
