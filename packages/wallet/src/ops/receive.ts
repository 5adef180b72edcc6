/**
 * Receive: swap a token's proofs for new deterministic ones of ours (NUT-03). This swap is the only proof
 * that a bearer token is good: a state check (NUT-07) says nothing about who else holds its secrets.
 * P2PK-locked proofs are signed with the wallet's key; a token the wallet itself sent comes back as a
 * reclaim of its pending proofs.
 */
import type { Proof } from "@cashu/cashu-ts";
import { WalletError } from "../errors.js";
import { readLock } from "../payments/lock-conditions.js";
import type { Operation, OpKind } from "../store/operations.js";
import type { OpContext } from "./context.js";
import { runSwap } from "./swap.js";
import { tokenOrigin } from "./tokens.js";

export async function receive(ctx: OpContext, token: string, mints: ReadonlySet<string>): Promise<Operation> {
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
  return swapIn(ctx, mintUrl, proofs, { kind: "receive" });
}

/** Swaps `proofs` (foreign, or pending ones of ours) into new proofs of ours at `mintUrl`. */
export async function swapIn(
  ctx: OpContext,
  mintUrl: string,
  proofs: Proof[],
  opts: { kind: OpKind; privkey?: string | string[]; id?: string; detail?: Record<string, unknown> },
): Promise<Operation> {
  const wallet = await ctx.mint(mintUrl);
  let preview: Awaited<ReturnType<typeof wallet.prepareSwapToReceive>>;
  try {
    preview = await wallet.prepareSwapToReceive(proofs, {}, { type: "deterministic", counter: 0 });
  } catch (err) {
    throw new WalletError(
      "malformed-token",
      `token refused before the swap: ${err instanceof Error ? err.message : err}`,
    );
  }
  const locked = proofs.some((p) => readLock(p.secret).ok);
  const privkey = opts.privkey ?? (locked ? ctx.key.privkey : undefined);
  return runSwap(ctx, wallet, {
    kind: opts.kind,
    mintUrl,
    amount: preview.amount.toNumber(),
    detail: opts.detail ?? {},
    preview,
    ...(privkey ? { privkey } : {}),
    ...(opts.id ? { id: opts.id } : {}),
  });
}
