/**
 * The buyer's money after a soak, as `pylon run`'s receipt reports it (docs/payments.md, "What the receipt
 * says"): spent measured on the wallet, and charged, fees and reclaimable from the run store's tab events
 * and the wallet's operations, which must add up to it. Also what the relays still hold for the buyer.
 */
import { RelayPool } from "@pylon/nostr";
import { type CashuTabStrategy, type RunStore, type UnclaimedRefunds, unclaimedRefunds } from "@pylon/swarm";
import type { Operation, PylonWallet } from "@pylon/wallet";

export interface ReceiptMoney {
  spentSats: number;
  depositedSats: number;
  chargedSats: number;
  refundedSats: number;
  feeSats: number;
  reclaimableSats: number;
}

export function receiptMoney(input: {
  wallet: PylonWallet;
  fundedSats: number;
  store: RunStore;
  strategy: CashuTabStrategy;
  buyer: string;
  mint: string;
  runId: string;
}): ReceiptMoney {
  const totals = new Map<string, number>();
  for (const event of input.store.tabs.events(input.buyer, input.mint))
    if (event.runId === input.runId) totals.set(event.kind, (totals.get(event.kind) ?? 0) + event.msats);
  const sats = (kind: string) => (totals.get(kind) ?? 0) / 1000;
  // A refund counts as what the wallet gained (the provider's token carried its receive fee).
  const feeSats = input.wallet
    .history({ limit: 1_000_000 })
    .filter((op) => op.kind !== "receive" && op.kind !== "fund")
    .reduce((sum, op) => sum + op.fee + redeemFeeCarried(op), 0);
  const balance = input.wallet.balance().total;
  const deposited = sats("deposit");
  const charged = sats("charge");
  const refunded = sats("refund");
  return {
    spentSats: input.fundedSats - balance.unspent - balance.reserved,
    depositedSats: deposited,
    chargedSats: charged,
    refundedSats: refunded,
    feeSats,
    reclaimableSats: Math.round((deposited - charged - refunded + input.strategy.unsentSats) * 1000) / 1000,
  };
}

/** What a deposit swap added to its tokens for the providers' redeem fee. */
function redeemFeeCarried(op: Operation): number {
  if (op.kind !== "lock" || op.state === "failed" || !Array.isArray(op.detail.requests)) return 0;
  const asked = (op.detail.requests as Array<{ amountSats?: unknown }>).reduce(
    (sum, r) => sum + Number(r.amountSats ?? 0),
    0,
  );
  return Math.max(0, op.amount - asked);
}

/** Refund ecash to the buyer still unclaimed on the relay. */
export async function unclaimedOnRelay(input: {
  relayUrl: string;
  secretKey: Uint8Array;
  store: RunStore;
  wallet: PylonWallet;
}): Promise<UnclaimedRefunds> {
  const pool = new RelayPool([input.relayUrl]);
  try {
    return await unclaimedRefunds({
      pool,
      secretKey: input.secretKey,
      store: input.store,
      wallet: input.wallet,
    });
  } finally {
    pool.close();
  }
}

export { getPublicKey } from "@pylon/nostr";
