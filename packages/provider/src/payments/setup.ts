/**
 * The node's ecash side, opened when it takes payments (not free, allowed mints configured): the provider
 * wallet (`<dataDir>/wallet.db`, 0600 seed `<dataDir>/wallet.seed`) whose P2PK key is the payment key
 * buyers lock to, the payment ledger in the same file (so collected proofs and redeemed ecash sit together),
 * the mints' keysets (fetched at start, refreshed on unknown ids), the policy and the redeem scheduler.
 */
import path from "node:path";
import { KeysetDirectory, openWallet, PaymentLedger, type RedeemedBatch } from "@pylon/wallet";
import type { ProviderConfig } from "../config/schema.js";
import type { Logger } from "../log.js";
import { CashuPolicy } from "./cashu-policy.js";
import { type Earnings, readEarnings } from "./earnings.js";
import { LightningInvoices } from "./lightning-invoices.js";
import { RedeemScheduler } from "./redeem-scheduler.js";
import { type RefundDelivery, TabRefunder } from "./tab-refunder.js";
import type { TabRefund } from "./tab-refunds.js";
import { TabBook, type TabTotals } from "./tabs.js";

export interface NodePayments {
  policy: CashuPolicy;
  /** Compressed public key buyers lock to (announced as `payment.p2pk`). */
  paymentKey: string;
  earnings(): Earnings;
  /** Sums over every tab (msats): deposited = balance + reserved + charged + refunded. */
  tabTotals(): TabTotals;
  /** Expiry refunds made by the node (token, delivered or not), optionally of one buyer. */
  tabRefunds(buyer?: string): TabRefund[];
  /**
   * Starts refunding expired tabs (now, then every `payments.tabSweepSec`), each refund published with
   * `deliver` until a relay accepts it. Resolves after the first sweep.
   */
  startTabRefunds(deliver: RefundDelivery): Promise<void>;
  /** Redeems what was collected now (the scheduler does it before the locktimes on its own). */
  redeemNow(): Promise<RedeemedBatch[]>;
  /** Stops the scheduler, redeems what is held (bounded), closes the files. */
  close(): Promise<void>;
}

export const WALLET_FILE = "wallet.db";
export const SEED_FILE = "wallet.seed";

export async function startPayments(config: ProviderConfig, log: Logger): Promise<NodePayments> {
  const walletFile = path.join(config.dataDir, WALLET_FILE);
  const wallet = await openWallet({
    dbPath: walletFile,
    seedPath: path.join(config.dataDir, SEED_FILE),
    mintUrls: config.allowedMints,
  });
  const ledger = new PaymentLedger(walletFile);
  const keysets = new KeysetDirectory();
  for (const mint of config.allowedMints) {
    try {
      await keysets.refresh(mint);
    } catch (error) {
      // Not fatal: its tokens are refused as unknown keysets until a refresh succeeds.
      log.warn(`cannot fetch the keysets of ${mint} (will retry when paid with it): ${String(error)}`);
    }
  }
  const { minLockSec, redeemLeadSec, redeemBatch, redeemCheckSec, tabTtlSec, tabSweepSec, keysetRefreshSec } =
    config.payments;
  const { lightning, lightningWaitSec, lightningMaxOpen } = config.payments;
  const firstMint = config.allowedMints[0];
  const invoices =
    lightning && firstMint
      ? new LightningInvoices({
          wallet,
          mintUrl: firstMint,
          waitSec: lightningWaitSec,
          maxOpen: lightningMaxOpen,
          log,
        })
      : undefined;
  const tabs = new TabBook({
    ledger,
    wallet,
    ttlSec: tabTtlSec,
    redeem: (payout) => scheduler.redeemNow(payout),
  });
  const policy = new CashuPolicy({
    tabs,
    ...(invoices ? { invoices } : {}),
    ledger,
    keysets,
    allowedMints: config.allowedMints,
    paymentKey: wallet.p2pk.pubkey,
    minLockSec,
    keysetRefreshMs: keysetRefreshSec * 1000,
    log,
  });
  const scheduler = new RedeemScheduler({
    ledger,
    wallet,
    paymentPrivkey: wallet.p2pk.privkey,
    leadSec: Math.min(redeemLeadSec, minLockSec),
    batch: redeemBatch,
    checkSec: redeemCheckSec,
    log,
  });
  scheduler.start();
  const refunder = new TabRefunder(tabs, { sweepSec: tabSweepSec, log });
  let closed: Promise<void> | undefined;
  // After close, the last figures read (status() is still asked for once the node has stopped).
  let final: { earnings: Earnings; tabs: TabTotals } | undefined;
  return {
    policy,
    paymentKey: wallet.p2pk.pubkey,
    earnings: () => final?.earnings ?? readEarnings(ledger.db),
    tabTotals: () => final?.tabs ?? tabs.totals(),
    tabRefunds: (buyer) => tabs.expiryRefunds.list(buyer),
    startTabRefunds: (deliver) => refunder.start(deliver),
    redeemNow: () => scheduler.redeemNow(),
    close: () => {
      closed ??= (async () => {
        invoices?.close();
        await refunder.stop(15_000);
        await scheduler.stop(15_000);
        final = { earnings: readEarnings(ledger.db), tabs: tabs.totals() };
        ledger.close();
        wallet.close();
      })();
      return closed;
    },
  };
}
