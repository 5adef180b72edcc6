/**
 * Deposit batching: deposits wanted at about the same moment (a batch's first jobs, one per provider) are
 * locked in ONE wallet swap, each token to its provider's announced payment key. Swaps are pipelined: one
 * runs at a time (the wallet's swaps are exclusive anyway) while the next gathers, and each carries at most
 * `maxPerSwap()` deposits (the opening window), so no swap holds the event loop for long (~20 ms of curve
 * math per output) and the first tabs of a run open after a small swap. One swap locks one token per key,
 * so a second deposit to the same provider waits for the next swap.
 */
import type { DepositTiming } from "./deposit-timing.js";
import type { ProviderEntry } from "./directory.js";
import type { LockedDeposit } from "./reclaim.js";

/** The part of a `PylonWallet` (@pylon/wallet) that locks deposits. */
export interface DepositWallet {
  createLockedPayments(
    requests: Array<{ pubkey: string; amountSats: number; locktime: number }>,
    opts?: { mint?: string },
  ): Promise<{ op?: { id: string }; payments: Array<{ pubkey: string; amountSats: number; token: string }> }>;
}

export interface LockedToken {
  token: string;
  /** Known when the wallet says which operation locked it (what the reclaim at close needs). */
  deposit: LockedDeposit | undefined;
}

export interface DepositBatcherOptions {
  wallet: DepositWallet;
  mintUrl: string;
  /** How long the first deposits are gathered into one swap, ms (later swaps gather while one runs). */
  windowMs: number;
  /** Most deposits in one swap, now. */
  maxPerSwap: () => number;
  /** Learns swap times (for readiness). */
  timing: DepositTiming;
  /** Lock of a deposit to `provider`, seconds from now. */
  lockSeconds: (provider: ProviderEntry) => number;
  /** A swap failed: these sats were not locked after all. */
  onSwapFailed: (sats: number) => void;
}

interface DepositWanted {
  provider: ProviderEntry;
  sats: number;
  locktime: number;
  resolve: (locked: LockedToken) => void;
  reject: (error: unknown) => void;
}

/** The key a provider's deposits are locked to: its announced payment key. */
export const lockKeyOf = (provider: ProviderEntry): string => provider.announcement.payment?.p2pkPubkey ?? "";

export class DepositBatcher {
  readonly #options: DepositBatcherOptions;
  #queue: DepositWanted[] = [];
  #timer: NodeJS.Timeout | undefined;
  #timerAt = 0;
  /** The swap running: when it started and how many deposits it carries. */
  #running: { at: number; deposits: number } | undefined;
  /** Wallet swaps made. */
  swaps = 0;
  /**
   * The mint's input fee of redeeming one proof, sats, as the wallet showed it (it adds that fee to each
   * deposit): a one-output deposit is this much under a power of two. 0 until a swap said otherwise.
   */
  feeSats = 0;

  constructor(options: DepositBatcherOptions) {
    this.#options = options;
  }

  /** A token of `sats` locked to `provider`'s key, from the next swap. */
  lock(provider: ProviderEntry, sats: number): Promise<LockedToken> {
    const locktime = Math.floor(Date.now() / 1000) + this.#options.lockSeconds(provider);
    return new Promise<LockedToken>((resolve, reject) => {
      this.#queue.push({ provider, sats, locktime, resolve, reject });
      this.#schedule();
    });
  }

  /** Expected ms until a deposit asked for now is locked (the swaps ahead of it, and its own). */
  etaMs(now = Date.now()): number {
    const { timing } = this.#options;
    const cap = Math.max(1, this.#options.maxPerSwap());
    let ahead = 0;
    if (this.#running) ahead = Math.max(0, this.#running.at + timing.swapMs(this.#running.deposits) - now);
    else ahead = this.#timer ? Math.max(0, this.#timerAt - now) : this.#options.windowMs;
    const queued = this.#queue.length;
    return ahead + Math.floor(queued / cap) * timing.swapMs(cap) + timing.swapMs((queued % cap) + 1);
  }

  #schedule(): void {
    if (this.#running) return; // the running swap starts the next when it ends
    if (this.#queue.length >= this.#options.maxPerSwap()) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      void this.#flush();
      return;
    }
    if (this.#timer) {
      // Its timer is late (a saturated event loop runs timers seconds apart): this deposit starts the swap.
      if (Date.now() < this.#timerAt) return;
      clearTimeout(this.#timer);
      this.#timer = undefined;
      void this.#flush();
      return;
    }
    this.#timerAt = Date.now() + this.#options.windowMs;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, this.#options.windowMs);
  }

  /** Takes the next swap's deposits: at most `maxPerSwap`, one per lock key. */
  #take(): DepositWanted[] {
    const cap = Math.max(1, this.#options.maxPerSwap());
    const batch: DepositWanted[] = [];
    const keys = new Set<string>();
    const rest: DepositWanted[] = [];
    for (const want of this.#queue) {
      const key = lockKeyOf(want.provider);
      if (batch.length < cap && !keys.has(key)) {
        keys.add(key);
        batch.push(want);
      } else rest.push(want);
    }
    this.#queue = rest;
    return batch;
  }

  /** Locks the gathered deposits in one swap, then starts the next one if more gathered meanwhile. */
  async #flush(): Promise<void> {
    if (this.#running) return;
    const batch = this.#take();
    if (batch.length === 0) return;
    const started = Date.now();
    this.#running = { at: started, deposits: batch.length };
    try {
      await this.#swap(batch);
    } finally {
      this.#options.timing.swapEnded(batch.length, Date.now() - started);
      this.#running = undefined;
      if (this.#queue.length > 0) void this.#flush();
    }
  }

  async #swap(batch: DepositWanted[]): Promise<void> {
    try {
      const { op, payments } = await this.#options.wallet.createLockedPayments(
        batch.map((want) => ({
          pubkey: lockKeyOf(want.provider),
          amountSats: want.sats,
          locktime: want.locktime,
        })),
        { mint: this.#options.mintUrl },
      );
      this.swaps++;
      for (const [i, want] of batch.entries()) {
        const payment = payments[i];
        if (!payment?.token) {
          want.reject(new Error("the wallet produced no deposit token"));
          continue;
        }
        // What the wallet added to redeem it: the fee of one proof when it was one (learnt for rounding).
        if (payment.amountSats > want.sats)
          this.feeSats = Math.max(this.feeSats, payment.amountSats - want.sats);
        const deposit: LockedDeposit | undefined = op && {
          opId: op.id,
          provider: want.provider.pubkey,
          lockKey: lockKeyOf(want.provider),
          msats: want.sats * 1000,
          locktime: want.locktime,
          sent: true,
          token: payment.token,
        };
        want.resolve({ token: payment.token, deposit });
      }
    } catch (error) {
      for (const want of batch) {
        this.#options.onSwapFailed(want.sats);
        want.reject(error);
      }
    }
  }
}
