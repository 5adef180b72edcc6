/**
 * The buyer's money after a soak, as `pylon run`'s receipt reports it (docs/payments.md, "What the receipt
 * says"): spent measured on the wallet, and charged, fees and reclaimable from the run store's tab events
 * and the wallet's operations, which must add up to it. Also what the relays still hold for the buyer.
 */
import { RelayPool } from "@pylon/nostr";
import {
  type CashuTabStrategy,
  collectRefunds,
  type RefundCollection,
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
  const { relayUrls, secretKey, store, wallet } = input;
  return withPool(relayUrls, (pool) => unclaimedRefunds({ pool, secretKey, store, wallet }));
}

/**
 * What the buyer's next `pylon run` does first: takes in the refunds the relays hold for it (closes this run
 * gave up on that were answered later, expiry refunds of tabs whose close failed). Read once every node
 * has published what it owes, so a relay that did not answer in full, a receive the mint has not decided,
 * or a close still awaited is looked for again (as the run after would), up to `tries` times, once the
 * wallet has settled what it left open.
 */
export async function nextRunCollects(input: {
  relayUrls: string[];
  secretKey: Uint8Array;
  store: RunStore;
  wallet: PylonWallet;
  mint: string;
  tries?: number;
}): Promise<NextRunCollection> {
  const { relayUrls, tries = 4, ...options } = input;
  const all: NextRunCollection = {
    refunds: [],
    takenSats: 0,
    awaiting: 0,
    pending: 0,
    errors: [],
    tries: 0,
    pendingWhy: [],
  };
  while (all.tries < tries) {
    if (all.tries++ > 0) {
      await settleWallet(options.wallet);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
    const got = await withPool(relayUrls, (pool) => collectRefunds({ pool, ...options }));
    all.refunds.push(...got.refunds.filter((r) => !r.pending));
    all.takenSats += got.takenSats;
    all.awaiting = got.awaiting;
    all.pending = got.pending;
    all.errors = got.errors;
    all.pendingWhy = [...new Set(got.refunds.filter((r) => r.pending).map((r) => r.error ?? ""))].slice(0, 3);
    if (got.errors.length === 0 && got.pending === 0 && got.awaiting === 0) break;
  }
  return all;
}

/** The next run's collection, over its tries: what is still pending at the end, and why. */
export interface NextRunCollection extends RefundCollection {
  tries: number;
  pendingWhy: string[];
}

async function withPool<T>(relayUrls: string[], use: (pool: RelayPool) => Promise<T>): Promise<T> {
  const pool = new RelayPool(relayUrls);
  try {
    return await use(pool);
  } finally {
    pool.close();
  }
}

/**
 * Waits (within `timeoutMs`) until the wallet has no operation left open: one the mint did not answer in
 * time settles from the mint's state once its window for late answers has passed. Returns those still open.
 */
export async function settleWallet(wallet: PylonWallet, timeoutMs = 150_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  while (wallet.openOperations() > 0 && Date.now() < end) {
    await wallet.recover();
    if (wallet.openOperations() > 0) await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  return wallet.openOperations();
}

export { getPublicKey } from "@pylon/nostr";
