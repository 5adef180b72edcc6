/**
 * Invoices someone else pays (a provider quoting a job by Lightning): a NUT-04 mint quote is opened and
 * recorded as a `fund` operation before its invoice leaves the process, so a payment made while this process
 * is down is still minted by recovery on the next start. `collectInvoice` asks the quote's state without
 * holding the wallet (many invoices may be open at once) and mints only once it is paid, its blinded outputs
 * recorded before the mint request (mintPaidQuote), so the proofs are stored before anyone acts on them.
 */
import { MintQuoteState } from "@cashu/cashu-ts";
import { WalletError } from "../errors.js";
import { callMint } from "../mint-session.js";
import type { Operation } from "../store/operations.js";
import type { OpContext } from "./context.js";
import { mintPaidQuote } from "./fund.js";
import { abandonOperation, recordOperation } from "./record.js";
import { resolveAfterError } from "./recover.js";

export interface OpenInvoice {
  /** The wallet operation that mints the payment (pass it to `collectInvoice`). */
  opId: string;
  /** The BOLT-11 invoice to hand to the payer. */
  invoice: string;
  /** The mint's quote id. */
  quoteId: string;
  amountSats: number;
  /** Unix seconds after which the mint no longer takes payment for it (undefined when it did not say). */
  expiresAt: number | undefined;
}

export type InvoiceState =
  /** Paid and minted: the proofs are in the wallet (the operation is `completed`). */
  | { state: "paid"; op: Operation }
  | { state: "unpaid" }
  /** Expired unpaid, or not ours to mint any more (the operation is `failed`). */
  | { state: "expired"; reason: string };

export async function openInvoice(
  ctx: OpContext,
  mintUrl: string,
  amountSats: number,
  opts: { description?: string; id?: string },
): Promise<OpenInvoice> {
  const wallet = await ctx.mint(mintUrl);
  const quote = await callMint(mintUrl, () => wallet.createMintQuoteBolt11(amountSats, opts.description));
  // Paid before anyone saw the invoice: a test mint's fake Lightning that pays every quote itself. Offering
  // its invoices would give work away for free, so it is refused (and the quote left unrecorded).
  if (quote.state !== MintQuoteState.UNPAID)
    throw new WalletError(
      "self-paying-mint",
      `mint ${mintUrl} reported its new quote ${quote.state} before anyone paid it (a test mint whose fake Lightning pays its own invoices), so its invoices cannot be offered to a payer`,
    );
  const op = recordOperation(ctx, {
    kind: "fund",
    mintUrl,
    amount: amountSats,
    detail: { quote: quote.quote, invoice: quote.request, payer: "other" },
    inputs: [],
    outputs: [],
    ...(opts.id ? { id: opts.id } : {}),
  });
  return {
    opId: op.id,
    invoice: quote.request,
    quoteId: quote.quote,
    amountSats,
    expiresAt: quote.expiry ?? undefined,
  };
}

/** The quote's state at the mint; read-only, so it need not wait for the wallet's other operations. */
export async function invoicePaid(
  ctx: OpContext,
  op: Operation,
): Promise<"paid" | "unpaid" | "expired" | "issued"> {
  const wallet = await ctx.mint(op.mintUrl);
  const quote = await callMint(op.mintUrl, () => wallet.checkMintQuoteBolt11(String(op.detail.quote)), op.id);
  if (quote.state === MintQuoteState.PAID) return "paid";
  if (quote.state === MintQuoteState.ISSUED) return "issued";
  if (quote.expiry && quote.expiry * 1000 < Date.now()) return "expired";
  return "unpaid";
}

/** Mints a paid invoice's ecash into the wallet, or closes an expired one. Run under the wallet's lock. */
export async function settleInvoice(
  ctx: OpContext,
  op: Operation,
  seen: "paid" | "expired" | "issued",
): Promise<InvoiceState> {
  const current = ctx.log.get(op.id);
  if (current?.state === "completed") return { state: "paid", op: current };
  if (current?.state === "failed") return { state: "expired", reason: current.error ?? "failed" };
  if (seen === "expired") {
    abandonOperation(ctx, op, "invoice expired unpaid");
    return { state: "expired", reason: "invoice expired unpaid" };
  }
  const wallet = await ctx.mint(op.mintUrl);
  const quote = await callMint(op.mintUrl, () => wallet.checkMintQuoteBolt11(String(op.detail.quote)), op.id);
  if (quote.state !== MintQuoteState.PAID && quote.state !== MintQuoteState.ISSUED)
    throw new WalletError(
      "mint-error",
      `mint quote ${quote.quote} is ${quote.state} after it was paid`,
      op.id,
    );
  try {
    if (quote.state === MintQuoteState.ISSUED)
      throw new WalletError("mint-error", `mint quote ${quote.quote} is already issued`, op.id);
    return { state: "paid", op: await mintPaidQuote(ctx, wallet, op, quote) };
  } catch (err) {
    // An answer lost, or an ISSUED quote: recovery restores the recorded outputs, or closes the operation.
    try {
      return { state: "paid", op: await resolveAfterError(ctx, op, err) };
    } catch (final) {
      if (final instanceof WalletError && final.code === "token-spent")
        return { state: "expired", reason: final.message };
      throw final;
    }
  }
}
