/**
 * Deposit batching: deposits wanted at about the same moment (a batch's first jobs, one per provider) are
 * locked in ONE wallet swap, each token to its provider's announced payment key. One swap locks one token
 * per key, so a second deposit to the same provider waits for the next swap.
 */
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
  /** How long deposits are gathered into one swap, ms. */
  windowMs: number;
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
  #flushScheduled = false;
  /** Wallet swaps made. */
  swaps = 0;

  constructor(options: DepositBatcherOptions) {
    this.#options = options;
  }

  /** A token of `sats` locked to `provider`'s key, from the next swap. */
  lock(provider: ProviderEntry, sats: number): Promise<LockedToken> {
    const { windowMs } = this.#options;
    if (this.#queue.some((want) => want.provider.pubkey === provider.pubkey)) {
      return new Promise<void>((resolve) => setTimeout(resolve, windowMs)).then(() =>
        this.lock(provider, sats),
      );
    }
    const locktime = Math.floor(Date.now() / 1000) + this.#options.lockSeconds(provider);
    return new Promise<LockedToken>((resolve, reject) => {
      this.#queue.push({ provider, sats, locktime, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setTimeout(() => void this.#flush(), windowMs);
      }
    });
  }

  /** Locks every deposit gathered in the window in one swap. */
  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
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
          token,
        };
        want.resolve({ token, deposit });
      }
    } catch (error) {
      for (const want of batch) {
        this.#options.onSwapFailed(want.sats);
        want.reject(error);
      }
    }
  }
}
