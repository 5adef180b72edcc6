/**
 * Provider side: turning collected locked proofs into the provider's own ecash. One swap per mint per batch
 * (not one per job), each input signed with the payment key; run it before the earliest locktime
 * (`ledger.nextDeadline()`), since after it the buyer may take a proof back with its refund key.
 *
 * Crash-safe in two steps: the ledger marks the batch `redeeming` under an id, then the wallet records the
 * swap under the same id (write-ahead). On the next run a `redeeming` batch is resolved from the wallet's
 * operation: completed → redeemed; failed or never recorded → its proofs checked at the mint: spent ones
 * whose swap the mint carried out after all (it answered too late) are redeemed by restoring its outputs;
 * otherwise spent ones are lost to a buyer's reclaim, and the rest are held again.
 *
 * A redeem the mint did not answer stays `redeeming` while the wallet keeps its swap open (see
 * `unansweredWindowMs`): a busy mint may still carry it out.
 *
 * A payout (a tab's refund) can ride on a batch: its swap then also mints the refund token, so a close that
 * needs its collected proofs redeemed costs the mint one swap, not two. The batch and the payment share the
 * operation id the caller wrote ahead, so either resumes from the one operation after a crash.
 */
import { randomUUID } from "node:crypto";
import type { Proof } from "@cashu/cashu-ts";
import { WalletError } from "../errors.js";
import { sats } from "../ops/record.js";
import type { Operation } from "../store/operations.js";
import type { PylonWallet } from "../wallet.js";
import type { PaymentLedger } from "./ledger.js";

export interface RedeemOptions {
  /** The payment key's secret key (hex). */
  paymentPrivkey: string;
  /** Most proofs per swap (default 200). */
  maxBatch?: number;
  /**
   * A payment to make from the proofs being redeemed (a tab's refund): the first batch at `mintUrl` that
   * covers it also mints a bearer token of `sats` (its receiver's fee included) under the operation `id`,
   * read with `wallet.operation(id)` (`detail.token`). Not made when no batch covers it (the caller pays
   * from the wallet instead).
   */
  payout?: Payout;
}

export interface Payout {
  mintUrl: string;
  sats: number;
  /** The operation (and batch) id, written ahead by the caller. */
  id: string;
}

export interface RedeemedBatch {
  mintUrl: string;
  batchId: string;
  proofs: number;
  /** Sats that reached the wallet (after the swap's input fee, and less `paidOutSats`). */
  redeemedSats: number;
  /** Face value of the token the same swap minted for a payout (0 without one). */
  paidOutSats: number;
  feeSats: number;
  /** Sats whose proofs were already spent elsewhere (reclaimed by the buyer after the locktime). */
  lostSats: number;
}

export async function redeemCollected(
  ledger: PaymentLedger,
  wallet: PylonWallet,
  opts: RedeemOptions,
): Promise<RedeemedBatch[]> {
  const done: RedeemedBatch[] = [];
  // Operations left open by a mint that did not answer (this wallet's refunds and redeems) settle first.
  if (wallet.openOperations() > 0) await wallet.recover();
  for (const batchId of ledger.batches()) await resolveBatch(ledger, wallet, batchId, done);
  const maxBatch = opts.maxBatch ?? 200;
  let payout = opts.payout && wallet.operation(opts.payout.id) ? undefined : opts.payout;
  for (const mintUrl of ledger.mints("held")) {
    // Each failed attempt removes at least one lost proof, so this ends.
    for (let attempt = 0; attempt < 1000; attempt++) {
      const held = ledger.list({ state: "held", mintUrl, limit: maxBatch });
      if (held.length === 0) break;
      const proofs = held.map((h) => h.proof);
      // The payout rides on this batch if the batch covers it (fees included: checked before any mint call).
      const pays = payout?.mintUrl === mintUrl && sats(proofs) > payout.sats ? payout : undefined;
      if (pays) payout = undefined;
      const batchId = pays?.id ?? randomUUID();
      ledger.startBatch(
        held.map((h) => h.y),
        batchId,
      );
      try {
        const op = await wallet.redeemProofs(mintUrl, proofs, {
          privkey: opts.paymentPrivkey,
          id: batchId,
          ...(pays ? { payout: pays.sats } : {}),
        });
        ledger.endBatch(batchId, { redeemed: true });
        done.push(redeemedBatch(mintUrl, batchId, held, op));
      } catch (err) {
        // A payout this batch did not cover after all (fees): nothing was sent; the batch goes again without it.
        if (
          pays &&
          err instanceof WalletError &&
          err.code === "insufficient-balance" &&
          !wallet.operation(batchId)
        ) {
          ledger.endBatch(batchId, { redeemed: false, lostYs: [] });
          continue;
        }
        if (!(err instanceof WalletError) || (err.code !== "token-spent" && err.code !== "mint-error"))
          throw err;
        const released = await releaseBatch(ledger, wallet, mintUrl, batchId);
        done.push(released);
        if (released.lostSats === 0 && released.redeemedSats === 0) throw err;
      }
    }
  }
  return done;
}

async function resolveBatch(
  ledger: PaymentLedger,
  wallet: PylonWallet,
  batchId: string,
  done: RedeemedBatch[],
): Promise<void> {
  const proofs = ledger.list({ batchId, state: "redeeming" });
  const mintUrl = proofs[0]?.mintUrl;
  if (!mintUrl) return;
  let op = wallet.operation(batchId);
  if (op?.state === "prepared") {
    await wallet.recover();
    op = wallet.operation(batchId);
  }
  if (op?.state === "prepared") return; // mint still unreachable or pending: try again next time
  if (op?.state === "completed") {
    ledger.endBatch(batchId, { redeemed: true });
    done.push(redeemedBatch(mintUrl, batchId, proofs, op));
    return;
  }
  done.push(await releaseBatch(ledger, wallet, mintUrl, batchId));
}

/**
 * A failed batch. Its swap is revived if the mint carried it out after all; otherwise proofs the mint
 * reports spent are lost, and the others go back to held.
 */
async function releaseBatch(
  ledger: PaymentLedger,
  wallet: PylonWallet,
  mintUrl: string,
  batchId: string,
): Promise<RedeemedBatch> {
  const proofs = ledger.list({ batchId, state: "redeeming" });
  const states = await wallet.checkStates(
    mintUrl,
    proofs.map((p) => p.proof),
  );
  const spent = proofs.filter((p) => states.get(p.y) === "SPENT");
  const revived = spent.length > 0 ? await wallet.revive(batchId) : undefined;
  if (revived) {
    ledger.endBatch(batchId, { redeemed: true });
    return redeemedBatch(mintUrl, batchId, proofs, revived);
  }
  ledger.endBatch(batchId, { redeemed: false, lostYs: spent.map((p) => p.y) });
  const lostSats = sats(spent.map((p) => p.proof));
  return { mintUrl, batchId, proofs: proofs.length, redeemedSats: 0, paidOutSats: 0, feeSats: 0, lostSats };
}

/** A completed redeem: what reached the wallet is the inputs less the fee and any payout's token. */
function redeemedBatch(
  mintUrl: string,
  batchId: string,
  proofs: Array<{ proof: Proof }>,
  op: Operation,
): RedeemedBatch {
  const paidOutSats = op.detail.requested === undefined ? 0 : op.amount;
  const redeemedSats = sats(proofs.map((p) => p.proof)) - op.fee - paidOutSats;
  return { mintUrl, batchId, proofs: proofs.length, redeemedSats, paidOutSats, feeSats: op.fee, lostSats: 0 };
}
