/**
 * Send: a bearer token for `amount` sats. If some stored proofs add up exactly, they become the token with
 * no mint call (they move to `pending`); otherwise one swap splits off deterministic send and keep outputs.
 * Either way the token's proofs stay `pending` (counted, reclaimable) until the mint says they are spent.
 */
import { randomUUID } from "node:crypto";
import { type Wallet as CashuWallet, getEncodedToken, type Proof } from "@cashu/cashu-ts";
import { WalletError } from "../errors.js";
import { proofY } from "../proof-y.js";
import { immediate } from "../store/db.js";
import type { Operation } from "../store/operations.js";
import type { OpContext } from "./context.js";
import { sats } from "./record.js";
import { withSelectionFallback } from "./select.js";
import { runSwap } from "./swap.js";

export async function send(
  ctx: OpContext,
  mintUrl: string,
  amount: number,
  opts: { includeFees?: boolean; id?: string } = {},
): Promise<Operation> {
  const includeFees = opts.includeFees ?? true;
  const wallet = await ctx.mint(mintUrl);
  const unspent = ctx.proofs.list({ mintUrl, state: "unspent" }).map((s) => s.proof);
  assertCovers(unspent, amount, mintUrl);
  const exact = exactMatch(wallet, unspent, amount, includeFees);
  if (exact) return sendOffline(ctx, mintUrl, amount, exact, opts.id);
  const preview = await withSelectionFallback(wallet, unspent, amount, (inputs) =>
    prepareOrExplain(mintUrl, () =>
      wallet.prepareSwapToSend(
        amount,
        inputs,
        { includeFees },
        { send: { type: "deterministic", counter: 0 }, keep: { type: "deterministic", counter: 0 } },
      ),
    ),
  );
  return runSwap(ctx, wallet, {
    kind: "send",
    mintUrl,
    amount,
    detail: { requested: amount },
    preview,
    sendRole: "send",
    ...(opts.id ? { id: opts.id } : {}),
  });
}

function exactMatch(
  wallet: CashuWallet,
  proofs: Proof[],
  amount: number,
  includeFees: boolean,
): Proof[] | undefined {
  try {
    const { send } = wallet.selectProofsToSend(proofs, amount, includeFees, true);
    const need = amount + (includeFees ? wallet.getFeesForProofs(send).toNumber() : 0);
    return send.length > 0 && sats(send) === need ? send : undefined;
  } catch {
    return undefined;
  }
}

function sendOffline(
  ctx: OpContext,
  mintUrl: string,
  amount: number,
  proofs: Proof[],
  id: string = randomUUID(),
): Operation {
  const token = getEncodedToken({ mint: mintUrl, unit: ctx.unit, proofs });
  immediate(ctx.db, () => {
    const ys = proofs.map((p) => proofY(p.secret));
    ctx.log.create({
      id,
      kind: "send",
      mintUrl,
      amount: sats(proofs),
      detail: { requested: amount, offline: true },
    });
    ctx.log.addInputs(
      id,
      proofs.map((proof, i) => ({ y: ys[i]!, amount: proof.amount.toNumber(), proof, prevState: "unspent" })),
    );
    ctx.proofs.transition(ys, ["unspent"], "pending", id);
    ctx.log.finish(id, "completed", { fee: 0, detail: { token } });
  });
  return ctx.log.get(id)!;
}

export function assertCovers(proofs: Proof[], amount: number, mintUrl: string): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new WalletError(
      "invalid-argument",
      `amount must be a positive whole number of sats, got ${amount}`,
    );
  }
  const have = sats(proofs);
  if (have < amount) {
    throw new WalletError(
      "insufficient-balance",
      `insufficient balance at ${mintUrl}: ${have} sats, ${amount} needed`,
    );
  }
}

/** Runs a cashu-ts prepare step, turning its "not enough funds" into insufficient-balance. */
export async function prepareOrExplain<T>(mintUrl: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/not enough|insufficient/i.test(msg)) {
      throw new WalletError(
        "insufficient-balance",
        `insufficient balance at ${mintUrl} (fees included): ${msg}`,
      );
    }
    throw err;
  }
}
