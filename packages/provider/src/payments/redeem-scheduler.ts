/**
 * Turns collected locked proofs into the provider's own ecash before their buyers can take them back: one
 * swap per mint per batch (redeemCollected), when the earliest locktime comes within `leadSec` or a full
 * batch is held, and once more on shutdown. One redeem at a time; failures are logged and retried on the
 * next tick (the ledger and the wallet resolve a half-done batch themselves).
 */
import {
  type PaymentLedger,
  type Payout,
  type PylonWallet,
  type RedeemedBatch,
  redeemCollected,
} from "@pylon/wallet";
import type { Logger } from "../log.js";

export interface RedeemSchedulerOptions {
  ledger: PaymentLedger;
  wallet: PylonWallet;
  paymentPrivkey: string;
  leadSec: number;
  batch: number;
  checkSec: number;
  log: Logger;
}

export class RedeemScheduler {
  readonly #o: RedeemSchedulerOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<RedeemedBatch[]> | undefined;

  constructor(options: RedeemSchedulerOptions) {
    this.#o = options;
  }

  start(): void {
    this.#timer = setInterval(() => {
      if (this.due()) void this.redeemNow().catch(() => undefined);
    }, this.#o.checkSec * 1000);
    this.#timer.unref();
  }

  /** Whether the earliest locktime is within the lead time, or a full batch is waiting. */
  due(nowSec = Math.floor(Date.now() / 1000)): boolean {
    const { ledger, leadSec, batch } = this.#o;
    const deadline = ledger.nextDeadline();
    if (deadline === undefined) return false;
    return deadline - nowSec <= leadSec || ledger.list({ state: "held", limit: batch }).length >= batch;
  }

  /**
   * Redeems everything held now (joins a redeem already running). With `payout`, a tab's refund is paid
   * in the swap of the first batch that covers it; such a redeem waits for the one running, to run its own.
   */
  redeemNow(payout?: Payout): Promise<RedeemedBatch[]> {
    if (this.#running && !payout) return this.#running;
    const before = this.#running?.catch(() => undefined);
    const running = this.#redeem(before, payout);
    this.#running = running;
    void running
      .catch(() => undefined)
      .finally(() => {
        if (this.#running === running) this.#running = undefined;
      });
    return running;
  }

  async #redeem(before: Promise<unknown> | undefined, payout: Payout | undefined): Promise<RedeemedBatch[]> {
    await before;
    const { ledger, wallet, paymentPrivkey, batch, log } = this.#o;
    try {
      const done = await redeemCollected(ledger, wallet, {
        paymentPrivkey,
        maxBatch: batch,
        ...(payout ? { payout } : {}),
      });
      for (const b of done)
        log.info(
          `redeemed ${b.proofs} proofs at ${b.mintUrl}: ${b.redeemedSats} sats in` +
            (b.paidOutSats > 0 ? ` and ${b.paidOutSats} paid out` : "") +
            `, fee ${b.feeSats}, lost ${b.lostSats}`,
        );
      return done;
    } catch (error) {
      log.warn(`redeem failed (will retry): ${String(error)}`);
      throw error;
    }
  }

  /** Stops the timer and makes a last redeem of what is held, bounded by `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    clearInterval(this.#timer);
    if (this.#o.ledger.nextDeadline() === undefined && !this.#running) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.redeemNow().catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    // A redeem still running past the bound is left to the write-ahead records: the next start resolves it.
  }
}
