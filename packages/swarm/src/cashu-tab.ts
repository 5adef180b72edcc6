/**
 * Paying providers through Cashu tabs (docs/payments.md, Tabs): the first job to a provider carries a
 * deposit locked to its announced payment key (`["param","tab","open"]` + the token, encrypted), later jobs
 * carry nothing and are debited from the balance at the provider, which reports what is left on every
 * result (`["tab", msats, expires]`). A tab that cannot cover the next job's maximum cost is topped up with
 * another deposit, within the budget (`maxSpendSats`: never more locked than that, in all). `close()`
 * settles the run: it closes every open tab and receives the refunds (or, with `tabsAtClose: "keep"`,
 * leaves them open for a later run), then reclaims this run's deposits whose lock expired unredeemed.
 * Deposits, charges, refunds and reclaims are written to the run store; a resumed run (same buyer key and
 * store) reuses its open tabs. Tabs open lazily (docs/payments.md, Lazy tabs): a few deposits at a time
 * through the opening window, each one proof, and a tab serves other jobs from its deposit job's
 * acknowledgement; `readiness` tells selection how soon a job could be paid where. The parts: tab-ledger.ts
 * (the arithmetic), deposit-batcher.ts (pipelined swaps of many deposits), opening-window.ts,
 * tab-opening.ts, deposit-timing.ts, tab-readiness.ts, tab-close.ts (close and reclaim), tab-revoke.ts (a
 * caught provider's tab), tab-summaries.ts, tab-store.ts, cashu-tab-options.ts. Over 400 lines on purpose:
 * what is left is one closure whose state (tabs, holds by job, revoked providers, the binding) prepare,
 * settle, revoke and close share; split, they would pass it around.
 */
import { canonicalMintUrl } from "@pylon/wallet";
import { type CashuTabOptions, type CashuTabStrategy, TabBudgetError } from "./cashu-tab-options.js";
import { DepositBatcher } from "./deposit-batcher.js";
import { DepositTiming } from "./deposit-timing.js";
import type { ProviderEntry } from "./directory.js";
import { OpeningWindow } from "./opening-window.js";
import type { PaymentBinding, PaymentJob, PaymentStrategy, PreparedPayment } from "./payment.js";
import type { LockedDeposit } from "./reclaim.js";
import { collectRefunds, type RefundCollection } from "./refund-collector.js";
import {
  closeOpenTabs,
  collectWithGrace,
  type ReturnedSats,
  reclaimExpired,
  type TabCloseContext,
} from "./tab-close.js";
import {
  creditDeposit,
  endHold,
  estimateCostMsats,
  markClosed,
  newLedger,
  nextDepositSats,
  reserve,
  type TabHold,
} from "./tab-ledger.js";
import { type Opening, openings, type Tab } from "./tab-opening.js";
import { tabReadiness } from "./tab-readiness.js";
import { revokeTab } from "./tab-revoke.js";
import type { TabEventKind } from "./tab-store.js";
import { type TabSummary, tabSummaries, unsettledTabs } from "./tab-summaries.js";

export {
  type CashuTabOptions,
  type CashuTabStrategy,
  TabBudgetError,
  type TabDepositPolicy,
  type TabWallet,
} from "./cashu-tab-options.js";

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
  const timing = new DepositTiming();
  const window = new OpeningWindow({
    initial: options.openingWindow ?? 4,
    maxSwap: Math.max(1, options.maxDepositsPerSwap ?? 16),
    onRoom: () => binding?.notify?.(),
  });
  const opened = openings(window, timing, (provider) => binding?.notify?.(provider));
  const batcher = new DepositBatcher({
    wallet: options.wallet,
    mintUrl: options.mintUrl,
    windowMs: options.batchWindowMs ?? 25,
    maxPerSwap: () => window.swapSize,
    timing,
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
      tab = { ...newLedger(), opening: undefined };
      tabs.set(pubkey, tab);
    }
    return tab;
  };
  /** A resumed run: open tabs from before are reused (their last reported balance), never deposited twice. */
  const loadOpenTabs = (b: PaymentBinding): void => {
    for (const row of b.store.tabs.list(b.client.pubkey, options.mintUrl)) {
      if (row.state === "open" && !tabs.has(row.provider))
        tabs.set(row.provider, { ...newLedger(row.balanceMsats ?? 0), opening: undefined });
    }
  };

  /** An unsent deposit to `provider` big enough for a job of `needMsats` and not near its locktime. */
  const unsentDeposit = (provider: string, needMsats: number): LockedDeposit | undefined => {
    const soon = Math.floor(Date.now() / 1000) + 120;
    return deposits.find(
      (d) => !d.sent && d.token && d.provider === provider && d.msats > needMsats && d.locktime > soon,
    );
  };

  /** Jobs whose id the strategy learns only at settle: keyed by the job object until then. */
  const holds = new WeakMap<
    PaymentJob,
    { tab: Tab; hold: TabHold; locked?: LockedDeposit; opening?: Opening; opens?: boolean }
  >();

  const revoked = new Set<string>();
  const revokeErrors: string[] = [];

  const prepare = async (provider: ProviderEntry, job: PaymentJob): Promise<PreparedPayment> => {
    if (revoked.has(provider.pubkey))
      throw new Error(`provider ${provider.pubkey.slice(0, 8)} was caught cheating: it is paid nothing more`);
    const tab = tabOf(provider.pubkey);
    // From here the tab's own state (its opening, the window's waiting line) stands for selection's claim.
    window.unclaim(provider.pubkey);
    while (tab.opening) await tab.opening.done;
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
      const opening = opened.start(tab, provider.pubkey, false, timing.confirmMs);
      const opens = !tab.open;
      record(provider.pubkey, "deposit", resend.msats, { token: resend.token });
      const hold = creditDeposit(tab, resend.msats, need);
      holds.set(job, { tab, hold, locked: resend, opening, opens });
      const cashuToken = resend.token;
      return { cashuToken, extraParams: { tab: "open" }, accepted: opened.accepted(tab, opening) };
    }
    // Open or top up: another deposit, within the budget, once the opening window has room (others to
    // this provider wait behind it meanwhile, so it gets one deposit at a time).
    const opening = opened.start(tab, provider.pubkey, true, batcher.etaMs() + timing.confirmMs);
    await window.acquire();
    let sats = 0;
    try {
      if (revoked.has(provider.pubkey))
        throw new Error(
          `provider ${provider.pubkey.slice(0, 8)} was caught cheating: it is paid nothing more`,
        );
      // A top-up grows from the last deposit unless a policy decides each size (tab-ledger.ts).
      sats = nextDepositSats({
        baseSats: options.policy ? options.policy.depositSats(provider, job) : (options.depositSats ?? 100),
        lastSats: !options.policy && tab.open ? tab.lastDepositSats : undefined,
        quoteMsats: job.quoteMsats,
        feeSats: batcher.feeSats,
        round: options.roundDeposits !== false,
        leftSats: budget - lockedSats,
      });
      if (lockedSats + sats > budget) {
        throw new TabBudgetError(
          `payment budget exhausted: ${lockedSats} of ${budget} sats locked; a deposit of ${sats} sats to ` +
            `${provider.pubkey.slice(0, 8)} would exceed it`,
        );
      }
      lockedSats += sats;
      opening.confirmAt = Date.now() + batcher.etaMs() + timing.confirmMs;
      const { token, deposit } = await batcher.lock(provider, sats);
      tab.lastDepositSats = sats;
      if (deposit) deposits.push(deposit);
      // Written before the token leaves the process: a crash after this still knows it was locked.
      record(provider.pubkey, "deposit", sats * 1000, { token });
      const opens = !tab.open;
      const hold = creditDeposit(tab, sats * 1000, need);
      holds.set(job, { tab, hold, ...(deposit ? { locked: deposit } : {}), opening, opens });
      opening.confirmAt = Date.now() + timing.confirmMs;
      // Others use the tab once the provider acknowledged this job (it took the deposit), or it ended.
      return {
        cashuToken: token,
        extraParams: { tab: "open" },
        accepted: opened.accepted(tab, opening),
      };
    } catch (error) {
      opening.finish(false);
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
    // Not acknowledged before it ended (or ended first): the deposit's fate is known now.
    held.opening?.finish(Boolean(held.opens) && tab.open);
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
    deposits,
  });

  /** A caught provider: its tab closed now (after a deposit on its way), and nothing paid to it again. */
  const revoke = async (provider: string): Promise<void> => {
    revoked.add(provider);
    if (!binding) return;
    const settled = async (): Promise<void> => {
      const tab = tabs.get(provider);
      while (tab?.opening) await tab.opening.done;
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
    const closeStart = Date.now();
    const ctx = closeContext(binding);
    const { refunds } = binding.store;
    const unclosed = (options.tabsAtClose ?? "refund") === "refund" ? await closeOpenTabs(ctx) : new Map();
    const problems = await reclaimExpired(ctx, deposits);
    // Last: closes given up on above (or in an earlier run) may have been answered by now, or soon; only
    // this close's are waited for (an older run's may never come).
    const stillAwaited = () => refunds.awaitingSince(ctx.client.pubkey, ctx.mintUrl, closeStart);
    const grace = options.refundGraceMs ?? ctx.closeTimeoutMs;
    const collected = await collectWithGrace(collect, stillAwaited, grace);
    problems.push(...collected.errors.map((e) => `collecting refunds: ${e}`));
    closedTabs = summaries();
    // A tab whose provider did not answer the close is settled all the same once its deposits came back.
    problems.unshift(...unsettledTabs(closedTabs, unclosed));
    if (problems.length > 0) throw new Error(`could not close every tab: ${problems.join("; ")}`);
  };

  const otherRefunds = { sats: 0, feeSats: 0 };
  const collect = async (): Promise<RefundCollection> => {
    const b = bound();
    if (!b.pool || !b.secretKey) return { refunds: [], takenSats: 0, awaiting: 0, pending: 0, errors: [] };
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
    claim: (provider, job) => {
      const tab = tabs.get(provider.pubkey);
      // A tab that covers the job, or a deposit already on its way, needs no new one.
      if (tab?.opening || (tab?.open && tab.balanceMsats - tab.reservedMsats >= job.quoteMsats)) return;
      window.claim(provider.pubkey);
    },
    readiness: (provider, job) =>
      tabReadiness({
        tab: tabs.get(provider.pubkey),
        quoteMsats: job.quoteMsats,
        windowFull: window.full,
        claimed: window.claimed(provider.pubkey),
        depositMs: batcher.etaMs() + timing.confirmMs,
        now: Date.now(),
      }),
    settle,
    revoke,
    revoked,
    revokeErrors,
    budget: () =>
      Number.isFinite(budget) ? { leftSats: Math.max(0, budget - lockedSats), totalSats: budget } : undefined,
    bind: (b) => {
      binding = b;
      loadOpenTabs(b);
    },
    depositWindow: () => ({
      size: window.size,
      inFlight: window.inFlight,
      peak: window.peak,
      confirmMs: timing.confirmMs,
      swapMs: batcher.etaMs(),
    }),
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
