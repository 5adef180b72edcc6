/**
 * The mint's operations, independent of HTTP: NUT-03 swap, NUT-04 mint, NUT-05 melt (+ NUT-08 change),
 * NUT-07 check state and NUT-09 restore. Each operation verifies everything first, computes the signatures,
 * then writes in one SQLite transaction, so a crash leaves it either fully applied or not at all.
 */
import { randomBytes } from "node:crypto";
import { splitPowersOfTwo, sum } from "./amounts.js";
import { ErrorCode, refuse } from "./errors.js";
import { type Keysets, MAX_DENOMINATION } from "./keysets.js";
import { type FakeLightning, msatPerUnit } from "./lightning.js";
import type { MintUnit } from "./options.js";
import type {
  CheckStateRequest,
  MeltQuoteRequest,
  MeltRequest,
  MintQuoteRequest,
  MintRequest,
  RestoreRequest,
  SwapRequest,
} from "./schemas.js";
import { type BlindSignatureJson, signOutput } from "./signing.js";
import type { MeltQuoteRow, MintQuoteRow, Store } from "./store.js";
import { type CheckedOutputs, checkOutputs, verifyInputs } from "./verify.js";

export interface LedgerConfig {
  units: readonly MintUnit[];
  autoPay: boolean;
  maxQuoteAmount: number;
  quoteTtlSeconds: number;
}

const now = () => Math.floor(Date.now() / 1000);

/** Signs the checked outputs with the given amounts (their own, or NUT-08 change amounts for blanks). */
function signEach(entries: CheckedOutputs["entries"], amounts: number[]) {
  return amounts.map((amount, i) => {
    const entry = entries[i];
    if (!entry) throw new Error("more amounts than outputs");
    return { B_: entry.output.B_.toLowerCase(), sig: signOutput(entry.keyset, amount, entry.output.B_) };
  });
}
const newQuoteId = () => randomBytes(16).toString("hex");

/** A NUT-04 mint quote; NUT-05 melt quotes add their own fields to the same ones. */
function mintQuoteJson(q: MintQuoteRow | MeltQuoteRow) {
  return {
    quote: q.id,
    request: q.request,
    amount: q.amount,
    unit: q.unit,
    state: q.state,
    expiry: q.expiry,
  };
}

function meltQuoteJson(q: MeltQuoteRow) {
  return {
    ...mintQuoteJson(q),
    fee_reserve: q.fee_reserve,
    payment_preimage: q.preimage,
    change: q.change ? (JSON.parse(q.change) as BlindSignatureJson[]) : [],
  };
}

export class Ledger {
  constructor(
    private readonly store: Store,
    private readonly keysets: Keysets,
    private readonly lightning: FakeLightning,
    private readonly config: LedgerConfig,
  ) {}

  private requireUnit(unit: string): MintUnit {
    const known = this.config.units.find((u) => u === unit);
    if (!known) refuse(ErrorCode.UNIT_UNSUPPORTED, `unit ${unit} is not supported`);
    return known;
  }

  private requireAmountInRange(amount: number): void {
    if (amount < 1 || amount > this.config.maxQuoteAmount) {
      refuse(ErrorCode.AMOUNT_OUT_OF_RANGE, `amount must be between 1 and ${this.config.maxQuoteAmount}`);
    }
  }

  // NUT-03

  swap(req: SwapRequest): { signatures: BlindSignatureJson[] } {
    const outputs = checkOutputs(this.store, this.keysets, req.outputs);
    const inputs = verifyInputs(this.store, this.keysets, req.inputs, req.outputs);
    if (outputs.unit !== inputs.unit) {
      refuse(ErrorCode.UNIT_MISMATCH, "inputs and outputs are not of the same unit");
    }
    if (inputs.total - inputs.fee !== outputs.total) {
      refuse(
        ErrorCode.TRANSACTION_UNBALANCED,
        `transaction is not balanced: inputs ${inputs.total} - fee ${inputs.fee} != outputs ${outputs.total}`,
      );
    }
    const signed = signEach(
      outputs.entries,
      req.outputs.map((o) => o.amount),
    );
    const t = now();
    this.store.transaction(() => {
      this.store.insertSpent(inputs.proofs, "swap", t);
      this.store.insertSignatures(signed, "swap", t);
      this.store.addInputFee(inputs.unit, inputs.fee);
    });
    return { signatures: signed.map((s) => s.sig) };
  }

  // NUT-04

  createMintQuote(req: MintQuoteRequest) {
    const unit = this.requireUnit(req.unit);
    this.requireAmountInRange(req.amount);
    if (!this.keysets.activeFor(unit)) refuse(ErrorCode.KEYSET_INACTIVE, `no active keyset for ${unit}`);
    const ttl = this.config.quoteTtlSeconds;
    const quote: MintQuoteRow = {
      id: newQuoteId(),
      unit,
      amount: req.amount,
      request: this.lightning.createInvoice(req.amount, unit, req.description ?? undefined, ttl),
      state: this.config.autoPay ? "PAID" : "UNPAID",
      expiry: now() + ttl,
    };
    this.store.insertMintQuote(quote, now());
    return mintQuoteJson(quote);
  }

  mintQuote(id: string) {
    const quote = this.store.mintQuote(id);
    if (!quote) refuse(ErrorCode.BAD_REQUEST, `mint quote ${id} not found`);
    return mintQuoteJson(quote);
  }

  /** Fake Lightning settles an UNPAID quote (only needed with `autoPay: false`). */
  payMintQuote(id: string): boolean {
    return this.store.payMintQuote(id);
  }

  /**
   * Fake Lightning pays `invoice` as a payer's wallet would: the UNPAID, unexpired mint quote it belongs to
   * becomes PAID. False when this mint did not issue it, or it is paid, issued or expired.
   */
  payInvoice(invoice: string): boolean {
    const quote = this.store.mintQuoteByRequest(invoice.trim().toLowerCase());
    if (quote?.state !== "UNPAID" || quote.expiry <= now()) return false;
    return this.store.payMintQuote(quote.id);
  }

  mint(req: MintRequest): { signatures: BlindSignatureJson[] } {
    const quote = this.store.mintQuote(req.quote);
    if (!quote) refuse(ErrorCode.BAD_REQUEST, `mint quote ${req.quote} not found`);
    if (quote.state === "ISSUED") refuse(ErrorCode.QUOTE_ALREADY_ISSUED, "quote has already been issued");
    if (quote.state === "UNPAID") {
      if (quote.expiry <= now()) refuse(ErrorCode.QUOTE_EXPIRED, "quote is expired");
      refuse(ErrorCode.QUOTE_NOT_PAID, "quote request is not paid");
    }
    const outputs = checkOutputs(this.store, this.keysets, req.outputs);
    if (outputs.unit !== quote.unit) {
      refuse(ErrorCode.UNIT_MISMATCH, `outputs are not in the quote's unit ${quote.unit}`);
    }
    if (outputs.total !== quote.amount) {
      refuse(
        ErrorCode.TRANSACTION_UNBALANCED,
        `outputs total ${outputs.total} != quote amount ${quote.amount}`,
      );
    }
    const signed = signEach(
      outputs.entries,
      req.outputs.map((o) => o.amount),
    );
    const t = now();
    this.store.transaction(() => {
      if (!this.store.issueMintQuote(quote.id, t)) {
        refuse(ErrorCode.QUOTE_ALREADY_ISSUED, "quote has already been issued");
      }
      this.store.insertSignatures(signed, `mint:${quote.id}`, t);
    });
    return { signatures: signed.map((s) => s.sig) };
  }

  // NUT-05

  createMeltQuote(req: MeltQuoteRequest) {
    const unit = this.requireUnit(req.unit);
    const msat = this.lightning.amountMsat(req.request);
    if (msat === undefined) refuse(ErrorCode.BAD_REQUEST, "request is not a valid bolt11 invoice");
    if (msat === null) refuse(ErrorCode.AMOUNTLESS_INVOICE, "amountless invoices are not supported");
    const perUnit = msatPerUnit(unit);
    // Round up: the mint never pays out more than it took in.
    const amountBig = (msat + perUnit - 1n) / perUnit;
    if (amountBig > BigInt(this.config.maxQuoteAmount)) {
      refuse(ErrorCode.AMOUNT_OUT_OF_RANGE, `amount must be between 1 and ${this.config.maxQuoteAmount}`);
    }
    const amount = Number(amountBig);
    this.requireAmountInRange(amount);
    if (this.store.invoicePaid(req.request)) refuse(ErrorCode.INVOICE_ALREADY_PAID, "invoice already paid");
    const quote = {
      id: newQuoteId(),
      unit,
      request: req.request,
      amount,
      fee_reserve: this.lightning.feeReserve(amount, unit),
      expiry: now() + this.config.quoteTtlSeconds,
    };
    this.store.insertMeltQuote(quote, now());
    return meltQuoteJson({ ...quote, state: "UNPAID", preimage: null, change: null });
  }

  meltQuote(id: string) {
    const quote = this.store.meltQuote(id);
    if (!quote) refuse(ErrorCode.BAD_REQUEST, `melt quote ${id} not found`);
    return meltQuoteJson(quote);
  }

  melt(req: MeltRequest) {
    const quote = this.store.meltQuote(req.quote);
    if (!quote) refuse(ErrorCode.BAD_REQUEST, `melt quote ${req.quote} not found`);
    if (quote.state === "PAID" || this.store.invoicePaid(quote.request)) {
      refuse(ErrorCode.INVOICE_ALREADY_PAID, "invoice already paid");
    }
    if (quote.expiry <= now()) refuse(ErrorCode.QUOTE_EXPIRED, "quote is expired");
    const blanks = req.outputs ?? [];
    const change = checkOutputs(this.store, this.keysets, blanks, { blank: true });
    const inputs = verifyInputs(this.store, this.keysets, req.inputs, blanks, quote.id);
    if (inputs.unit !== quote.unit || (change.unit !== undefined && change.unit !== quote.unit)) {
      refuse(ErrorCode.UNIT_MISMATCH, `inputs and outputs must be in the quote's unit ${quote.unit}`);
    }
    const needed = quote.amount + quote.fee_reserve + inputs.fee;
    if (inputs.total < needed) {
      refuse(
        ErrorCode.TRANSACTION_UNBALANCED,
        `inputs ${inputs.total} < amount ${quote.amount} + fee reserve ${quote.fee_reserve} + input fee ${inputs.fee}`,
      );
    }
    const payment = this.lightning.pay(quote.unit);
    // NUT-08: everything above amount + actual fee + input fee comes back, as far as the blank outputs reach.
    const owed = inputs.total - quote.amount - payment.feePaid - inputs.fee;
    const parts = splitPowersOfTwo(owed, MAX_DENOMINATION).slice(0, blanks.length);
    const signed = signEach(change.entries, parts);
    const changeSigs = signed.map((s) => s.sig);
    // Whatever is not returned (no or too few blank outputs) stays with "Lightning" as fee.
    const feePaid = inputs.total - quote.amount - inputs.fee - sum(parts);
    const t = now();
    this.store.transaction(() => {
      const paid = this.store.payMeltQuote(
        quote.id,
        { preimage: payment.preimage, feePaid, inputFee: inputs.fee, change: changeSigs },
        t,
      );
      if (!paid) refuse(ErrorCode.INVOICE_ALREADY_PAID, "invoice already paid");
      this.store.insertSpent(inputs.proofs, `melt:${quote.id}`, t);
      this.store.insertSignatures(signed, `change:${quote.id}`, t);
      this.store.addInputFee(inputs.unit, inputs.fee);
    });
    return meltQuoteJson({
      ...quote,
      state: "PAID",
      preimage: payment.preimage,
      change: JSON.stringify(changeSigs),
    });
  }

  // NUT-07

  checkState(req: CheckStateRequest) {
    return {
      states: req.Ys.map((raw) => {
        const Y = raw.toLowerCase();
        const spent = this.store.spent(Y);
        return spent ? { Y, state: "SPENT", witness: spent.witness } : { Y, state: "UNSPENT", witness: null };
      }),
    };
  }

  // NUT-09

  restore(req: RestoreRequest) {
    const outputs: { amount: number; id: string; B_: string }[] = [];
    const signatures: BlindSignatureJson[] = [];
    for (const o of req.outputs) {
      const row = this.store.signature(o.B_.toLowerCase());
      if (!row) continue;
      outputs.push({ amount: row.amount, id: row.keyset_id, B_: row.b_ });
      signatures.push({
        id: row.keyset_id,
        amount: row.amount,
        C_: row.c_,
        dleq: { e: row.dleq_e, s: row.dleq_s },
      });
    }
    return { outputs, signatures };
  }
}
