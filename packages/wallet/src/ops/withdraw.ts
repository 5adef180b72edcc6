/**
 * Withdraw: pay a bolt11 invoice with ecash (NUT-05), deterministic blank outputs for the change (NUT-08).
 * Inputs are reserved and the blanks recorded before the melt; an interrupted or pending melt is settled
 * from the melt quote's state.
 */
import { type MeltProofsResponse, type MeltQuoteBolt11Response, MeltQuoteState } from "@cashu/cashu-ts";
import { crashPoint } from "../crash-points.js";
import { WalletError } from "../errors.js";
import { callMint } from "../mint-session.js";
import type { Operation } from "../store/operations.js";
import type { OpContext } from "./context.js";
import { recordOperation, sats, settleOperation } from "./record.js";
import { resolveAfterError } from "./recover.js";
import { assertCovers, prepareOrExplain } from "./send.js";

export async function withdraw(ctx: OpContext, mintUrl: string, invoice: string): Promise<Operation> {
  const wallet = await ctx.mint(mintUrl);
  const quote = await callMint(mintUrl, () => wallet.createMeltQuoteBolt11(invoice.trim()));
  const need = quote.amount.add(quote.fee_reserve);
  const unspent = ctx.proofs.list({ mintUrl, state: "unspent" }).map((s) => s.proof);
  assertCovers(unspent, need.toNumber(), mintUrl);
  const selected = await prepareOrExplain(
    mintUrl,
    async () => wallet.selectProofsToSend(unspent, need, true, false).send,
  );
  const inputFee = wallet.getFeesForProofs(selected).toNumber();
  if (selected.length === 0 || sats(selected) < need.toNumber() + inputFee) {
    throw new WalletError(
      "insufficient-balance",
      `insufficient balance at ${mintUrl}: ${need.toNumber()} sats + ${inputFee} input fee needed`,
    );
  }
  const preview = await wallet.prepareMelt(
    "bolt11",
    quote,
    selected,
    {},
    { type: "deterministic", counter: 0 },
  );
  const op = recordOperation(ctx, {
    kind: "withdraw",
    mintUrl,
    amount: quote.amount.toNumber(),
    detail: { quote: quote.quote, invoice: invoice.trim(), feeReserve: quote.fee_reserve.toNumber() },
    inputs: preview.inputs,
    outputs: [{ role: "change", data: preview.outputData }],
  });
  await crashPoint("after-wal");
  let res: MeltProofsResponse<MeltQuoteBolt11Response>;
  try {
    res = await callMint(mintUrl, () => wallet.completeMelt(preview), op.id);
  } catch (err) {
    return resolveAfterError(ctx, op, err);
  }
  await crashPoint("after-mint");
  if (res.quote.state === MeltQuoteState.PAID) {
    return settleOperation(
      ctx,
      op,
      res.change.map((proof) => ({ role: "change" as const, proof })),
      { detail: { preimage: res.quote.payment_preimage ?? null } },
    );
  }
  return resolveAfterError(
    ctx,
    op,
    new WalletError("payment-failed", `Lightning payment ${res.quote.state.toLowerCase()}`),
  );
}
