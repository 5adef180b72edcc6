/**
 * Paying providers through Cashu tabs (docs/payments.md, Tabs): the first job to a provider carries a
 * deposit locked to its announced payment key (`["param","tab","open"]` + the token, encrypted), later jobs
 * carry nothing and are debited from the balance at the provider, which reports what is left on every
 * result (`["tab", msats, expires]`). A tab that cannot cover the next job's maximum cost is topped up with
 * another deposit, within the budget (`maxSpendSats`: never more locked than that, in all). `close()`
 * settles the run: it closes every open tab and receives the refunds (or, with `tabsAtClose: "keep"`,
 * leaves them open for a later run), then reclaims this run's deposits whose lock expired unredeemed.
 * Deposits, charges, refunds and reclaims are written to the run store; a resumed run (same buyer key and
 * store) reuses its open tabs. The parts: tab-ledger.ts (the arithmetic), deposit-batcher.ts (one swap for
 * many deposits), tab-close.ts (close and reclaim), tab-revoke.ts (a caught provider's tab), tab-summaries.ts,
 * tab-store.ts. Over 400 lines on purpose: what is left is one closure whose state (tabs, holds by job,
 * revoked providers, the binding) prepare, settle, revoke and close share; split, they would pass it around.
 */
import { canonicalMintUrl } from "@pylon/wallet";
import { DepositBatcher, type DepositWallet } from "./deposit-batcher.js";
import type { ProviderEntry } from "./directory.js";
import type { PaymentBinding, PaymentJob, PaymentStrategy, PreparedPayment } from "./payment.js";
import type { LockedDeposit } from "./reclaim.js";
import { collectRefunds, type RefundCollection } from "./refund-collector.js";
import {
  type CloseWallet,
  closeOpenTabs,
  type ReturnedSats,
  reclaimExpired,
  type TabCloseContext,
} from "./tab-close.js";
import {
  creditDeposit,
  depositSatsFor,
  endHold,
  estimateCostMsats,
  markClosed,
  newLedger,
  reserve,
  type TabHold,
  type TabLedger,
} from "./tab-ledger.js";
import { revokeTab } from "./tab-revoke.js";
import type { TabEventKind } from "./tab-store.js";
import { type TabSummary, tabSummaries, unsettledTabs } from "./tab-summaries.js";

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
  /** How long deposits wanted at about once are gathered into one swap, ms. Default 25. */
  batchWindowMs?: number;
  /** Timeout of each close job, ms. Default 30,000. */
  closeTimeoutMs?: number;
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
}

export class TabBudgetError extends Error {}

/** A tab's ledger, plus the deposit on its way (the job carrying it not yet ended), which others wait for. */
interface Tab extends TabLedger {
  pending: Promise<void> | undefined;
  /** Ends `pending`. */
  release: (() => void) | undefined;
}

export function cashuTabStrategy(options: CashuTabOptions): CashuTabStrategy {
  const mint = canonicalMintUrl(options.mintUrl);
  const budget = options.maxSpendSats ?? Number.POSITIVE_INFINITY;
  const tabs = new Map<string, Tab>();
  let binding: PaymentBinding | undefined;
  let lockedSats = 0;
  const returned: ReturnedSats = { refundedSats: 0, reclaimedSats: 0, reclaimFeeSats: 0 };
  /** Every deposit this strategy locked, for the reclaim at close. */
  const deposits: LockedDeposit[] = [];
  /** The tabs as they were at close (the swarm may close its store right after). */
  let closedTabs: TabSummary[] | undefined;
  const batcher = new DepositBatcher({
    wallet: options.wallet,
    mintUrl: options.mintUrl,
    windowMs: options.batchWindowMs ?? 25,
    lockSeconds: (provider) => {
      const lock = options.lockSeconds ?? 3_600;
      return typeof lock === "function" ? lock(provider) : lock;
    },
    onSwapFailed: (sats) => {
      lockedSats -= sats;
    },
  });

  const bound = (): PaymentBinding => {
    if (!binding) throw new Error("the Cashu tab strategy is not bound to a swarm (createSwarm binds it)");
    return binding;
  };
  const record = (
    provider: string,
    kind: TabEventKind,
    msats: number,
    extra: { jobId?: string; token?: string; balanceMsats?: number } = {},
  ): void => {
    const { store, client, runId } = bound();
    store.tabs.record({
      buyer: client.pubkey,
      provider,
      mint: options.mintUrl,
      runId,
      kind,
      msats,
      ...extra,
    });
    // A provider's refund carries its token (a reclaimed deposit does not: that came back without it).
    if (kind === "refund" && msats > 0 && extra.token) bound().onRefund?.(provider, msats);
  };
  const summaries = (): TabSummary[] => {
    const { client, store } = bound();
    return tabSummaries(store.tabs, client.pubkey, options.mintUrl);
  };

  const tabOf = (pubkey: string): Tab => {
    let tab = tabs.get(pubkey);
    if (!tab) {
      // A resumed run: an open tab from before is reused (its last reported balance), never deposited twice.
      const row = binding?.store.tabs
        .list(binding.client.pubkey, options.mintUrl)
        .find((t) => t.provider === pubkey && t.state === "open");
      tab = { ...newLedger(row && (row.balanceMsats ?? 0)), pending: undefined, release: undefined };
      tabs.set(pubkey, tab);
    }
    return tab;
  };

  /** An unsent deposit to `provider` big enough for a job of `needMsats` and not near its locktime. */
  const unsentDeposit = (provider: string, needMsats: number): LockedDeposit | undefined => {
    const soon = Math.floor(Date.now() / 1000) + 120;
    return deposits.find(
      (d) => !d.sent && d.token && d.provider === provider && d.msats > needMsats && d.locktime > soon,
    );
  };

  /** Jobs whose id the strategy learns only at settle: keyed by the job object until then. */
  const holds = new WeakMap<PaymentJob, { tab: Tab; hold: TabHold; locked?: LockedDeposit }>();

  const revoked = new Set<string>();
  const revokeErrors: string[] = [];

  const prepare = async (provider: ProviderEntry, job: PaymentJob): Promise<PreparedPayment> => {
    if (revoked.has(provider.pubkey))
      throw new Error(`provider ${provider.pubkey.slice(0, 8)} was caught cheating: it is paid nothing more`);
    const tab = tabOf(provider.pubkey);
    while (tab.pending) await tab.pending;
    // Caught while this job waited for a deposit on its way: nothing reserved yet, nothing to undo.
    if (revoked.has(provider.pubkey))
      throw new Error(`provider ${provider.pubkey.slice(0, 8)} was caught cheating: it is paid nothing more`);
    const need = job.quoteMsats;
    const reserved = reserve(tab, need);
    if (reserved) {
      holds.set(job, { tab, hold: reserved });
      return {};
    }
    // A deposit whose job no relay took is still ours and locked to this provider: send it again.
    const resend = unsentDeposit(provider.pubkey, need);
    if (resend?.token) {
      resend.sent = true;
      let releaseTab!: () => void;
      tab.pending = new Promise<void>((resolve) => {
        releaseTab = resolve;
      });
      record(provider.pubkey, "deposit", resend.msats, { token: resend.token });
      const hold = creditDeposit(tab, resend.msats, need);
      holds.set(job, { tab, hold, locked: resend });
      tab.release = releaseTab;
      return { cashuToken: resend.token, extraParams: { tab: "open" } };
    }
    // Open or top up: another deposit, within the budget.
    const wanted = options.policy ? options.policy.depositSats(provider, job) : (options.depositSats ?? 100);
    const sats = depositSatsFor(wanted, job.quoteMsats);
    if (lockedSats + sats > budget) {
      throw new TabBudgetError(
        `payment budget exhausted: ${lockedSats} of ${budget} sats locked; a deposit of ${sats} sats to ` +
          `${provider.pubkey.slice(0, 8)} would exceed it`,
      );
    }
    lockedSats += sats;
    let releaseTab!: () => void;
    tab.pending = new Promise<void>((resolve) => {
      releaseTab = resolve;
    });
    try {
      const { token, deposit } = await batcher.lock(provider, sats);
      if (deposit) deposits.push(deposit);
      // Written before the token leaves the process: a crash after this still knows it was locked.
      record(provider.pubkey, "deposit", sats * 1000, { token });
      const hold = creditDeposit(tab, sats * 1000, need);
      holds.set(job, { tab, hold, ...(deposit ? { locked: deposit } : {}) });
      // The tab is usable by others once this job's result confirms the deposit (see settle).
      tab.release = releaseTab;
      return { cashuToken: token, extraParams: { tab: "open" } };
    } catch (error) {
      tab.pending = undefined;
      tab.release = undefined;
      releaseTab();
      throw error;
    }
  };

  const settle: PaymentStrategy["settle"] = async (provider, job, settlement) => {
    const held = holds.get(job);
    if (!held) return settlement.owedMsats;
    holds.delete(job);
    const { tab, hold } = held;
    const reported = settlement.tabMsats;
    const withdrawn = endHold(tab, hold, {
      outcome: settlement.outcome,
      published: settlement.jobId !== undefined,
      reportedMsats: reported,
    });
    let costMsats = 0;
    if (settlement.outcome === "answered") {
      costMsats = estimateCostMsats(provider, job, settlement.outputTokens, hold.msats);
      record(provider.pubkey, "charge", costMsats, {
        ...(settlement.jobId === undefined ? {} : { jobId: settlement.jobId }),
        ...(reported === undefined ? {} : { balanceMsats: reported }),
      });
    }
    if (withdrawn) {
      // Never published: the deposit did not leave; the wallet may reclaim its token after the locktime.
      record(provider.pubkey, "deposit", -hold.depositMsats);
      if (held.locked) held.locked.sent = false;
    }
    if (hold.depositMsats > 0) {
      tab.pending = undefined;
      tab.release?.();
      tab.release = undefined;
    }
    return costMsats + settlement.owedMsats;
  };

  const closeContext = (b: PaymentBinding): TabCloseContext => ({
    client: b.client,
    tabs: b.store.tabs,
    mintUrl: options.mintUrl,
    wallet: options.wallet,
    closeTimeoutMs: options.closeTimeoutMs ?? 30_000,
    returned,
    refunds: b.store.refunds,
    record,
    closed: (provider) => {
      const tab = tabs.get(provider);
      if (tab) markClosed(tab);
    },
  });

  /** A caught provider: its tab closed now (after a deposit on its way), and nothing paid to it again. */
  const revoke = async (provider: string): Promise<void> => {
    revoked.add(provider);
    if (!binding) return;
    const settled = async (): Promise<void> => {
      const tab = tabs.get(provider);
      while (tab?.pending) await tab.pending;
    };
    const error = await revokeTab(closeContext(binding), provider, settled);
    if (error) revokeErrors.push(error);
  };

  /**
   * The end of the run: open tabs are closed and refunded (or kept, `tabsAtClose`), then expired deposits
   * reclaimed. Throws, once all that is done, when a tab is left unsettled or a reclaim failed.
   */
  const close = async (): Promise<void> => {
    if (!binding) return;
    closedTabs = undefined;
    const ctx = closeContext(binding);
    const unclosed = (options.tabsAtClose ?? "refund") === "refund" ? await closeOpenTabs(ctx) : new Map();
    const problems = await reclaimExpired(ctx, deposits);
    // Last: closes given up on above (or in an earlier run) may have been answered by now.
    const collected = await collect();
    problems.push(...collected.errors.map((e) => `collecting refunds: ${e}`));
    closedTabs = summaries();
    // A tab whose provider did not answer the close is settled all the same once its deposits came back.
    problems.unshift(...unsettledTabs(closedTabs, unclosed));
    if (problems.length > 0) throw new Error(`could not close every tab: ${problems.join("; ")}`);
  };

  const otherRefunds = { sats: 0, feeSats: 0 };
  const collect = async (): Promise<RefundCollection> => {
    const b = bound();
    if (!b.pool || !b.secretKey) return { refunds: [], takenSats: 0, awaiting: 0, errors: [] };
    const collection = await collectRefunds({
      pool: b.pool,
      secretKey: b.secretKey,
      wallet: options.wallet,
      store: b.store,
      mint: options.mintUrl,
    });
    for (const refund of collection.refunds) {
      if (refund.runId !== b.runId) {
        otherRefunds.sats += refund.sats;
        otherRefunds.feeSats += refund.feeSats;
        continue;
      }
      returned.refundedSats += refund.sats;
      const tab = tabs.get(refund.provider);
      if (tab) markClosed(tab);
    }
    return collection;
  };

  return {
    name: "cashu-tab",
    accepts: (provider) => {
      if (revoked.has(provider.pubkey)) return false;
      const payment = provider.announcement.payment;
      if (!payment?.p2pkPubkey) return false;
      if (!payment.methods.some((m) => m.toLowerCase() === "cashu")) return false;
      if (!provider.announcement.encryption.includes("nip44")) return false;
      return payment.mints.some((m) => sameMint(m, mint));
    },
    prepare,
    settle,
    revoke,
    revoked,
    revokeErrors,
    budget: () =>
      Number.isFinite(budget) ? { leftSats: Math.max(0, budget - lockedSats), totalSats: budget } : undefined,
    bind: (b) => {
      binding = b;
    },
    close,
    get lockedSats() {
      return lockedSats;
    },
    get depositSwaps() {
      return batcher.swaps;
    },
    get refundedSats() {
      return returned.refundedSats;
    },
    get reclaimedSats() {
      return returned.reclaimedSats;
    },
    get reclaimFeeSats() {
      return returned.reclaimFeeSats;
    },
    tabs: () => closedTabs ?? summaries(),
    collectRefunds: collect,
    get otherRefunds() {
      return { ...otherRefunds };
    },
    get unsentSats() {
      return deposits.filter((d) => !d.sent).reduce((sum, d) => sum + d.msats, 0) / 1000;
    },
  };
}

/** Whether an announced mint is `canonical`; one that is not a URL is no mint we hold ecash of. */
function sameMint(announced: string, canonical: string): boolean {
  try {
    return canonicalMintUrl(announced) === canonical;
  } catch {
    return false;
  }
}
