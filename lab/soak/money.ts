/**
 * The buyer's money after a soak, as `pylon run`'s receipt reports it (docs/payments.md, "What the receipt
 * says"): spent measured on the wallet, and charged, fees and reclaimable from the run store's tab events
 * and the wallet's operations, which must add up to it. Also what the relays still hold for the buyer.
 */
import { RelayPool } from "@pylon/nostr";
import {
  type CashuTabStrategy,
  type RunStore,
  tabMoney,
  type UnclaimedRefunds,
  unclaimedRefunds,
  walletFeeSats,
} from "@pylon/swarm";
import type { PylonWallet } from "@pylon/wallet";

export interface ReceiptMoney {
  spentSats: number;
  depositedSats: number;
  chargedSats: number;
  refundedSats: number;
  restSats: number;
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
  const tabs = tabMoney(
    input.store.tabs.events(input.buyer, input.mint),
    input.strategy.unsentSats,
    (event) => event.runId === input.runId,
  );
  const balance = input.wallet.balance().total;
  return {
    spentSats: input.fundedSats - balance.unspent - balance.reserved,
    feeSats: walletFeeSats(input.wallet.history({ limit: 1_000_000 })),
    ...tabs,
  };
}

/** Refund ecash to the buyer still unclaimed on the relays. */
export async function unclaimedOnRelay(input: {
  relayUrls: string[];
  secretKey: Uint8Array;
  store: RunStore;
  wallet: PylonWallet;
}): Promise<UnclaimedRefunds> {
  const pool = new RelayPool(input.relayUrls);
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
