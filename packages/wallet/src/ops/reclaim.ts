/**
 * Taking back what was handed out and not claimed: bearer tokens never received, and locked payments whose
 * locktime passed (signed with this wallet's refund key). The mint's NUT-07 states decide first: proofs
 * the receiver already swapped are simply marked spent.
 */

import { immediate } from "../store/db.js";
import type { Operation } from "../store/operations.js";
import type { StoredProof } from "../store/proofs.js";
import type { OpContext } from "./context.js";
import { inputStates } from "./mint-state.js";
import { swapIn } from "./receive.js";

export interface PendingCheck {
  /** Sats the receivers claimed (now spent). */
  claimedSats: number;
  /** Proofs still unclaimed. */
  unclaimed: StoredProof[];
}

/** Asks the mint about the pending proofs at `mintUrl` (optionally only those of operation `opId`). */
export async function checkPending(ctx: OpContext, mintUrl: string, opId?: string): Promise<PendingCheck> {
  const pending = ctx.proofs
    .list({ mintUrl, state: "pending" })
    .filter((p) => opId === undefined || p.createdBy === opId || p.spentBy === opId);
  if (pending.length === 0) return { claimedSats: 0, unclaimed: [] };
  const wallet = await ctx.mint(mintUrl);
  const states = await inputStates(
    wallet,
    mintUrl,
    pending.map((p) => p.proof),
  );
  const claimed = pending.filter((p) => states.get(p.y) === "SPENT");
  immediate(ctx.db, () => {
    for (const p of claimed) ctx.proofs.transition([p.y], ["pending"], "spent", null);
  });
  return {
    claimedSats: claimed.reduce((s, p) => s + p.proof.amount.toNumber(), 0),
    unclaimed: pending.filter((p) => states.get(p.y) === "UNSPENT"),
  };
}

/**
 * Swaps back every unclaimed bearer proof and every locked proof past its locktime at `mintUrl`
 * (optionally only those of operation `opId`). Returns the reclaim operation, or undefined if there was
 * nothing to take back.
 */
export async function reclaim(
  ctx: OpContext,
  mintUrl: string,
  opts: { opId?: string; now?: number } = {},
): Promise<Operation | undefined> {
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const { unclaimed } = await checkPending(ctx, mintUrl, opts.opId);
  const due = unclaimed.filter((p) => p.lockPubkey === null || (p.locktime !== null && p.locktime < now));
  if (due.length === 0) return undefined;
  return swapIn(
    ctx,
    mintUrl,
    due.map((p) => p.proof),
    { kind: "reclaim", privkey: ctx.key.privkey },
  );
}
