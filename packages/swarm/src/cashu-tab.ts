/**
 * Paying providers through Cashu tabs (docs/payments.md, Tabs): the first job to a provider carries a
 * deposit locked to its announced payment key (`["param","tab","open"]` + the token, encrypted), later jobs
 * carry nothing and are debited from the balance at the provider, which reports what is left on every
 * result (`["tab", msats, expires]`). A tab that cannot cover the next job's maximum cost is topped up with
 * another deposit, within the budget (`maxSpendSats`: never more locked than that, in all). Deposits wanted
 * at about the same moment (a batch's first jobs) are locked in ONE wallet swap. `close()` settles the run:
 * it closes every open tab (`["param","tab","close"]`) and receives the refund tokens (or, with
 * `tabsAtClose: "keep"`, leaves them open for a later run), then reclaims this run's deposits whose lock
 * expired unredeemed (reclaim.ts). Deposits, charges, refunds and reclaims are written to the swarm's run
 * store; a resumed run (same buyer key and store) reuses its open tabs.
 */
import { type JobClient, JobError, type JobOutcome } from "@pylon/nostr";
import { jobCostMsats, priceForModel } from "@pylon/protocol";
import type { ProviderEntry } from "./directory.js";
import type { PaymentBinding, PaymentJob, PaymentStrategy, PreparedPayment } from "./payment.js";
import { type LockedDeposit, type ReclaimWallet, reclaimExpiredDeposits } from "./reclaim.js";
import type { RunStore, TabEventKind } from "./run-store.js";

/**
 * The parts of a `PylonWallet` (@pylon/wallet) the strategy uses. Without `reclaim` and `proofs` (and the
 * locking operation's id), expired deposits are left to the wallet's own `reclaim`.
 */
export interface TabWallet extends Partial<ReclaimWallet> {
  createLockedPayments(
    requests: Array<{ pubkey: string; amountSats: number; locktime: number }>,
    opts?: { mint?: string },
  ): Promise<{ op?: { id: string }; payments: Array<{ pubkey: string; amountSats: number; token: string }> }>;
  receive(token: string): Promise<{ amount: number }>;
}

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

export interface TabSummary {
  provider: string;
  depositedMsats: number;
  chargedMsats: number;
  refundedMsats: number;
  balanceMsats: number | null;
  state: "open" | "closed";
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
}

interface TabState {
  provider: string;
  /** What the tab holds at least (the higher of `floorMsats` and its last reported balance), msats. */
  balanceMsats: number;
  /** Deposits less the maximum cost of every job answered: what it holds at least, msats. */
  floorMsats: number;
  /** Ends `pending`. */
  release: (() => void) | undefined;
  /** Maximum costs of our jobs running on it now, msats. */
  reservedMsats: number;
  /** A deposit is on its way (the job carrying it not yet ended); others wait for it. */
  pending: Promise<void> | undefined;
  open: boolean;
}

interface DepositWanted {
  provider: ProviderEntry;
  sats: number;
  locktime: number;
  resolve: (locked: LockedToken) => void;
  reject: (error: unknown) => void;
}

interface LockedToken {
  token: string;
  /** Known when the wallet says which operation locked it (what the reclaim at close needs). */
  deposit: LockedDeposit | undefined;
}

export class TabBudgetError extends Error {}

/**
 * What one job cost: its price for the tokens it used (input as quoted, output as answered), at most its
 * reserve. The provider reports only the tab's balance, which other running jobs move too, so this is an
 * estimate per job; the tab's exact total is settled from the close (deposited − refund − rest).
 */
function estimateCost(
  provider: ProviderEntry,
  job: PaymentJob,
  outputTokens: number | undefined,
  reserveMsats: number,
): number {
  const announcement = provider.announcement;
  const price = priceForModel(announcement, job.model ?? announcement.models[0]?.name ?? "");
  if (!price || outputTokens === undefined) return reserveMsats;
  return Math.min(reserveMsats, jobCostMsats(price, { inputTokens: job.inputTokens, outputTokens }));
}

/** The key a provider's deposits are locked to: its announced payment key. */
const lockKeyOf = (provider: ProviderEntry): string => provider.announcement.payment?.p2pkPubkey ?? "";

function sameMint(a: string, b: string): boolean {
  const norm = (url: string) => url.trim().replace(/\/+$/, "").toLowerCase();
  return norm(a) === norm(b);
}

export function cashuTabStrategy(options: CashuTabOptions): CashuTabStrategy {
  const lockSecondsFor = (provider: ProviderEntry): number => {
    const lock = options.lockSeconds ?? 3_600;
    return typeof lock === "function" ? lock(provider) : lock;
  };
  const windowMs = options.batchWindowMs ?? 25;
  const budget = options.maxSpendSats ?? Number.POSITIVE_INFINITY;
  const depositFor = (provider: ProviderEntry, job: PaymentJob): number => {
    const wanted = options.policy ? options.policy.depositSats(provider, job) : (options.depositSats ?? 100);
    // The provider refuses a deposit below the opening job's quote; keep room for one more.
    return Math.max(Math.ceil(wanted), Math.ceil((2 * job.quoteMsats) / 1000) + 1);
  };
  const tabs = new Map<string, TabState>();
  let binding: PaymentBinding | undefined;
  let lockedSats = 0;
  let depositSwaps = 0;
  let refundedSats = 0;
  let reclaimedSats = 0;
  let reclaimFeeSats = 0;
  /** Every deposit this strategy locked, for the reclaim at close. */
  const deposits: LockedDeposit[] = [];
  let queue: DepositWanted[] = [];
  let flushScheduled = false;
  /** The tabs as they were at close (the swarm may close its store right after). */
  let closedTabs: TabSummary[] | undefined;

  const bound = (): { client: JobClient; store: RunStore; runId: string } => {
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
    store.tabEvent({
      buyer: client.pubkey,
      provider,
      mint: options.mintUrl,
      runId,
      kind,
      msats,
      ...extra,
    });
  };

  /** Locks every deposit gathered in the window in one swap. */
  const flush = async (): Promise<void> => {
    flushScheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    try {
      const { op, payments } = await options.wallet.createLockedPayments(
        batch.map((want) => ({
          pubkey: lockKeyOf(want.provider),
          amountSats: want.sats,
          locktime: want.locktime,
        })),
        { mint: options.mintUrl },
      );
      depositSwaps++;
      for (const [i, want] of batch.entries()) {
        const token = payments[i]?.token;
        if (!token) {
          want.reject(new Error("the wallet produced no deposit token"));
          continue;
        }
        const deposit: LockedDeposit | undefined = op && {
          opId: op.id,
          provider: want.provider.pubkey,
          lockKey: lockKeyOf(want.provider),
          msats: want.sats * 1000,
          locktime: want.locktime,
          sent: true,
        };
        if (deposit) deposits.push(deposit);
        want.resolve({ token, deposit });
      }
    } catch (error) {
      for (const want of batch) {
        lockedSats -= want.sats;
        want.reject(error);
      }
    }
  };
  const lockDeposit = (provider: ProviderEntry, sats: number): Promise<LockedToken> => {
    // One swap locks one token per key: a second deposit to the same key waits for the next swap.
    if (queue.some((want) => want.provider.pubkey === provider.pubkey)) {
      return new Promise<void>((resolve) => setTimeout(resolve, windowMs)).then(() =>
        lockDeposit(provider, sats),
      );
    }
    const locktime = Math.floor(Date.now() / 1000) + lockSecondsFor(provider);
    return new Promise<LockedToken>((resolve, reject) => {
      queue.push({ provider, sats, locktime, resolve, reject });
      if (!flushScheduled) {
        flushScheduled = true;
        setTimeout(() => void flush(), windowMs);
      }
    });
  };

  const stateOf = (pubkey: string): TabState => {
    let tab = tabs.get(pubkey);
    if (!tab) {
      tab = {
        provider: pubkey,
        balanceMsats: 0,
        floorMsats: 0,
        release: undefined,
        reservedMsats: 0,
        pending: undefined,
        open: false,
      };
      // A resumed run: an open tab from before is reused (its last reported balance), never deposited twice.
      if (binding) {
        const row = binding.store
          .tabs(binding.client.pubkey, options.mintUrl)
          .find((t) => t.provider === pubkey && t.state === "open");
        if (row) {
          tab.open = true;
          tab.balanceMsats = row.balanceMsats ?? 0;
          tab.floorMsats = tab.balanceMsats;
        }
      }
      tabs.set(pubkey, tab);
    }
    return tab;
  };

  /** Jobs whose id the strategy learns only at settle: keyed by the job object until then. */
  const reservations = new WeakMap<
    PaymentJob,
    { tab: TabState; msats: number; deposit: boolean; depositMsats: number; locked?: LockedDeposit }
  >();

  const prepare = async (provider: ProviderEntry, job: PaymentJob): Promise<PreparedPayment> => {
    const tab = stateOf(provider.pubkey);
    while (tab.pending) await tab.pending;
    const need = job.quoteMsats;
    if (tab.open && tab.balanceMsats - tab.reservedMsats >= need) {
      tab.reservedMsats += need;
      reservations.set(job, { tab, msats: need, deposit: false, depositMsats: 0 });
      return {};
    }
    // Open or top up: another deposit, within the budget.
    const sats = depositFor(provider, job);
    if (lockedSats + sats > budget) {
      throw new TabBudgetError(
        `payment budget exhausted: ${lockedSats} of ${budget} sats locked; a deposit of ${sats} sats to ` +
          `${provider.pubkey.slice(0, 8)} would exceed it`,
      );
    }
    lockedSats += sats;
    let release!: () => void;
    tab.pending = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      const { token, deposit } = await lockDeposit(provider, sats);
      // Written before the token leaves the process: a crash after this still knows it was locked.
      record(provider.pubkey, "deposit", sats * 1000, { token });
      tab.balanceMsats += sats * 1000;
      tab.floorMsats += sats * 1000;
      tab.reservedMsats += need;
      reservations.set(job, {
        tab,
        msats: need,
        deposit: true,
        depositMsats: sats * 1000,
        ...(deposit ? { locked: deposit } : {}),
      });
      // The tab is usable by others once this job's result confirms the deposit (see settle).
      tab.release = release;
      return { cashuToken: token, extraParams: { tab: "open" } };
    } catch (error) {
      tab.pending = undefined;
      tab.release = undefined;
      release();
      throw error;
    }
  };

  const settle: PaymentStrategy["settle"] = async (provider, job, settlement) => {
    const held = reservations.get(job);
    if (!held) return settlement.owedMsats;
    reservations.delete(job);
    const { tab } = held;
    tab.reservedMsats -= held.msats;
    let costMsats = 0;
    if (settlement.outcome === "answered") {
      if (held.deposit) tab.open = true;
      // Safe whatever the job cost: count it at its maximum (its reserve)...
      tab.floorMsats -= held.msats;
      // ...and, where the provider said what is left, take that when higher. Both are lower bounds of what
      // it will admit next (its figure excludes its holds for our running jobs, which we hold back too).
      const reported = settlement.tabMsats;
      tab.balanceMsats = Math.max(tab.floorMsats, reported ?? Number.NEGATIVE_INFINITY);
      costMsats = estimateCost(provider, job, settlement.outputTokens, held.msats);
      record(provider.pubkey, "charge", costMsats, {
        ...(settlement.jobId === undefined ? {} : { jobId: settlement.jobId }),
        ...(reported === undefined ? {} : { balanceMsats: reported }),
      });
    } else if (settlement.jobId !== undefined) {
      // Failed or cancelled after it went out: a cancelled job is charged what it generated; count the
      // most it could have cost (the close settles the exact total).
      tab.floorMsats -= held.msats;
      tab.balanceMsats -= held.msats;
    }
    if (settlement.outcome !== "answered" && held.deposit && settlement.jobId === undefined) {
      // Never published: the deposit did not leave; the wallet may reclaim its token after the locktime.
      tab.balanceMsats -= held.depositMsats;
      tab.floorMsats -= held.depositMsats;
      record(provider.pubkey, "deposit", -held.depositMsats);
      if (held.locked) held.locked.sent = false;
    } else if (settlement.outcome !== "answered" && held.deposit) {
      // The deposit may or may not have been credited; a later job finds out (payment-required: refused).
      tab.open = true;
    }
    if (held.deposit) {
      tab.pending = undefined;
      tab.release?.();
      tab.release = undefined;
    }
    return costMsats + settlement.owedMsats;
  };

  /** Closes one open tab: the provider returns its whole-sat balance as a token, which the wallet takes in. */
  const closeTab = async (provider: string): Promise<void> => {
    const { client, store } = bound();
    const deadline = Date.now() + (options.closeTimeoutMs ?? 30_000);
    let outcome: JobOutcome;
    for (let attempt = 0; ; attempt++) {
      try {
        outcome = await client.submit(
          { prompt: "close", provider, encryption: "nip44", extraParams: { tab: "close" } },
          { timeoutMs: Math.max(1, deadline - Date.now()) },
        );
        break;
      } catch (error) {
        // "jobs on this tab are still running" (ones we gave up on, finishing there) and "please retry"
        // (its mint was briefly unreachable) pass: ask again until the close's deadline.
        const retryable = error instanceof JobError && /still running|retry/i.test(error.message);
        const pause = Math.min(2_000, 250 * 2 ** attempt);
        if (!retryable || Date.now() + pause >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
    const token = outcome.output.trim();
    let sats = 0;
    if (token.startsWith("cashu")) sats = (await options.wallet.receive(token)).amount;
    refundedSats += sats;
    // What the provider charged in all: what went in, less the refund and the sub-sat rest it keeps.
    const rest = outcome.result.tabMsats ?? 0;
    const after = store.tabs(client.pubkey, options.mintUrl).find((t) => t.provider === provider);
    // The row adds up every run's tab with this provider: earlier refunds are not this close's charges.
    const charged = after
      ? after.depositedMsats - after.chargedMsats - after.refundedMsats - sats * 1000 - rest
      : 0;
    if (charged !== 0) record(provider, "charge", charged, { balanceMsats: rest });
    record(provider, "refund", sats * 1000, { token, balanceMsats: rest });
    markClosed(provider);
  };
  const markClosed = (provider: string): void => {
    const tab = tabs.get(provider);
    if (tab) {
      tab.open = false;
      tab.balanceMsats = 0;
      tab.floorMsats = 0;
    }
  };

  /**
   * Takes back this run's deposits whose lock expired and that nobody redeemed. A deposit that reached its
   * provider comes back as a refund of its tab (what it counted for there), which settles the tab.
   */
  const reclaimExpired = async (): Promise<string[]> => {
    const { wallet } = options;
    if (!wallet.reclaim || !wallet.proofs || deposits.length === 0) return [];
    const report = await reclaimExpiredDeposits(
      { reclaim: wallet.reclaim.bind(wallet), proofs: wallet.proofs.bind(wallet) },
      options.mintUrl,
      deposits,
    );
    reclaimedSats += report.sats;
    reclaimFeeSats += report.feeSats;
    for (const { deposit } of report.deposits) {
      deposits.splice(deposits.indexOf(deposit), 1);
      if (!deposit.sent) continue; // never left: the tab already took it off
      record(deposit.provider, "refund", deposit.msats);
      markClosed(deposit.provider);
    }
    return report.errors.map((e) => `reclaim of the deposits locked by ${e.opId}: ${e.error}`);
  };

  /**
   * The end of the run: open tabs are closed and refunded (or kept, `tabsAtClose`), then expired deposits
   * reclaimed. Throws, once all that is done, when a tab is left unsettled or a reclaim failed.
   */
  const close = async (): Promise<void> => {
    if (!binding) return;
    closedTabs = undefined;
    const { client, store } = binding;
    const unclosed = new Map<string, string>();
    if ((options.tabsAtClose ?? "refund") === "refund") {
      const open = store.tabs(client.pubkey, options.mintUrl).filter((t) => t.state === "open");
      const closing = await Promise.allSettled(open.map((row) => closeTab(row.provider)));
      closing.forEach((c, i) => {
        const provider = open[i]?.provider;
        if (c.status === "rejected" && provider) unclosed.set(provider, String(c.reason));
      });
    }
    const problems = await reclaimExpired();
    closedTabs = summaries();
    // A tab whose provider did not answer the close is settled all the same once its deposits came back.
    for (const tab of closedTabs) {
      const reason = unclosed.get(tab.provider);
      if (reason !== undefined && tab.state === "open")
        problems.unshift(`${tab.provider.slice(0, 8)}: ${reason}`);
    }
    if (problems.length > 0) throw new Error(`could not close every tab: ${problems.join("; ")}`);
  };
  const summaries = (): TabSummary[] => {
    const { client, store } = bound();
    return store.tabs(client.pubkey, options.mintUrl).map((t) => ({
      provider: t.provider,
      depositedMsats: t.depositedMsats,
      chargedMsats: t.chargedMsats,
      refundedMsats: t.refundedMsats,
      balanceMsats: t.balanceMsats,
      state: t.state,
    }));
  };

  return {
    name: "cashu-tab",
    accepts: (provider) => {
      const payment = provider.announcement.payment;
      if (!payment?.p2pkPubkey) return false;
      if (!payment.methods.some((m) => m.toLowerCase() === "cashu")) return false;
      if (!provider.announcement.encryption.includes("nip44")) return false;
      return payment.mints.some((m) => sameMint(m, options.mintUrl));
    },
    prepare,
    settle,
    bind: (b) => {
      binding = b;
    },
    close,
    get lockedSats() {
      return lockedSats;
    },
    get depositSwaps() {
      return depositSwaps;
    },
    get refundedSats() {
      return refundedSats;
    },
    get reclaimedSats() {
      return reclaimedSats;
    },
    get reclaimFeeSats() {
      return reclaimFeeSats;
    },
    tabs: () => closedTabs ?? summaries(),
  };
}
