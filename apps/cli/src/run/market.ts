/**
 * `pylon run`'s market side: the swarm as the sub-call backend, paying through Cashu tabs when a mint is
 * given, with its run state in <data dir>/swarm.db and a kept buyer key, so a run id can be resumed.
 */
import { join } from "node:path";
import { describeRelayTrouble, loadOrCreateKey } from "@pylon/nostr";
import {
  type CashuTabStrategy,
  cashuTabStrategy,
  createSwarm,
  RunStore,
  type Swarm,
  type TrustOptions,
  type TrustReport,
  tabMoney,
  walletFeeSats,
} from "@pylon/swarm";
import { canonicalMintUrl, openWallet, type PylonWallet } from "@pylon/wallet";

export interface MarketOptions {
  relays: string[];
  dataDir: string;
  runId: string;
  /** Run state and memo; default <data dir>/swarm.db. */
  store?: string;
  /** Most one sub-call may cost, msats. */
  maxPriceMsats?: number;
  /** How sub-calls spread over equally priced providers (SwarmOptions.spread; default "finish"). */
  spread?: "finish" | "even";
  /** Live providers to wait for before the run starts. */
  providers: number;
  /** Pay through Cashu tabs from <data dir>/wallet at this mint. */
  mint?: string;
  /** Most sats locked in tab deposits. */
  budgetSats?: number;
  /** Say nothing on stderr but errors. */
  quiet?: boolean;
  /** Spot checks, the reputation book, the required digest (run/trust flags). */
  trust?: TrustOptions;
  /** Answer a request asked before from the store (default true; `pylon serve` asks every request afresh). */
  memoise?: boolean;
}

/**
 * Money of this invocation of a run (docs/payments.md, "What the receipt says"). `spentSats` is measured on
 * the wallet; the rest come from the run store's tab events and the wallet's fees, and add up to it:
 * spent = charged + rests + fees + reclaimable (to the sat), where deposited = charged + refunded + rests +
 * reclaimable less the deposits that never left (`unsentSats`, part of reclaimable).
 */
export interface MarketPayments {
  mint: string;
  /** The wallet's outflow: sats it held at the start less what it holds now, less refunds of other runs taken in. */
  spentSats: number;
  depositedSats: number;
  /** What the tabs charged (per-job estimates until a tab closes, then exact). */
  chargedSats: number;
  /** Taken back from this run's tabs (closes, expiry refunds, reclaims), face value. */
  refundedSats: number;
  /** What closed tabs could not return (a close refunds whole sats; the provider keeps the rest, < 1 sat). */
  restSats: number;
  /** Mint fees of this invocation's wallet operations (deposit swaps, refund receipts). */
  feeSats: number;
  /**
   * Still the buyer's but not in the wallet: open tab balances (estimated until closed), and deposits that
   * never left (locked to their provider; sent again or reclaimed after their lock).
   */
  reclaimableSats: number;
  /** Deposits locked but never delivered (no relay took their request), part of `reclaimableSats`. */
  unsentSats: number;
  /** Refunds of earlier runs' tabs this invocation found on the relays and took in (not in `spentSats`). */
  recoveredSats: number;
  /** Sats locked in deposits by this process (the budget's use). */
  lockedSats: number;
  /** The run's tabs over all its invocations (a resumed run counts its earlier ones too). */
  run: { depositedSats: number; chargedSats: number; refundedSats: number };
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
  /** What the spot checks did and whom they caught; undefined from a swarm without trust. */
  trust?: TrustReport;
  error?: Error;
}

export async function openMarket(given: MarketOptions): Promise<Market> {
  // One spelling of the mint: the tabs and refunds in the run store are keyed by it.
  const options = given.mint ? { ...given, mint: canonicalMintUrl(given.mint) } : given;
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
      ...(options.spread ? { spread: options.spread } : {}),
      ...(options.trust ? { trust: options.trust } : {}),
      ...(options.memoise === undefined ? {} : { memoise: options.memoise }),
    });
    // Refunds to this buyer waiting on the relays (tabs that expired, closes given up on) come in first.
    const connecting = swarm;
    const [, collected] = await Promise.all([
      connecting.directory.waitFor(options.providers, 10_000).catch((error: unknown) => {
        const statuses = connecting.relayStatus();
        const trouble = describeRelayTrouble(statuses);
        if (trouble.length === 0) throw error;
        if (trouble.length === statuses.length)
          throw new Error(`could not connect to any relay: ${trouble.join("; ")}`);
        throw new Error(`${(error as Error).message}; relays not connected: ${trouble.join("; ")}`);
      }),
      strategy?.collectRefunds(),
    ]);
    for (const problem of collected?.errors ?? []) console.error(`pylon: refunds: ${problem}`);
    if (collected && collected.takenSats > 0 && !options.quiet)
      console.error(`pylon: ${collected.takenSats} sats of refunds from earlier runs taken into the wallet`);
  } catch (error) {
    await swarm?.close().catch(() => undefined);
    wallet?.close();
    store.close();
    throw error;
  }
  const opened = swarm;
  // The baseline of the receipt's money: what the wallet held once earlier runs' refunds were in.
  const startedAt = Date.now();
  const heldAtStart = wallet && options.mint ? heldSats(wallet, options.mint) : 0;
  const otherAtStart = strategy?.otherRefunds ?? { sats: 0, feeSats: 0 };

  const payments = (): MarketPayments | undefined => {
    if (!options.mint || !strategy || !wallet) return undefined;
    const events = store.tabs.events(opened.pubkey, options.mint).filter((e) => e.runId === opened.runId);
    const run = tabMoney(events, 0);
    const here = tabMoney(events, strategy.unsentSats, (event) => event.at >= startedAt);
    const other = strategy.otherRefunds;
    const fees = walletFeeSats(
      wallet
        .history({ limit: 100_000 })
        .filter((op) => op.ownerPid === process.pid && op.createdAt >= startedAt),
    );
    return {
      mint: options.mint,
      spentSats: heldAtStart - heldSats(wallet, options.mint) + (other.sats - otherAtStart.sats),
      depositedSats: here.depositedSats,
      chargedSats: here.chargedSats,
      refundedSats: here.refundedSats,
      restSats: here.restSats,
      feeSats: fees,
      reclaimableSats: here.reclaimableSats,
      unsentSats: strategy.unsentSats,
      recoveredSats: other.sats,
      lockedSats: strategy.lockedSats,
      run: { depositedSats: run.depositedSats, chargedSats: run.chargedSats, refundedSats: run.refundedSats },
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
      return { payments: payments(), trust: opened.trust(), ...(error ? { error } : {}) };
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

/** Sats the wallet holds at `mint`: spendable and reserved for an operation in flight (not handed out). */
function heldSats(wallet: PylonWallet, mint: string): number {
  const totals = wallet.balance().byMint[canonicalMintUrl(mint)];
  return (totals?.unspent ?? 0) + (totals?.reserved ?? 0);
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
