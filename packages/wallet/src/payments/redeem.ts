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
 */
import { randomUUID } from "node:crypto";
import { WalletError } from "../errors.js";
import type { PylonWallet } from "../wallet.js";
import type { PaymentLedger } from "./ledger.js";

export interface RedeemOptions {
  /** The payment key's secret key (hex). */
  paymentPrivkey: string;
  /** Most proofs per swap (default 200). */
  maxBatch?: number;
}

export interface RedeemedBatch {
  mintUrl: string;
  batchId: string;
  proofs: number;
  /** Sats that reached the wallet (after the swap's input fee). */
  redeemedSats: number;
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
  for (const mintUrl of ledger.mints("held")) {
    // Each failed attempt removes at least one lost proof, so this ends.
    for (let attempt = 0; attempt < 1000; attempt++) {
      const held = ledger.list({ state: "held", mintUrl, limit: maxBatch });
      if (held.length === 0) break;
      const batchId = randomUUID();
      ledger.startBatch(
        held.map((h) => h.y),
        batchId,
      );
      try {
        const op = await wallet.redeemProofs(
          mintUrl,
          held.map((h) => h.proof),
          { privkey: opts.paymentPrivkey, id: batchId },
        );
        ledger.endBatch(batchId, { redeemed: true });
        done.push({
          mintUrl,
          batchId,
          proofs: held.length,
          redeemedSats: op.amount,
          feeSats: op.fee,
          lostSats: 0,
        });
      } catch (err) {
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
    done.push({
      mintUrl,
      batchId,
      proofs: proofs.length,
      redeemedSats: op.amount,
      feeSats: op.fee,
      lostSats: 0,
    });
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
    const redeemed = { redeemedSats: revived.amount, feeSats: revived.fee, lostSats: 0 };
    return { mintUrl, batchId, proofs: proofs.length, ...redeemed };
  }
  ledger.endBatch(batchId, { redeemed: false, lostYs: spent.map((p) => p.y) });
  const lostSats = spent.reduce((s, p) => s + p.proof.amount.toNumber(), 0);
  return { mintUrl, batchId, proofs: proofs.length, redeemedSats: 0, feeSats: 0, lostSats };
}
