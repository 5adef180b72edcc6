/**
 * Fund: buy ecash with a Lightning invoice (NUT-04). The quote is written down before the invoice is shown,
 * so an invoice paid after a crash is still minted by recovery; the blinded outputs are written down before
 * the mint request, so an answer lost in a crash is restored (NUT-09).
 */
import {
  type Wallet as CashuWallet,
  type MintPreview,
  type MintQuoteBolt11Response,
  MintQuoteState,
} from "@cashu/cashu-ts";
import { crashPoint } from "../crash-points.js";
import { WalletError } from "../errors.js";
import { callMint } from "../mint-session.js";
import { immediate } from "../store/db.js";
import type { Operation } from "../store/operations.js";
import type { OpContext } from "./context.js";
import { recordOperation, settleOperation } from "./record.js";
import { resolveAfterError } from "./recover.js";

export interface FundOptions {
  /** Shown the invoice to pay (fake Lightning on the local mint pays it at once). */
  onInvoice?: (invoice: string, quoteId: string) => void;
  /** How long to wait for the payment (default 60 s). */
  timeoutMs?: number;
  pollMs?: number;
}

export async function fund(
  ctx: OpContext,
  mintUrl: string,
  amount: number,
  opts: FundOptions = {},
): Promise<Operation> {
  const wallet = await ctx.mint(mintUrl);
  const quote = await callMint(mintUrl, () => wallet.createMintQuoteBolt11(amount));
  const op = recordOperation(ctx, {
    kind: "fund",
    mintUrl,
    amount,
    detail: { quote: quote.quote, invoice: quote.request },
    inputs: [],
    outputs: [],
  });
  opts.onInvoice?.(quote.request, quote.quote);
  const paid = await waitPaid(wallet, mintUrl, quote, opts.timeoutMs ?? 60_000, opts.pollMs ?? 500);
  if (!paid) {
    ctx.inflight.delete(op.id);
    throw new WalletError(
      "payment-failed",
      `invoice not paid in time; if it is paid later, the wallet mints it on its next start (operation ${op.id})`,
      op.id,
    );
  }
  try {
    return await mintPaidQuote(ctx, wallet, op, paid);
  } catch (err) {
    return resolveAfterError(ctx, op, err);
  }
}

async function waitPaid(
  wallet: CashuWallet,
  mintUrl: string,
  quote: MintQuoteBolt11Response,
  timeoutMs: number,
  pollMs: number,
): Promise<MintQuoteBolt11Response | undefined> {
  const deadline = Date.now() + timeoutMs;
  let q = quote;
  for (;;) {
    if (q.state === MintQuoteState.PAID) return q;
    if (q.state === MintQuoteState.ISSUED || Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, pollMs));
    q = await callMint(mintUrl, () => wallet.checkMintQuoteBolt11(quote.quote));
  }
}

/** Mints a paid quote into the outputs recorded for `op` (recording deterministic ones first if none). */
export async function mintPaidQuote(
  ctx: OpContext,
  wallet: CashuWallet,
  op: Operation,
  quote: MintQuoteBolt11Response,
): Promise<Operation> {
  const recorded = ctx.log.outputs(op.id);
  let preview: MintPreview;
  if (recorded.length === 0) {
    preview = await wallet.prepareMint("bolt11", op.amount, quote, {}, { type: "deterministic", counter: 0 });
    immediate(ctx.db, () => ctx.log.addOutputs(op.id, "keep", preview.outputData));
  } else {
    preview = {
      method: "bolt11",
      payload: { quote: quote.quote, outputs: recorded.map((o) => o.data.blindedMessage) },
      outputData: recorded.map((o) => o.data),
      keysetId: recorded[0]!.keysetId,
      quote,
    };
  }
  ctx.inflight.add(op.id);
  await crashPoint("after-wal");
  const proofs = await callMint(op.mintUrl, () => wallet.completeMint(preview), op.id);
  await crashPoint("after-mint");
  return settleOperation(
    ctx,
    op,
    proofs.map((proof) => ({ role: "keep", proof })),
  );
}
