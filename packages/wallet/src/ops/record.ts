/**
 * The write-ahead half and the settling half of every mint operation, each one SQLite transaction:
 *   record  — the operation, its inputs (own proofs move to `reserved`) and the blinded outputs it will ask
 *             the mint to sign, committed before the request leaves the process;
 *   settle  — inputs `spent`, the signed outputs stored (ours `unspent`, handed-out `pending`), the
 *             operation `completed` with its amounts and fee;
 *   abandon — the mint never acted: own inputs back to their previous state, the operation `failed`;
 *   revive  — a failed operation the mint acted on after all (a request it answered too late): settled.
 */

import { randomUUID } from "node:crypto";
import { Amount, type OutputDataLike, type Proof, sumProofs } from "@cashu/cashu-ts";
import { WalletError } from "../errors.js";
import { readLock } from "../payments/lock-conditions.js";
import { proofY } from "../proof-y.js";
import { immediate } from "../store/db.js";
import type { Operation, OpInput, OpKind, OutputRole } from "../store/operations.js";
import type { ProofState } from "../store/proofs.js";
import type { OpContext } from "./context.js";
import { handedOutDetail } from "./tokens.js";

export interface RecordRequest {
  kind: OpKind;
  mintUrl: string;
  amount: number;
  detail: Record<string, unknown>;
  inputs: Proof[];
  outputs: Array<{ role: OutputRole; data: OutputDataLike[] }>;
  id?: string;
}

/** States from which a proof of ours may be spent by an operation. */
const SPENDABLE: ProofState[] = ["unspent", "pending"];

export function recordOperation(ctx: OpContext, req: RecordRequest): Operation {
  const id = req.id ?? randomUUID();
  immediate(ctx.db, () => {
    const inputs: OpInput[] = req.inputs.map((proof) => {
      const y = proofY(proof.secret);
      const own = ctx.proofs.get(y);
      if (own && !SPENDABLE.includes(own.state)) {
        throw new WalletError(
          "token-spent",
          `already spent: proof ${y.slice(0, 16)}… is ${own.state} in this wallet (operation ${own.spentBy ?? "?"})`,
        );
      }
      return { y, amount: Amount.from(proof.amount).toNumber(), proof, prevState: own?.state ?? null };
    });
    ctx.log.create({ id, kind: req.kind, mintUrl: req.mintUrl, amount: req.amount, detail: req.detail });
    ctx.log.addInputs(id, inputs);
    for (const o of req.outputs) ctx.log.addOutputs(id, o.role, o.data);
    for (const i of inputs) if (i.prevState) ctx.proofs.transition([i.y], [i.prevState], "reserved", id);
  });
  ctx.inflight.add(id);
  return ctx.log.get(id)!;
}

export interface SignedOutput {
  role: OutputRole;
  proof: Proof;
}

/**
 * Settles `op` with the mint's answer (signed outputs by role); amounts and fee are computed from them.
 * `from: "failed"` revives an operation closed too early (only one whose inputs are not the wallet's own).
 */
export function settleOperation(
  ctx: OpContext,
  op: Operation,
  outputs: SignedOutput[],
  opts: { detail?: Record<string, unknown>; from?: "prepared" | "failed" } = {},
): Operation {
  immediate(ctx.db, () => {
    const inputs = ctx.log.inputs(op.id);
    for (const i of inputs) if (i.prevState) ctx.proofs.transition([i.y], ["reserved"], "spent", op.id);
    for (const { role, proof } of outputs) {
      if (role === "lock") {
        const lock = readLock(proof.secret);
        ctx.proofs.insert(op.mintUrl, [proof], {
          state: "pending",
          createdBy: op.id,
          ...(lock.ok
            ? {
                lockPubkey: lock.value.pubkey,
                ...(lock.value.locktime ? { locktime: lock.value.locktime } : {}),
              }
            : {}),
        });
      } else {
        ctx.proofs.insert(op.mintUrl, [proof], {
          state: role === "send" ? "pending" : "unspent",
          createdBy: op.id,
        });
      }
    }
    const inTotal = inputs.reduce((s, i) => s + i.amount, 0);
    const ours = sats(outputs.filter((o) => o.role === "keep" || o.role === "change").map((o) => o.proof));
    const handedOut = sats(outputs.filter((o) => o.role === "send" || o.role === "lock").map((o) => o.proof));
    // Amount: the face value handed out (send, lock), the invoice paid (withdraw), or what came in. Fee: what
    // the mint kept (input fees, and for a withdraw the Lightning fee), so fees add up to the mint's books.
    const paysOut = handedOut > 0 || op.kind === "withdraw";
    const amount = op.kind === "withdraw" ? op.amount : paysOut ? handedOut : ours;
    const fee = op.kind === "fund" ? 0 : inTotal - ours - (paysOut ? amount : 0);
    const detail = { ...handedOutDetail(op.mintUrl, ctx.unit, outputs), ...opts.detail };
    ctx.log.finish(op.id, "completed", { amount, fee, detail }, opts.from);
  });
  ctx.inflight.delete(op.id);
  ctx.unanswered.delete(op.id);
  return ctx.log.get(op.id)!;
}

/**
 * Closes `op` as failed. `spentYs` are inputs the mint reports spent by someone else (a token claimed
 * before us, a locked proof reclaimed by its buyer): own ones become `spent`; every other own input returns
 * to the state it had before the operation.
 */
export function abandonOperation(
  ctx: OpContext,
  op: Operation,
  error: string,
  spentYs: Set<string> = new Set(),
): Operation {
  immediate(ctx.db, () => {
    for (const i of ctx.log.inputs(op.id)) {
      if (!i.prevState) continue;
      if (spentYs.has(i.y)) ctx.proofs.transition([i.y], ["reserved"], "spent", op.id);
      else ctx.proofs.release(i.y, i.prevState);
    }
    ctx.log.finish(op.id, "failed", { error });
  });
  ctx.inflight.delete(op.id);
  ctx.unanswered.delete(op.id);
  return ctx.log.get(op.id)!;
}

export function sats(proofs: Array<Pick<Proof, "amount">>): number {
  return sumProofs(proofs).toNumber();
}
