/**
 * `pylon run`'s market side: the swarm as the sub-call backend, paying through Cashu tabs when a mint is
 * given, with its run state in <data dir>/swarm.db and a kept buyer key, so a run id can be resumed.
 */
import { join } from "node:path";
import { loadOrCreateKey } from "@pylon/nostr";
import { type CashuTabStrategy, cashuTabStrategy, createSwarm, RunStore, type Swarm } from "@pylon/swarm";
import { openWallet, type PylonWallet } from "@pylon/wallet";

export interface MarketOptions {
  relays: string[];
  dataDir: string;
  runId: string;
  /** Run state and memo; default <data dir>/swarm.db. */
  store?: string;
  /** Most one sub-call may cost, msats. */
  maxPriceMsats?: number;
  /** Live providers to wait for before the run starts. */
  providers: number;
  /** Pay through Cashu tabs from <data dir>/wallet at this mint. */
  mint?: string;
  /** Most sats locked in tab deposits. */
  budgetSats?: number;
}

/** Money of one run id, from the run store's tab events (all its invocations) and this process's wallet. */
export interface MarketPayments {
  mint: string;
  depositedSats: number;
  /** What providers charged (per-job estimates until the close settles each tab exactly). */
  chargedSats: number;
  refundedSats: number;
  /** Mint fees paid by this process's wallet operations (deposit swaps, refund receipts). */
  feeSats: number;
  /** Sats locked in deposits by this process. */
  lockedSats: number;
}

export interface Market {
  swarm: Swarm;
  payments(): MarketPayments | undefined;
  /** Sats this process locked in tab deposits so far (cheap: for the progress bar); undefined without a mint. */
  lockedSats(): number | undefined;
  /**
   * Closes the tabs (refunds into the wallet), then everything; returns the run's final payments, and why
   * closing failed if it did (a tab left open is reused and closed by the next run with this data dir).
   */
  close(): Promise<MarketClosed>;
}

export interface MarketClosed {
  payments: MarketPayments | undefined;
  error?: Error;
}

export async function openMarket(options: MarketOptions): Promise<Market> {
  // A kept buyer key: a resumed run can read results of jobs the interrupted one left in flight, and
  // its tabs (keyed by the buyer's pubkey) are found open again.
  const key = await loadOrCreateKey(join(options.dataDir, "swarm.key"));
  const store = RunStore.open(options.store ?? join(options.dataDir, "swarm.db"));
  let wallet: PylonWallet | undefined;
  let strategy: CashuTabStrategy | undefined;
  let swarm: Swarm | undefined;
  try {
    if (options.mint) {
      const walletDir = join(options.dataDir, "wallet");
      wallet = await openWallet({
        dbPath: join(walletDir, "wallet.db"),
        seedPath: join(walletDir, "seed"),
        mintUrls: [options.mint],
      });
      // The budget is the run's, over all its invocations: what a killed one left locked in still-open
      // tabs (reused now) counts against it.
      const earlier = netDepositedSats(store, key.pubkey, options.mint, options.runId);
      strategy = cashuTabStrategy({
        wallet,
        mintUrl: options.mint,
        ...(options.budgetSats === undefined
          ? {}
          : { maxSpendSats: Math.max(0, Math.floor(options.budgetSats - Math.max(0, earlier))) }),
      });
    }
    swarm = await createSwarm({
      ...(strategy ? { payment: strategy } : {}),
      relays: options.relays,
      secretKey: key.secretKey,
      store,
      runId: options.runId,
      ...(options.maxPriceMsats === undefined ? {} : { maxPriceMsats: options.maxPriceMsats }),
    });
    await swarm.directory.waitFor(options.providers, 10_000);
  } catch (error) {
    await swarm?.close().catch(() => undefined);
    wallet?.close();
    store.close();
    throw error;
  }
  const opened = swarm;
  const startedAt = Date.now();

  const payments = (): MarketPayments | undefined => {
    if (!options.mint || !strategy) return undefined;
    // By kind name: kinds this code does not know (added to the store later) are left out, not miscounted.
    const totals = new Map<string, number>();
    for (const event of store.tabs.events(opened.pubkey, options.mint)) {
      if (event.runId === opened.runId) totals.set(event.kind, (totals.get(event.kind) ?? 0) + event.msats);
    }
    const msats = (kind: string) => totals.get(kind) ?? 0;
    const fees = (wallet?.history({ limit: 100_000 }) ?? [])
      .filter((op) => op.ownerPid === process.pid && op.createdAt >= startedAt)
      .reduce((sum, op) => sum + op.fee, 0);
    return {
      mint: options.mint,
      depositedSats: msats("deposit") / 1000,
      chargedSats: msats("charge") / 1000,
      refundedSats: msats("refund") / 1000,
      feeSats: fees,
      lockedSats: strategy.lockedSats,
    };
  };

  let closed: Promise<MarketClosed> | undefined;
  const close = async (): Promise<MarketClosed> => {
    let error: Error | undefined;
    try {
      await opened.close(); // closes the tabs, takes the refunds into the wallet
    } catch (caught) {
      error = caught instanceof Error ? caught : new Error(String(caught));
    }
    try {
      return { payments: payments(), ...(error ? { error } : {}) };
    } finally {
      wallet?.close();
      store.close();
    }
  };
  return {
    swarm: opened,
    payments,
    lockedSats: () => strategy?.lockedSats,
    close: () => {
      closed ??= close();
      return closed;
    },
  };
}

/** Deposits less refunds of one run id's tabs so far, in sats. */
function netDepositedSats(store: RunStore, buyer: string, mint: string, runId: string): number {
  let msats = 0;
  for (const event of store.tabs.events(buyer, mint)) {
    if (event.runId !== runId) continue;
    if (event.kind === "deposit") msats += event.msats;
    else if (event.kind !== "charge") msats -= event.msats; // refunds (and reclaims) came back
  }
  return msats / 1000;
}
