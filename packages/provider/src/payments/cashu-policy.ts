/**
 * The ecash payment policy: a job is paid by a P2PK-locked Cashu token in its encrypted params, checked
 * offline (acceptLockedPayment: allow-listed mint, keys from that mint, DLEQ, lock to our payment key,
 * locktime far enough away, refund key, fresh Ys, amount ≥ price + input fees), and its Ys + credit are
 * recorded in the ledger BEFORE the job is accepted. Anything else gets `payment-required` (with a NUT-18
 * request) or `error`, and no work is done.
 *
 * Crash order (documented in docs/payments.md): the job row (`received`) is written first, then the credit
 * (ref = job id) in the ledger, then the job moves to `queued`. A restart finding a `received` job with a
 * credit runs it (`isPaid`); without one, the buyer is asked to send it again (nothing was taken).
 */
import { type JobRequest, msatsToSats, TAB_PARAM, tabBalanceTag } from "@pylon/protocol";
import {
  type AcceptedPayment,
  acceptLockedPayment,
  encodeLockedPaymentRequest,
  type KeysetDirectory,
  type PaymentLedger,
  type PaymentRefusal,
  type RefusalCode,
} from "@pylon/wallet";
import { type Logger, shortId } from "../log.js";
import type { PriceQuote } from "../pricing.js";
import type { LightningInvoices } from "./lightning-invoices.js";
import type { PaymentDecision, PaymentPolicy } from "./policy.js";
import type { TabBook } from "./tabs.js";

export interface CashuPolicyOptions {
  ledger: PaymentLedger;
  keysets: KeysetDirectory;
  allowedMints: string[];
  /** The provider's payment key (compressed hex): proofs must be locked to it. */
  paymentKey: string;
  /** Seconds a proof must stay locked to us from now. */
  minLockSec: number;
  /**
   * Lightning invoices (mint quotes) offered to jobs that carry no Cashu from buyers with no tab here, for
   * standard NIP-90 clients; without it such jobs get only the Cashu payment request.
   */
  invoices?: LightningInvoices;
  /** Per-buyer deposits (tabs); without it only per-job tokens are taken. */
  tabs?: TabBook;
  log: Logger;
  /** Unknown keyset ids trigger a refresh of that mint at most this often (default 30 s). */
  keysetRefreshMs?: number;
  now?: () => number;
}

/** Refusals that mean "pay (more)": answered with payment-required instead of error. */
const ASK_AGAIN: ReadonlySet<RefusalCode> = new Set(["underpaid"]);

export class CashuPolicy implements PaymentPolicy {
  readonly name = "cashu";
  readonly #o: CashuPolicyOptions;

  constructor(options: CashuPolicyOptions) {
    this.#o = options;
  }

  async verifyPayment(job: JobRequest, quote: PriceQuote): Promise<PaymentDecision> {
    const { tabs } = this.#o;
    const action = job.extraParams[TAB_PARAM];
    if (tabs && action === "close") return this.#closeTab(tabs, job);
    if (tabs && action === "open") return this.#openTab(tabs, job, quote);
    if (action !== undefined)
      return { ok: false, feedback: "error", reason: `tab "${action}" is not supported here (open, close)` };
    if (job.cashuToken === undefined) {
      // The hot path of a tab: one SQLite transaction, no mint call, no curve math.
      if (tabs?.reserve(job.id, job.buyer, quote.amountMsats)) return { ok: true };
      const tab = tabs?.balance(job.buyer);
      if (tab) return this.#askForPayment(job, quote, `your tab holds ${tab.balanceMsats} msats, not enough`);
      // A stranger's client (no Cashu, no tab): offer a Lightning invoice besides the Cashu request.
      return this.#offerInvoice(job, this.#askForPayment(job, quote, "this job needs a Cashu payment"));
    }
    const checked = await this.#check(job, quote, job.cashuToken);
    if (!checked.ok) return checked.decision;
    const recorded = this.#o.ledger.record(checked.payment, { ref: job.id });
    return recorded.ok ? { ok: true } : this.#refused(job, recorded);
  }

  /** Per-job tokens pay up front; tabs settle to the actual cost (settle). Nothing more is owed. */
  amountOwed(): number {
    return 0;
  }

  /**
   * Whether a job recorded as `received` before a crash was paid for (its credit, tab hold or minted invoice
   * is on disk).
   */
  isPaid(jobId: string): boolean {
    return (
      this.#o.ledger.credits(jobId).length > 0 ||
      (this.#o.tabs?.holds(jobId) ?? false) ||
      (this.#o.invoices?.isPaid(jobId) ?? false)
    );
  }

  invoicePaid(jobId: string): Promise<boolean> | undefined {
    return this.#o.invoices?.watch(jobId);
  }

  settle(jobId: string, costMsats: number): void {
    this.#o.tabs?.settle(jobId, costMsats);
  }

  openHolds(): string[] {
    return this.#o.tabs?.heldJobs() ?? [];
  }

  /**
   * A failed job costs nothing. Paid from a tab: `settle(jobId, 0)` has freed its reserve. Paid with a per-job
   * token: its credit goes onto the buyer's tab (no mint call now; the tab's own paths give it back).
   */
  returnPayment(job: { id: string; buyer: string }): string | undefined {
    const { tabs, ledger, log } = this.#o;
    if (!tabs) return undefined;
    const held = tabs.holds(job.id);
    const credits = held ? [] : ledger.credits(job.id);
    if (!held && credits.length === 0) return undefined; // never paid: nothing to give back
    if (credits.length > 0) {
      const msats = credits.reduce((sum, credit) => sum + credit.amountSats * 1000, 0);
      const returned = tabs.creditReturn(job.id, job.buyer, credits[0]!.mintUrl, msats);
      if (!returned.ok) {
        log.warn(`job ${shortId(job.id)}: its payment stays with the node: ${returned.reason}`);
        return undefined;
      }
      log.info(`job ${shortId(job.id)}: failed; its payment (${msats} msats) is now on the buyer's tab`);
    }
    const tab = tabs.balance(job.buyer);
    if (!tab) return undefined;
    const expires = new Date(tab.expiresAt * 1000).toISOString();
    return held
      ? `nothing was charged; your tab holds ${tab.balanceMsats} msats`
      : `nothing was charged: your payment is on a tab here (${tab.balanceMsats} msats): send the next request without a token to use it, close the tab to take it back, or it is refunded when the tab expires (${expires})`;
  }

  resultTags(job: Pick<JobRequest, "buyer">): string[][] {
    const tab = this.#o.tabs?.balance(job.buyer);
    return tab ? [tabBalanceTag(tab.balanceMsats, tab.expiresAt)] : [];
  }

  async #openTab(tabs: TabBook, job: JobRequest, quote: PriceQuote): Promise<PaymentDecision> {
    if (job.cashuToken === undefined)
      return this.#askForPayment(job, quote, "opening a tab needs a Cashu deposit");
    const checked = await this.#check(job, quote, job.cashuToken);
    if (!checked.ok) return checked.decision;
    const deposited = tabs.deposit(job.buyer, checked.payment, job.id, quote.amountMsats);
    if (!deposited.ok) return this.#refused(job, deposited);
    this.#o.log.info(`job ${shortId(job.id)}: tab deposit; balance ${deposited.balance.balanceMsats} msats`);
    return { ok: true };
  }

  async #closeTab(tabs: TabBook, job: JobRequest): Promise<PaymentDecision> {
    if (!job.encryption)
      return {
        ok: false,
        feedback: "error",
        reason: "close a tab with an encrypted request: the refund is a bearer token",
      };
    const closed = await tabs.close(job.buyer);
    if (!closed.ok) return { ok: false, feedback: "error", reason: `cannot close the tab: ${closed.reason}` };
    // The token goes back in the (encrypted) result content; a plaintext request would expose it.
    return { ok: false, feedback: "result", output: closed.token };
  }

  /** The offline checks, against at least this job's price; refreshes keysets once on an unknown id. */
  async #check(
    job: JobRequest,
    quote: PriceQuote,
    token: string,
  ): Promise<{ ok: true; payment: AcceptedPayment } | { ok: false; decision: PaymentDecision }> {
    const { ledger, keysets, allowedMints, paymentKey } = this.#o;
    const check = () =>
      acceptLockedPayment(token, {
        allowedMints,
        keysets,
        paymentKey,
        minLocktime: this.#now() + this.#o.minLockSec,
        priceSats: msatsToSats(quote.amountMsats),
        seenYs: ledger,
      });
    let result = check();
    // A mint may rotate keysets: fetch its keys again (rate-limited), from the mint, never from the token.
    if (!result.ok && result.code === "unknown-keyset" && (await this.#refreshKeysets())) result = check();
    if (result.ok) return { ok: true, payment: result };
    if (ASK_AGAIN.has(result.code)) {
      this.#o.log.info(`job ${shortId(job.id)}: payment refused (${result.code}): ${result.reason}`);
      return { ok: false, decision: this.#askForPayment(job, quote, `payment refused: ${result.reason}`) };
    }
    return { ok: false, decision: this.#refused(job, result) };
  }

  #refused(job: JobRequest, refusal: PaymentRefusal): PaymentDecision {
    this.#o.log.info(`job ${shortId(job.id)}: payment refused (${refusal.code}): ${refusal.reason}`);
    return { ok: false, feedback: "error", reason: `payment refused (${refusal.code}): ${refusal.reason}` };
  }

  /** payment-required with the price and a NUT-18 request naming amount, unit, mints and our lock key. */
  #askForPayment(job: JobRequest, quote: PriceQuote, why: string): PaymentDecision {
    const sats = msatsToSats(quote.amountMsats);
    const request = encodeLockedPaymentRequest({
      amountSats: sats,
      mints: this.#o.allowedMints,
      pubkey: this.#o.paymentKey,
      id: job.id.slice(0, 16),
      description: `pylon job ${job.id}`,
    });
    return {
      ok: false,
      feedback: "payment-required",
      amountMsats: quote.amountMsats,
      detail: `${why}: up to ${quote.amountMsats} msats (${sats} sats plus the mint's input fee), as a token P2PK-locked to ${this.#o.paymentKey} for at least ${this.#o.minLockSec} s, in the encrypted "cashu" param`,
      paymentRequest: request,
    };
  }

  /** Adds a Lightning invoice for the job's price (whole sats, rounded up) to a payment-required answer. */
  async #offerInvoice(job: JobRequest, asked: PaymentDecision): Promise<PaymentDecision> {
    const { invoices } = this.#o;
    if (!invoices || asked.ok || asked.feedback !== "payment-required") return asked;
    const offer = await invoices.offer(job.id, msatsToSats(asked.amountMsats));
    if (!offer) return asked;
    return {
      ...asked,
      amountMsats: offer.amountMsats,
      bolt11: offer.bolt11,
      paid: offer.paid,
      detail: `${asked.detail}; or pay the Lightning invoice in the amount tag (${offer.amountMsats} msats): the job runs once it is paid`,
    };
  }

  async #refreshKeysets(): Promise<boolean> {
    const { keysets, allowedMints, log } = this.#o;
    const minGap = this.#o.keysetRefreshMs ?? 30_000;
    let refreshed = false;
    for (const mint of allowedMints) {
      const last = keysets.lastRefresh(mint);
      if (last !== undefined && Date.now() - last < minGap) continue;
      try {
        await keysets.refresh(mint);
        refreshed = true;
      } catch (error) {
        log.warn(`cannot refresh the keysets of ${mint}: ${String(error)}`);
      }
    }
    return refreshed;
  }

  #now(): number {
    return this.#o.now?.() ?? Math.floor(Date.now() / 1000);
  }
}
