/**
 * Lightning for standard NIP-90 clients: a job that comes with no Cashu payment is quoted with a BOLT-11
 * invoice that is a NUT-04 mint quote at the node's mint, sent as `["amount", msats, bolt11]`. Any Lightning
 * wallet can pay it; the mint then owes the node that much ecash. The invoice is recorded in the provider
 * wallet before it is offered (a payment made while the node is down is minted by the wallet's recovery on
 * the next start), and watched by polling the mint, one loop for all open invoices. Once paid, the ecash is
 * minted and its proofs stored BEFORE `paid` resolves true, so the job never runs before the money is in
 * hand. An invoice still unpaid after `waitSec` (or the mint's own expiry) resolves false: the job is dropped.
 */
import { type PylonWallet, WalletError } from "@pylon/wallet";
import { type Logger, shortId } from "../log.js";

export interface LightningInvoicesOptions {
  wallet: PylonWallet;
  /** The mint whose quotes are offered (one of the node's allowed mints). */
  mintUrl: string;
  /** How long a job waits for its invoice to be paid, seconds (the mint's expiry may end it sooner). */
  waitSec: number;
  /** Most invoices open at once; past it, jobs get only the Cashu payment request. */
  maxOpen: number;
  /**
   * How often the mint is asked about an invoice, ms (default 1000), for its first 30 s; then five times less
   * often, so invoices left unpaid cost the mint little.
   */
  pollMs?: number;
  log: Logger;
}

export interface InvoiceOffer {
  bolt11: string;
  /** The invoice's amount: the job's price rounded up to whole sats. */
  amountMsats: number;
  /** true once paid and minted into the node's wallet; false when it expired or the node stopped. */
  paid: Promise<boolean>;
}

interface OpenInvoice {
  jobId: string;
  opId: string;
  /** Unix ms after which the job is no longer waited for. */
  until: number;
  /** Unix ms when it was offered, and when the mint is next asked about it. */
  since: number;
  nextAt: number;
  resolve: (paid: boolean) => void;
  paid: Promise<boolean>;
  /** The last mint error logged for it, so one outage is logged once, not every poll. */
  lastError?: string;
}

/** How long offers pause after the mint failed to make a quote. */
const OFFER_RETRY_MS = 30_000;

/** The wallet operation of a job's invoice: derived from the job id, so it can be found after a restart. */
export const invoiceOpId = (jobId: string): string => `invoice-${jobId}`;

export class LightningInvoices {
  readonly #o: LightningInvoicesOptions;
  readonly #open = new Map<string, OpenInvoice>();
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #closed = false;
  /** Logged once per outage: creating a quote failed. */
  #offerError: string | undefined;
  /** After a failed offer, none is tried before this (unix ms): a mint that is down must not slow every answer. */
  #retryAt = 0;

  constructor(options: LightningInvoicesOptions) {
    this.#o = options;
  }

  /** Invoices offered and being watched now. */
  get open(): number {
    return this.#open.size;
  }

  /**
   * An invoice for `amountSats` to pay for job `jobId`, or undefined when none can be offered now (too many
   * open, the node stopping, the mint refused or unreachable: logged), in which case the buyer gets only the
   * Cashu payment request.
   */
  async offer(jobId: string, amountSats: number): Promise<InvoiceOffer | undefined> {
    const { wallet, mintUrl, waitSec, maxOpen, log } = this.#o;
    if (this.#closed || this.#open.size >= maxOpen || this.#open.has(jobId) || Date.now() < this.#retryAt)
      return undefined;
    const opId = invoiceOpId(jobId);
    if (wallet.operation(opId)) return undefined; // offered before (a job is quoted once)
    let invoice: Awaited<ReturnType<PylonWallet["requestInvoice"]>>;
    try {
      invoice = await wallet.requestInvoice(amountSats, {
        mint: mintUrl,
        description: `pylon job ${jobId}`,
        id: opId,
      });
      this.#offerError = undefined;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof WalletError && error.code === "self-paying-mint") {
        // For good: such a mint would pay for every job itself.
        log.info(`Lightning invoices off: ${message}`);
        this.#closed = true;
        return undefined;
      }
      this.#retryAt = Date.now() + OFFER_RETRY_MS;
      if (message !== this.#offerError)
        log.warn(`cannot offer Lightning invoices from ${mintUrl} (Cashu only until it works): ${message}`);
      this.#offerError = message;
      return undefined;
    }
    const mintExpiry = invoice.expiresAt === undefined ? Number.POSITIVE_INFINITY : invoice.expiresAt * 1000;
    const paid = this.#track(jobId, opId, Math.min(Date.now() + waitSec * 1000, mintExpiry));
    return { bolt11: invoice.invoice, amountMsats: amountSats * 1000, paid };
  }

  #track(jobId: string, opId: string, until: number): Promise<boolean> {
    let resolve!: (paid: boolean) => void;
    const paid = new Promise<boolean>((r) => {
      resolve = r;
    });
    const now = Date.now();
    this.#open.set(jobId, { jobId, opId, until, since: now, nextAt: now, resolve, paid });
    this.#schedule();
    return paid;
  }

  /**
   * After a restart: the invoice of job `jobId` (offered by an earlier run), watched again for `waitSec`.
   * Resolves true at once when the wallet's recovery already minted it; undefined when the job had none or it
   * was closed as expired.
   */
  watch(jobId: string): Promise<boolean> | undefined {
    const op = this.#o.wallet.operation(invoiceOpId(jobId));
    if (op?.kind !== "fund" || op.state === "failed") return undefined;
    if (op.state === "completed") return Promise.resolve(true);
    if (this.#closed) return undefined;
    const existing = this.#open.get(jobId);
    if (existing) return existing.paid;
    return this.#track(jobId, op.id, Date.now() + this.#o.waitSec * 1000);
  }

  /** Whether job `jobId`'s invoice was paid and minted (on disk: true after a restart too). */
  isPaid(jobId: string): boolean {
    return this.#o.wallet.operation(invoiceOpId(jobId))?.state === "completed";
  }

  /**
   * Stops watching: open invoices resolve false (their jobs are not run by this process). A payment made
   * later is still minted by the wallet's recovery on the next start.
   */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const entry of this.#open.values()) entry.resolve(false);
    this.#open.clear();
  }

  #schedule(): void {
    if (this.#closed || this.#timer || this.#open.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#poll().finally(() => this.#schedule());
    }, this.#o.pollMs ?? 1000);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      for (const entry of [...this.#open.values()]) {
        if (this.#closed) return;
        if (Date.now() >= entry.nextAt || Date.now() >= entry.until) await this.#check(entry);
      }
    } finally {
      this.#polling = false;
    }
  }

  async #check(entry: OpenInvoice): Promise<void> {
    const { wallet, log } = this.#o;
    const job = shortId(entry.jobId);
    try {
      const state = await wallet.collectInvoice(entry.opId);
      entry.lastError = undefined;
      if (state.state === "paid") {
        log.info(`job ${job}: Lightning invoice paid; ${state.op.amount} sats minted into the wallet`);
        return this.#end(entry, true);
      }
      if (state.state === "expired") {
        log.info(`job ${job}: Lightning invoice not paid (${state.reason}); job dropped, no work done`);
        return this.#end(entry, false);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== entry.lastError) log.warn(`job ${job}: cannot check its Lightning invoice: ${message}`);
      entry.lastError = message;
    }
    const poll = this.#o.pollMs ?? 1000;
    entry.nextAt = Date.now() + (Date.now() - entry.since < 30_000 ? poll : 5 * poll);
    if (Date.now() >= entry.until) {
      log.info(
        `job ${job}: Lightning invoice not paid within ${this.#o.waitSec} s; job dropped, no work done (a later payment is kept in the wallet)`,
      );
      this.#end(entry, false);
    }
  }

  #end(entry: OpenInvoice, paid: boolean): void {
    this.#open.delete(entry.jobId);
    entry.resolve(paid);
  }
}
