/**
 * Finishing an operation from the mint's answers alone. Used after a crash (on open), after a failed or
 * unanswered request (right away), and for melts the mint reports as still pending.
 *
 *   swap-like (send, receive, lock, reclaim, redeem): NUT-07 on the recorded inputs. None spent → the mint
 *     never acted: abandon — unless its request went unanswered less than `unansweredWindowMs` ago (a busy
 *     mint may still be working through it): then left open, inputs reserved, and asked again later. Spent →
 *     NUT-09 restore of the recorded outputs: all signed → settle; none → someone else spent the inputs (a
 *     token claimed first): abandon, own inputs marked spent.
 *   fund: restore the recorded outputs, else ask the quote: paid → mint with the recorded outputs.
 *   withdraw: ask the melt quote: paid → change from the quote (or restore); unpaid with unspent inputs →
 *     abandon; pending → leave it.
 */
import { type Wallet as CashuWallet, MeltQuoteState, MintQuoteState } from "@cashu/cashu-ts";
import { WalletError } from "../errors.js";
import { callMint, mayHaveReachedMint } from "../mint-session.js";
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
    const askAgainAt = unansweredUntil(ctx, op);
    if (askAgainAt > Date.now()) {
      ctx.unanswered.set(op.id, askAgainAt);
      const when = new Date(askAgainAt).toISOString();
      return {
        state: "pending",
        op,
        reason: `the mint did not answer and may still act; asked again at ${when}`,
      };
    }
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

/** Until when an operation whose request went unanswered stays open (0: it never went unanswered). */
function unansweredUntil(ctx: OpContext, op: Operation): number {
  const at = op.detail.unansweredAt;
  return typeof at === "number" ? at + ctx.unansweredWindowMs : 0;
}

/**
 * A failed operation on inputs that were not the wallet's own (receive, redeem) whose inputs the mint now
 * reports spent: if every recorded output is signed (NUT-09), the mint acted on the request after the wallet
 * gave it up (answered too late, or a crash in between), so it is settled after all. Returns the settled
 * operation, or undefined when the mint did not act on it.
 */
export async function reviveOperation(ctx: OpContext, op: Operation): Promise<Operation | undefined> {
  if (op.state !== "failed" || op.kind === "fund" || op.kind === "withdraw") return undefined;
  const inputs = ctx.log.inputs(op.id);
  if (inputs.length === 0 || inputs.some((i) => i.prevState !== null)) return undefined;
  const wallet = await ctx.mint(op.mintUrl);
  const states = await inputStates(
    wallet,
    op.mintUrl,
    inputs.map((i) => i.proof),
  );
  if (!inputs.every((i) => states.get(i.y) === "SPENT")) return undefined;
  const outputs = ctx.log.outputs(op.id);
  const signed = await restoreOutputs(wallet, op.mintUrl, outputs);
  if (outputs.length === 0 || signed.length !== outputs.length) return undefined;
  return settleOperation(ctx, op, signed, { from: "failed", detail: { revived: true } });
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
    const askAgainAt = unansweredUntil(ctx, op);
    if (askAgainAt > Date.now()) {
      ctx.unanswered.set(op.id, askAgainAt);
      return { state: "pending", op, reason: "the mint did not answer and may still pay the invoice" };
    }
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
  // A request the mint may have got but did not answer: it may have acted on it, or may still.
  const unanswered = mayHaveReachedMint(err);
  if (unanswered) {
    ctx.log.markUnanswered(op.id, Date.now());
    op = ctx.log.get(op.id) ?? op;
  }
  let outcome: RecoveryOutcome;
  try {
    outcome = await recoverOperation(ctx, op);
  } catch (recoveryErr) {
    ctx.inflight.delete(op.id);
    if (unanswered) ctx.unanswered.set(op.id, unansweredUntil(ctx, op));
    const cause = err instanceof WalletError ? err : recoveryErr;
    const code = cause instanceof WalletError ? cause.code : "mint-error";
    const later = unanswered ? "from the mint's state later" : "on the next start";
    throw new WalletError(
      code,
      `${cause instanceof Error ? cause.message : String(cause)} (operation ${op.id} is recorded and settles ${later})`,
      op.id,
      { cause },
    );
  }
  if (outcome.state === "completed") return outcome.op;
  ctx.inflight.delete(op.id);
  const message = err instanceof Error ? err.message : String(err);
  if (outcome.state === "pending" && unanswered) {
    const code = err instanceof WalletError ? err.code : "mint-unreachable";
    const kept = `operation ${op.id} stays open, its inputs reserved, until the mint's state settles it`;
    throw new WalletError(code, `${message} (${kept}: ${outcome.reason})`, op.id, { cause: err });
  }
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
