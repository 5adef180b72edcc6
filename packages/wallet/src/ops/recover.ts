/**
 * Finishing an operation from the mint's answers alone. Used after a crash (on open), after a failed or
 * unanswered request (right away), and for melts the mint reports as still pending.
 *
 *   swap-like (send, receive, lock, reclaim, redeem): NUT-07 on the recorded inputs. None spent → the mint
 *     never acted: abandon. Spent → NUT-09 restore of the recorded outputs: all signed → settle; none →
 *     someone else spent the inputs (a token claimed first): abandon, own inputs marked spent.
 *   fund: restore the recorded outputs, else ask the quote: paid → mint with the recorded outputs.
 *   withdraw: ask the melt quote: paid → change from the quote (or restore); unpaid with unspent inputs →
 *     abandon; pending → leave it.
 */
import { type Wallet as CashuWallet, MeltQuoteState, MintQuoteState } from "@cashu/cashu-ts";
import { WalletError } from "../errors.js";
import { callMint } from "../mint-session.js";
import type { Operation } from "../store/operations.js";
import type { OpContext } from "./context.js";
import { mintPaidQuote } from "./fund.js";
import { inputStates, restoreOutputs } from "./mint-state.js";
import { abandonOperation, settleOperation } from "./record.js";

export type RecoveryOutcome =
  | { state: "completed"; op: Operation }
  | { state: "failed"; op: Operation; spentElsewhere: boolean }
  | { state: "pending"; op: Operation; reason: string };

export async function recoverOperation(ctx: OpContext, op: Operation): Promise<RecoveryOutcome> {
  const wallet = await ctx.mint(op.mintUrl);
  if (op.kind === "fund") return recoverFund(ctx, wallet, op);
  if (op.kind === "withdraw") return recoverMelt(ctx, wallet, op);
  return recoverSwap(ctx, wallet, op);
}

async function recoverSwap(ctx: OpContext, wallet: CashuWallet, op: Operation): Promise<RecoveryOutcome> {
  const inputs = ctx.log.inputs(op.id);
  const states = await inputStates(
    wallet,
    op.mintUrl,
    inputs.map((i) => i.proof),
  );
  if ([...states.values()].includes("PENDING"))
    return { state: "pending", op, reason: "inputs are pending at the mint" };
  const spent = new Set(inputs.filter((i) => states.get(i.y) === "SPENT").map((i) => i.y));
  if (spent.size === 0) {
    return {
      state: "failed",
      op: abandonOperation(ctx, op, "the mint never processed the swap"),
      spentElsewhere: false,
    };
  }
  const outputs = ctx.log.outputs(op.id);
  const signed = await restoreOutputs(wallet, op.mintUrl, outputs);
  if (signed.length === outputs.length && spent.size === inputs.length) {
    return { state: "completed", op: settleOperation(ctx, op, signed) };
  }
  if (signed.length === 0) {
    const failed = abandonOperation(ctx, op, "inputs were already spent by another transaction", spent);
    return { state: "failed", op: failed, spentElsewhere: true };
  }
  throw new WalletError(
    "mint-error",
    `mint ${op.mintUrl} signed ${signed.length} of ${outputs.length} outputs of operation ${op.id}; left for inspection`,
    op.id,
  );
}

async function recoverFund(ctx: OpContext, wallet: CashuWallet, op: Operation): Promise<RecoveryOutcome> {
  const outputs = ctx.log.outputs(op.id);
  const signed = await restoreOutputs(wallet, op.mintUrl, outputs);
  if (outputs.length > 0 && signed.length === outputs.length) {
    return { state: "completed", op: settleOperation(ctx, op, signed) };
  }
  const quoteId = String(op.detail.quote);
  const quote = await callMint(op.mintUrl, () => wallet.checkMintQuoteBolt11(quoteId), op.id);
  if (quote.state === MintQuoteState.PAID)
    return { state: "completed", op: await mintPaidQuote(ctx, wallet, op, quote) };
  if (quote.state === MintQuoteState.ISSUED) {
    const failed = abandonOperation(ctx, op, "quote was issued to outputs this wallet did not record");
    return { state: "failed", op: failed, spentElsewhere: true };
  }
  if (quote.expiry && quote.expiry * 1000 < Date.now()) {
    return {
      state: "failed",
      op: abandonOperation(ctx, op, "invoice expired unpaid"),
      spentElsewhere: false,
    };
  }
  return { state: "pending", op, reason: "invoice not paid yet" };
}

async function recoverMelt(ctx: OpContext, wallet: CashuWallet, op: Operation): Promise<RecoveryOutcome> {
  const quoteId = String(op.detail.quote);
  const quote = await callMint(op.mintUrl, () => wallet.checkMeltQuoteBolt11(quoteId), op.id);
  if (quote.state === MeltQuoteState.PAID) {
    const outputs = ctx.log.outputs(op.id);
    const change = quote.change?.length
      ? wallet
          .createMeltChangeProofs(
            outputs.map((o) => o.data),
            quote.change,
          )
          .map((proof) => ({ role: "change" as const, proof }))
      : await restoreOutputs(wallet, op.mintUrl, outputs);
    const settled = settleOperation(ctx, op, change, {
      detail: { preimage: quote.payment_preimage ?? null },
    });
    return { state: "completed", op: settled };
  }
  if (quote.state === MeltQuoteState.PENDING)
    return { state: "pending", op, reason: "Lightning payment in flight" };
  const states = await inputStates(
    wallet,
    op.mintUrl,
    ctx.log.inputs(op.id).map((i) => i.proof),
  );
  if ([...states.values()].every((s) => s === "UNSPENT")) {
    return {
      state: "failed",
      op: abandonOperation(ctx, op, "the invoice was not paid"),
      spentElsewhere: false,
    };
  }
  return { state: "pending", op, reason: "melt unpaid but inputs not released yet" };
}

/**
 * After a mint call threw: settle the operation from the mint's state if it can be known now, else leave
 * it recorded for the next recovery. Always throws unless the operation turned out to have completed.
 */
export async function resolveAfterError(ctx: OpContext, op: Operation, err: unknown): Promise<Operation> {
  let outcome: RecoveryOutcome;
  try {
    outcome = await recoverOperation(ctx, op);
  } catch (recoveryErr) {
    ctx.inflight.delete(op.id);
    const cause = err instanceof WalletError ? err : recoveryErr;
    const code = cause instanceof WalletError ? cause.code : "mint-error";
    throw new WalletError(
      code,
      `${cause instanceof Error ? cause.message : String(cause)} (operation ${op.id} is recorded and settles on the next start)`,
      op.id,
      { cause },
    );
  }
  if (outcome.state === "completed") return outcome.op;
  ctx.inflight.delete(op.id);
  const message = err instanceof Error ? err.message : String(err);
  if (outcome.state === "pending") {
    throw new WalletError("pending", `operation ${op.id} is pending at the mint (${outcome.reason})`, op.id, {
      cause: err,
    });
  }
  if (outcome.spentElsewhere) {
    throw new WalletError("token-spent", `already spent: ${outcome.op.error ?? message}`, op.id, {
      cause: err,
    });
  }
  throw new WalletError(err instanceof WalletError ? err.code : "mint-error", message, op.id, { cause: err });
}
