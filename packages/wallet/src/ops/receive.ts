/**
 * Receive: swap a token's proofs for new deterministic ones of ours (NUT-03). This swap is the only proof
 * that a bearer token is good: a state check (NUT-07) says nothing about who else holds its secrets.
 * P2PK-locked proofs are signed with the wallet's key; a token the wallet itself sent comes back as a
 * reclaim of its pending proofs.
 */
import {
  Amount,
  type Wallet as CashuWallet,
  type OutputDataLike,
  type Proof,
  type SwapPreview,
  splitAmount,
} from "@cashu/cashu-ts";
import { WalletError } from "../errors.js";
import { readLock } from "../payments/lock-conditions.js";
import type { Operation, OpKind } from "../store/operations.js";
import type { OpContext } from "./context.js";
import { sats } from "./record.js";
import { runSwap } from "./swap.js";
import { tokenOrigin } from "./tokens.js";

export async function receive(
  ctx: OpContext,
  token: string,
  mints: ReadonlySet<string>,
  id?: string,
): Promise<Operation> {
  const origin = tokenOrigin(token);
  if (!origin) throw new WalletError("malformed-token", "not a cashu token (expected cashuB…)");
  const { mintUrl, unit } = origin;
  if (!mints.has(mintUrl)) {
    throw new WalletError(
      "unknown-mint",
      `token is from mint ${mintUrl}, which this wallet does not use (add it with --mint)`,
    );
  }
  if (unit !== ctx.unit)
    throw new WalletError("malformed-token", `token unit is ${unit}, this wallet holds ${ctx.unit}`);
  const wallet = await ctx.mint(mintUrl);
  let proofs: Proof[];
  try {
    proofs = wallet.decodeToken(token.trim()).proofs;
  } catch (err) {
    throw new WalletError(
      "malformed-token",
      `token does not decode: ${err instanceof Error ? err.message : err}`,
    );
  }
  return swapIn(ctx, mintUrl, proofs, { kind: "receive", ...(id ? { id } : {}) });
}

/**
 * Swaps `proofs` (foreign, or pending ones of ours) into new proofs of ours at `mintUrl`. With `payout`, the
 * same swap also splits off a bearer token worth `payout` sats plus its receiver's input fee (the
 * operation's `detail.token`, its proofs `pending`): a provider pays a refund out of collected proofs in
 * the swap that redeems them, instead of a second swap of its own ecash.
 */
export async function swapIn(
  ctx: OpContext,
  mintUrl: string,
  proofs: Proof[],
  opts: {
    kind: OpKind;
    privkey?: string | string[];
    id?: string;
    detail?: Record<string, unknown>;
    payout?: number;
  },
): Promise<Operation> {
  const wallet = await ctx.mint(mintUrl);
  const send = opts.payout === undefined ? [] : payoutDenominations(wallet, proofs, opts.payout, mintUrl);
  let preview: SwapPreview;
  try {
    preview = await wallet.prepareSwapToReceive(
      proofs,
      {},
      { type: "deterministic", counter: 0, ...(send.length > 0 ? { denominations: send } : {}) },
    );
  } catch (err) {
    throw new WalletError(
      "malformed-token",
      `token refused before the swap: ${err instanceof Error ? err.message : err}`,
    );
  }
  if (send.length > 0) preview = splitOff(preview, send);
  const locked = proofs.some((p) => readLock(p.secret).ok);
  const privkey = opts.privkey ?? (locked ? ctx.key.privkey : undefined);
  return runSwap(ctx, wallet, {
    kind: opts.kind,
    mintUrl,
    amount: opts.payout ?? preview.amount.toNumber(),
    detail: { ...opts.detail, ...(opts.payout === undefined ? {} : { requested: opts.payout }) },
    preview,
    ...(privkey ? { privkey } : {}),
    ...(opts.id ? { id: opts.id } : {}),
  });
}

/**
 * The denominations of a token worth `payout` sats plus the input fee of swapping it in (as `send` with
 * fees included): the fee depends on how many proofs the token has, so it is solved for (a few rounds).
 */
function payoutDenominations(
  wallet: CashuWallet,
  proofs: Proof[],
  payout: number,
  mintUrl: string,
): number[] {
  if (!Number.isSafeInteger(payout) || payout <= 0)
    throw new WalletError(
      "invalid-argument",
      `payout must be a positive whole number of sats, got ${payout}`,
    );
  const keyset = wallet.getKeyset();
  let fee = 0;
  let split = splitAmount(payout, keyset.keys);
  for (let round = 0; round < 16; round++) {
    const next = wallet.getFeesForKeyset(split.length, keyset.id).toNumber();
    if (next === fee) break;
    fee = next;
    split = splitAmount(payout + fee, keyset.keys);
  }
  const available = sats(proofs) - wallet.getFeesForProofs(proofs).toNumber();
  if (available < payout + fee)
    throw new WalletError(
      "insufficient-balance",
      `insufficient balance at ${mintUrl}: the swap yields ${available} sats, ${payout + fee} needed for the payout`,
    );
  return split.map((a) => a.toNumber());
}

/** Moves the outputs of `send`'s denominations (one each) from the preview's keep outputs to its send outputs. */
function splitOff(preview: SwapPreview, send: number[]): SwapPreview {
  const wanted = new Map<number, number>();
  for (const a of send) wanted.set(a, (wanted.get(a) ?? 0) + 1);
  const keep: OutputDataLike[] = [];
  const out: OutputDataLike[] = [];
  for (const output of preview.keepOutputs ?? []) {
    const amount = Amount.from(output.blindedMessage.amount).toNumber();
    const left = wanted.get(amount) ?? 0;
    if (left > 0) {
      wanted.set(amount, left - 1);
      out.push(output);
    } else keep.push(output);
  }
  if ([...wanted.values()].some((n) => n > 0))
    throw new WalletError("mint-error", "the swap's outputs do not hold the payout's denominations");
  return { ...preview, keepOutputs: keep, sendOutputs: out };
}
