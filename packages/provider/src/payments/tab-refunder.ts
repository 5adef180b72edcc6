/**
 * Returns the unused balance of expired tabs on its own: every `sweepSec` (and once at start, so tabs that
 * expired while the node was down are refunded) it refunds each expired tab through the same write-ahead
 * path as a buyer's `tab close` (TabBook.refundExpired), then publishes every refund not yet delivered as
 * an encrypted kind-7000 feedback to the buyer. A refund is recorded in SQLite before it is published and
 * marked delivered once a relay accepted it, so a restart publishes it again and never mints it twice.
 */
import type { Logger } from "../log.js";
import { shortId } from "../log.js";
import type { TabRefund } from "./tab-refunds.js";
import type { TabBook } from "./tabs.js";

/** The status text of the kind-7000 feedback that carries an expiry refund. */
export const TAB_REFUND_STATUS = "tab expired; refund enclosed";

/** Publishes one refund; resolves true once a relay accepted it. */
export type RefundDelivery = (refund: TabRefund) => Promise<boolean>;

export class TabRefunder {
  readonly #tabs: TabBook;
  readonly #sweepSec: number;
  readonly #log: Logger;
  #deliver: RefundDelivery | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(tabs: TabBook, options: { sweepSec: number; log: Logger }) {
    this.#tabs = tabs;
    this.#sweepSec = options.sweepSec;
    this.#log = options.log;
  }

  /** Starts sweeping with `deliver` (the node's reply publisher); the first sweep runs now. */
  start(deliver: RefundDelivery): Promise<void> {
    this.#deliver = deliver;
    clearInterval(this.#timer);
    this.#timer = setInterval(() => void this.sweep(), this.#sweepSec * 1000);
    this.#timer.unref();
    return this.sweep();
  }

  /** Refunds expired tabs and delivers what is undelivered (joins a sweep already running). Never rejects. */
  sweep(): Promise<void> {
    this.#running ??= this.#sweep()
      .catch((error: unknown) => this.#log.warn(`tab refund sweep failed (will retry): ${String(error)}`))
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  /** Stops the timer and waits (bounded) for a sweep in progress. */
  async stop(timeoutMs: number): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#deliver = undefined;
    if (!this.#running) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#running,
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  async #sweep(): Promise<void> {
    const made = await this.#tabs.refundExpired((buyer, reason) =>
      this.#log.warn(`tab of ${shortId(buyer)} is due a refund that cannot be made yet: ${reason}`),
    );
    for (const refund of made)
      this.#log.info(
        `tab of ${shortId(refund.buyer)} refunded: ${refund.sats} sats (expired, or its close went unfinished)`,
      );
    for (const refund of this.#tabs.expiryRefunds.undelivered()) {
      const deliver = this.#deliver;
      if (!deliver) return;
      if (await deliver(refund)) this.#tabs.expiryRefunds.markDelivered(refund.opId);
      else this.#log.warn(`tab refund to ${shortId(refund.buyer)} not delivered; will send it again`);
    }
  }
}
