/** The Cashu tab strategy's options and what it exposes (cashu-tab.ts builds it; docs/swarm.md, Payments). */
import type { DepositWallet } from "./deposit-batcher.js";
import type { ProviderEntry } from "./directory.js";
import type { PaymentJob, PaymentStrategy } from "./payment.js";
import type { RefundCollection } from "./refund-collector.js";
import type { CloseWallet } from "./tab-close.js";
import type { TabSummary } from "./tab-summaries.js";

/** The parts of a `PylonWallet` (@pylon/wallet) the strategy uses. */
export interface TabWallet extends DepositWallet, CloseWallet {}

export interface TabDepositPolicy {
  /** Sats to deposit when a tab is opened or topped up, given the job that needs it (its quote, msats). */
  depositSats(provider: ProviderEntry, job: PaymentJob): number;
}

export interface CashuTabOptions {
  wallet: TabWallet;
  /** The mint the wallet holds ecash of; only providers listing it are paid. */
  mintUrl: string;
  /** Deposit per opening / top-up, sats (at least what the job needing it may cost). Default 100. */
  depositSats?: number;
  /** Or decide each deposit's size. */
  policy?: TabDepositPolicy;
  /**
   * Deposit lock, seconds: the wallet may take a deposit back after now + this, and `close()` does for
   * deposits still unredeemed then. Default 3,600. Per provider when a function (nodes refuse a deposit
   * locked for less than their `payments.minLockSec`, default 600).
   */
  lockSeconds?: number | ((provider: ProviderEntry) => number);
  /** Most this strategy locks in deposits, in all (sats). Default: no limit. */
  maxSpendSats?: number;
  /** How long the first deposits wanted at about once are gathered into one swap, ms. Default 25. */
  batchWindowMs?: number;
  /**
   * Lazy tabs' slow start: deposits per swap before any tab is open (then as many as tabs are open, up to
   * `maxDepositsPerSwap`); at most two swaps' worth are in flight (requested, not yet confirmed by their
   * job's acknowledgement) at once. Default 4.
   */
  openingWindow?: number;
  /** Most deposits one swap carries. Default 16 (~0.3 s of curve math). */
  maxDepositsPerSwap?: number;
  /**
   * Round each deposit up to one proof (a power of two, less the mint's redeem fee) when the budget allows:
   * a third of the curve math of e.g. 250 sats (six proofs). Default true.
   */
  roundDeposits?: boolean;
  /** Timeout of each close job, ms. Default 30,000. */
  closeTimeoutMs?: number;
  /**
   * How long `close()` keeps looking for the refunds of the closes it gave up on, ms: they are often
   * answered soon after (the provider's mint was busy). Default `closeTimeoutMs`; a refund later still is
   * collected by the next run (`collectRefunds`).
   */
  refundGraceMs?: number;
  /**
   * Tabs still open at `close()`: "refund" (default) closes each and takes its balance back; "keep" leaves
   * them open for a later run with the same buyer key and run store (the provider refunds a tab on
   * its own once it expires, see `receiveTabRefunds`).
   */
  tabsAtClose?: "refund" | "keep";
}

export interface CashuTabStrategy extends PaymentStrategy {
  /** Sats locked in deposits so far (this strategy's budget use). */
  readonly lockedSats: number;
  /** Wallet swaps made for deposits. */
  readonly depositSwaps: number;
  /** Sats taken back into the wallet from closed tabs. */
  readonly refundedSats: number;
  /**
   * Sats of this run's deposits reclaimed at close (lock expired, never redeemed): face value; the wallet
   * gained this less `reclaimFeeSats` (the mint's input fee for the reclaim swap).
   */
  readonly reclaimedSats: number;
  readonly reclaimFeeSats: number;
  /** The tabs of this buyer at the mint, from the run store. */
  tabs(): TabSummary[];
  /**
   * Takes in every refund to this buyer the relays hold (expiry refunds, closes given up on), each once;
   * refunds that settle this run's tabs count in `refundedSats`. `close()` does it too, last.
   */
  collectRefunds(): Promise<RefundCollection>;
  /** Sats of deposits that were locked but never reached their provider (no relay took the request). */
  readonly unsentSats: number;
  /** Refunds of other runs' tabs (or of tabs the run store does not know) taken in by `collectRefunds`. */
  readonly otherRefunds: { sats: number; feeSats: number };
  /** Closes `provider`'s tab now and pays it nothing more (caught cheating); see PaymentStrategy. */
  revoke(provider: string): Promise<void>;
  /** Providers revoked, and why a revocation's close failed (the run's close tries again). */
  readonly revoked: ReadonlySet<string>;
  readonly revokeErrors: readonly string[];
  /**
   * The opening window (Lazy tabs): deposits allowed in flight now, in flight (requested, not yet
   * confirmed), and the most ever in flight at once; the learnt time from a deposit leaving to its
   * acknowledgement, and a swap's expected time now, ms.
   */
  depositWindow(): { size: number; inFlight: number; peak: number; confirmMs: number; swapMs: number };
}

export class TabBudgetError extends Error {}
