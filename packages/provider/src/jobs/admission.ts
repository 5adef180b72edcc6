/**
 * What happens to a request before any work: dedupe, parse (and decrypt), refuse what cannot or should not
 * be served, price it, check payment, then hand it to the worker. Also the restart path for jobs a previous
 * run accepted. Order matters: capacity is checked before payment, so no one pays for work refused as busy.
 * A batched request is admitted as a whole or refused as a whole: its n items need n places, and its price
 * (the sum of its items' quotes) is paid before any item runs.
 *
 * Over 400 lines on purpose: the restart paths (resume, resumeInvoices) and the cancellation paths share the
 * parse, the reservation count and the early-cancel memory with admission itself, and their order against it
 * is what keeps a paid job from being lost (see tab-holds.test.ts); split, they would pass that state around.
 */
import {
  amountTag,
  type ConversationKeyCache,
  cancelsJob,
  cashuRequestTag,
  checkBid,
  isExpired,
  type JobRequest,
  type NostrEvent,
  type ParsedJobRequest,
  parseJobCancel,
  parseJobRequest,
  type TokenPrice,
} from "@pylon/protocol";
import { describeError, type Logger, shortId } from "../log.js";
import type { PaymentDecision, PaymentPolicy } from "../payments/policy.js";
import { type PriceQuote, quoteJob } from "../pricing.js";
import type { RefusalLimiter } from "../refusal-limiter.js";
import type { ReplyPublisher, ReplyTarget } from "../replies/reply-publisher.js";
import type { NodeStats } from "../stats.js";
import type { JobStore, StoredJob } from "../store/job-store.js";
import { digestMismatch, modelMismatch, type ServedModel } from "./generate-request.js";
import type { JobWorker } from "./job-worker.js";

/** A job interrupted by this many restarts is failed rather than tried again (it may be what crashes us). */
export const MAX_ATTEMPTS = 2;
/** Cancellations for requests not seen yet, kept in case the request arrives after its cancellation. */
const EARLY_CANCELS_KEPT = 1_024;

export interface AdmissionOptions {
  keys: ConversationKeyCache;
  store: JobStore;
  worker: JobWorker;
  replies: ReplyPublisher;
  stats: NodeStats;
  policy: PaymentPolicy;
  log: Logger;
  served: ServedModel;
  price: TokenPrice;
  free: boolean;
  serveOpen: boolean;
  maxTokensCap: number;
  maxAgeSec: number;
  /** Tokens one job's context holds (prompt + output); 0 when unknown. */
  contextTokens: number;
  /** Most items one batched request may carry; below 2, batches are refused. */
  maxBatch: number;
  /** Limits refusals per buyer (feedback and log lines); without it every refusal is answered and logged. */
  refusals?: RefusalLimiter;
}

export class Admission {
  readonly #o: AdmissionOptions;
  /** Job id → the author of a cancellation that arrived before the job. */
  readonly #earlyCancels = new Map<string, string>();
  /**
   * Places promised to jobs (a batch: one per item) while their payment is checked, so concurrent arrivals
   * cannot overbook.
   */
  #reserved = 0;
  #closed = false;

  constructor(options: AdmissionOptions) {
    this.#o = options;
  }

  /** Stops admitting: requests from now on are left unrecorded, to be read again after a restart. */
  close(): void {
    this.#closed = true;
  }

  /** Handles one verified kind-5050 event. Never throws. */
  async handleRequest(event: NostrEvent): Promise<void> {
    try {
      await this.#admit(event);
    } catch (error) {
      // One line: the request may be a peer's malformed data, and a stack would bury the cause.
      this.#o.log.error(`request ${describeRequest(event)}: internal error: ${describeError(error)}`);
    }
  }

  /** Handles one verified kind-5 event: only a request's own author can cancel it. Never throws. */
  handleCancel(event: NostrEvent): void {
    const parsed = parseJobCancel(event);
    if (!parsed.ok) return;
    const { cancel } = parsed;
    const { worker, store, log } = this.#o;
    for (const jobId of cancel.eventIds) {
      if (worker.cancel(jobId, cancel.author)) {
        log.info(`job ${shortId(jobId)}: cancelled by its buyer`);
        continue;
      }
      const stored = store.get(jobId);
      if (!stored) {
        this.#rememberEarlyCancel(jobId, cancel.author);
      } else if (cancelsJob(cancel, { id: stored.id, pubkey: stored.buyer }) && stored.state === "unpaid") {
        store.update(jobId, { state: "cancelled", detail: "cancelled by the buyer", endedAt: Date.now() });
      } else if (cancelsJob(cancel, { id: stored.id, pubkey: stored.buyer })) {
        // A job of a previous run, cancelled while the node was down: read before resume() re-queues it.
        this.#rememberEarlyCancel(jobId, cancel.author);
      }
    }
  }

  /**
   * A job whose request is no longer stored on the relays that held it (see GoneRequests): its buyer deleted
   * it (NIP-09), on relays that drop the deletion itself. Handled as the buyer's cancellation; an expired
   * request is exempt (relays may drop expired events).
   */
  handleGone(jobId: string): void {
    const { worker, store, log } = this.#o;
    const stored = store.get(jobId);
    if (!stored || isExpired(stored.request, Math.floor(Date.now() / 1000))) return;
    if (worker.cancel(jobId, stored.buyer))
      log.info(`job ${shortId(jobId)}: cancelled by its buyer (its request was deleted from the relays)`);
  }

  /**
   * Picks up what a previous run left unfinished: results not yet published are published; jobs that were
   * queued or running run again (from the start) unless they are too old, expired, or already interrupted
   * MAX_ATTEMPTS times, in which case their buyers get an error saying so. Nothing is dropped silently.
   */
  resume(stored: readonly StoredJob[]): void {
    const { worker, stats, log, maxAgeSec } = this.#o;
    const nowMs = Date.now();
    for (const job of stored) {
      // Read the request as of its own date: it was valid when accepted, and expiry is judged below.
      const parsed = this.#parse(job.request, job.request.created_at, { forResume: true });
      const target: ReplyTarget = parsed.ok ? targetFor(parsed.job) : { event: job.request, relays: [] };
      if (!parsed.ok) {
        worker.fail(job.id, target, `provider restarted and cannot read the request again: ${parsed.reason}`);
        continue;
      }
      if (job.state === "finished") {
        worker.redeliver(job, target);
        continue;
      }
      // The node may serve other weights since it took the job: never run it on them.
      const otherModel = digestMismatch(parsed.job, this.#o.served);
      if (otherModel) {
        worker.fail(job.id, target, `provider restarted with another model: ${otherModel}`);
        continue;
      }
      // Paid before the crash (its payment is on disk) but not yet queued: it runs like a queued job.
      const paidReceived = job.state === "received" && (this.#o.policy.isPaid?.(job.id) ?? false);
      const reason =
        job.state === "received" && !paidReceived
          ? "provider restarted while checking the payment; please send the request again"
          : isExpired(parsed.job.event, Math.floor(nowMs / 1000))
            ? "provider restarted, and the request expired meanwhile"
            : nowMs - job.receivedAt > maxAgeSec * 1000
              ? "provider restarted, and the job had waited too long; please retry"
              : job.attempts >= MAX_ATTEMPTS
                ? `provider restarted ${job.attempts} times while running this job; giving up`
                : undefined;
      if (reason) {
        worker.fail(job.id, target, reason);
        continue;
      }
      log.info(`job ${shortId(job.id)}: resumed after a restart (attempt ${job.attempts + 1})`);
      stats.count("resumed");
      worker.accept(
        {
          job: parsed.job,
          quote: quoteJob(parsed.job, this.#o.price, this.#o.maxTokensCap),
          target,
          attempts: job.attempts,
          abort: new AbortController(),
        },
        true,
      );
      // Cancelled while the node was down: it ends as cancelled from the queue, its reserve released unspent.
      if (this.#earlyCancels.get(job.id) === job.buyer && worker.cancel(job.id, job.buyer))
        log.info(`job ${shortId(job.id)}: cancelled by its buyer while the node was down`);
    }
  }

  /**
   * Jobs a previous run quoted with a Lightning invoice (`unpaid`): each whose invoice is still open is
   * watched again, and one paid meanwhile (minted by the wallet's recovery at start) runs now, unless the
   * request expired (its buyer is told; the payment is kept). Jobs without an invoice stay as they are.
   */
  resumeInvoices(stored: readonly StoredJob[]): void {
    const { worker, log, policy } = this.#o;
    for (const job of stored) {
      if (job.endedAt !== undefined) continue; // its invoice lapsed: dropped for good
      const paid = policy.invoicePaid?.(job.id);
      if (!paid) continue;
      const parsed = this.#parse(job.request, job.request.created_at, { forResume: true });
      if (!parsed.ok) {
        log.warn(`job ${shortId(job.id)}: quoted by Lightning, but cannot be read again: ${parsed.reason}`);
        continue;
      }
      const target = targetFor(parsed.job);
      const quote = quoteJob(parsed.job, this.#o.price, this.#o.maxTokensCap);
      void paid.then((ok) => {
        if (!ok) return this.#whenInvoicePaid(parsed.job, quote, target, paid);
        const late = isExpired(parsed.job.event, Math.floor(Date.now() / 1000))
          ? "the request expired before its Lightning payment arrived"
          : undefined;
        if (!late) return this.#whenInvoicePaid(parsed.job, quote, target, paid);
        log.warn(`job ${shortId(job.id)}: paid by Lightning but not run (${late}); the payment is kept`);
        worker.fail(job.id, target, late);
      });
    }
  }

  async #admit(event: NostrEvent): Promise<void> {
    const { store, worker, replies, stats, policy, log } = this.#o;
    if (this.#closed || store.hasSeen(event.id)) return; // a job id seen before is never handled twice
    const now = Math.floor(Date.now() / 1000);
    const parsed = this.#parse(event, now);
    if (!parsed.ok) {
      store.recordRequest(event, now);
      if (parsed.code === "expired" || parsed.code === "not-for-us") return; // the protocol says: no reply
      this.#refuse({ event, relays: [] }, parsed.reason);
      return;
    }
    const { job } = parsed;
    const target = targetFor(job);
    if ((!this.#o.serveOpen && job.providers.length === 0) || this.#earlyCancels.get(job.id) === job.buyer) {
      store.recordRequest(event, now);
      return;
    }
    // Before any payment: a buyer is never charged for a model it did not ask for.
    const mismatch = modelMismatch(job, this.#o.served) ?? digestMismatch(job, this.#o.served);
    if (mismatch) {
      store.recordRequest(event, now);
      this.#refuse(target, mismatch);
      return;
    }
    const places = job.batch?.length ?? 1;
    const batchRefusal = job.batch ? this.#batchRefusal(job.batch.length) : undefined;
    if (batchRefusal) {
      store.recordRequest(event, now);
      this.#refuse(target, batchRefusal);
      return;
    }
    if (!worker.hasRoom(this.#reserved, places)) {
      store.recordRequest(event, now);
      this.#refuseBusy(target, places);
      return;
    }
    const quote = quoteJob(job, this.#o.price, this.#o.maxTokensCap);
    const tooLong = this.#promptTooLong(job, quote);
    if (tooLong) {
      store.recordRequest(event, now);
      this.#refuse(target, tooLong);
      return;
    }
    if (!this.#o.free) {
      const bid = checkBid(job.bidMsats, quote.amountMsats);
      if (!bid.ok) {
        store.recordRequest(event, now);
        this.#refuse(target, bid.reason, bid.requiredMsats);
        return;
      }
    }

    store.recordRequest(event, now, {
      buyer: job.buyer,
      event,
      state: "received",
      quoteMsats: quote.amountMsats,
      ...(job.batch ? { batchItems: job.batch.length } : {}),
    });
    let decision: PaymentDecision;
    this.#reserved += places;
    try {
      decision = await policy.verifyPayment(job, quote);
    } catch (error) {
      log.error(`job ${shortId(job.id)}: payment check (${policy.name}) threw: ${String(error)}`);
      decision = { ok: false, feedback: "error", reason: "the payment could not be checked; please retry" };
    } finally {
      this.#reserved -= places;
    }
    if (!decision.ok) {
      if (decision.feedback === "result") {
        // Answered without inference: stored first, then published like any finished job.
        store.update(job.id, {
          state: "finished",
          output: decision.output,
          amountMsats: 0,
          endedAt: Date.now(),
        });
        const stored = store.get(job.id);
        if (stored) worker.redeliver(stored, target);
      } else if (decision.feedback === "payment-required") {
        store.update(job.id, { state: "unpaid", detail: decision.detail ?? "payment required" });
        stats.count("paymentRequired");
        const tags = decision.paymentRequest ? [cashuRequestTag(decision.paymentRequest)] : [];
        // NIP-90's `["amount", msats, bolt11]`: the invoice rides in the amount tag itself.
        if (decision.bolt11)
          tags.unshift(amountTag({ msats: decision.amountMsats, bolt11: decision.bolt11 }));
        void replies.feedback(target, "payment-required", {
          ...(decision.bolt11 ? {} : { amountMsats: decision.amountMsats }),
          ...(decision.detail ? { extra: decision.detail } : {}),
          ...(tags.length > 0 ? { tags } : {}),
        });
        if (decision.paid) void this.#whenInvoicePaid(job, quote, target, decision.paid);
      } else {
        worker.fail(job.id, target, decision.reason);
      }
      return;
    }
    // The payment check may have taken a while: the buyer may have cancelled meanwhile. (Its place was
    // reserved, so there is room.)
    if (this.#earlyCancels.get(job.id) === job.buyer) {
      policy.settle?.(job.id, 0); // nothing ran: a tab's reserve goes back to its balance
      store.update(job.id, { state: "cancelled", detail: "cancelled by the buyer", endedAt: Date.now() });
      stats.count("cancelled");
      return;
    }
    // Over the bound if need be: its place was checked before the payment, but jobs resumed after a restart
    // may have taken it meanwhile (they are queued past the bound too), and a paid job is never left behind.
    if (!worker.hasRoom(0, places))
      log.info(
        `job ${shortId(job.id)}: queued past the bound (its place was taken during its payment check)`,
      );
    worker.accept({ job, quote, target, attempts: 0, abort: new AbortController() }, false, true);
  }

  /**
   * A job quoted with a Lightning invoice: runs once the invoice is paid and its ecash is in the wallet
   * (`paid` true), never before; an invoice that expired unpaid drops the job with no work done. A paid job
   * takes a place even past the queue bound: it must not be refused after the money arrived.
   */
  async #whenInvoicePaid(
    job: JobRequest,
    quote: PriceQuote,
    target: ReplyTarget,
    paid: Promise<boolean>,
  ): Promise<void> {
    const { store, worker, log } = this.#o;
    const id = shortId(job.id);
    try {
      if (!(await paid)) {
        // Stopping: left `unpaid` and open, to be watched again after the restart (resumeInvoices).
        if (this.#closed) return;
        // Dropped for good (endedAt): a payment arriving later is kept, the job not run.
        store.update(job.id, {
          state: "unpaid",
          detail: "Lightning invoice not paid in time",
          endedAt: Date.now(),
        });
        return; // the invoice watcher logged why
      }
      if (store.get(job.id)?.state === "cancelled" || this.#earlyCancels.get(job.id) === job.buyer) {
        log.warn(`job ${id}: paid by Lightning after its buyer cancelled it; kept in the wallet, not run`);
        return;
      }
      // On disk as paid first: a restart from here resumes the job (the policy's isPaid sees the minted invoice).
      store.update(job.id, { state: "received", detail: "paid by Lightning" });
      if (this.#closed) {
        log.info(`job ${id}: paid by Lightning while stopping; it runs after the restart`);
        return;
      }
      const places = job.batch?.length ?? 1;
      worker.accept(
        { job, quote, target, attempts: 0, abort: new AbortController() },
        false,
        !worker.hasRoom(this.#reserved, places),
      );
    } catch (error) {
      log.error(
        `job ${id}: after its Lightning payment: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  #parse(event: NostrEvent, now: number, mode: { forResume?: boolean } = {}): ParsedJobRequest {
    return parseJobRequest(event, {
      now,
      secretKey: this.#o.keys,
      ourPubkey: this.#o.keys.pubkey,
      maxTokensCap: this.#o.maxTokensCap,
      ...(mode.forResume ? {} : { maxAgeSec: this.#o.maxAgeSec }),
    });
  }

  /** Why this node does not take a batch of `items`, or undefined when it does. */
  #batchRefusal(items: number): string | undefined {
    const { maxBatch } = this.#o;
    if (maxBatch < 2) return "batched requests are not served here: send one request per prompt";
    if (items > maxBatch)
      return `batch too large: ${items} items, but this node takes at most ${maxBatch} per request; split it`;
    return undefined;
  }

  /**
   * The estimate (4 characters a token) is low for most tokenizers, so this only catches prompts that cannot
   * possibly fit (in a batch: any item's); the backend refuses the rest after tokenizing them.
   */
  #promptTooLong(job: JobRequest, quote: PriceQuote): string | undefined {
    const context = this.#o.contextTokens;
    if (context <= 0) return undefined;
    const quotes = quote.items ?? [quote];
    const index = quotes.findIndex((item) => item.inputTokens >= context);
    const over = quotes[index];
    if (!over) return undefined;
    const what = job.batch ? `item "${job.batch[index]?.id ?? index}": prompt` : "prompt";
    return `${what} too long: about ${over.inputTokens} tokens, but a job's context here holds ${context}`;
  }

  /**
   * Refuses with an `error` feedback and a log line, both rate-limited per buyer (a buyer over its limit gets
   * silence, counted in the limiter's summary). A busy refusal is always sent: an honest buyer needs it to go
   * to another provider at once; only its log line is limited.
   */
  #refuse(
    target: ReplyTarget,
    reason: string,
    amountMsats?: number,
    options: { always?: boolean } = {},
  ): void {
    this.#o.stats.count("refused");
    // Busy refusals have a budget of their own: a buyer told "busy" often is not misbehaving.
    const key = options.always ? `busy:${target.event.pubkey}` : target.event.pubkey;
    const allowed = this.#o.refusals?.allow(key) ?? true;
    if (allowed) this.#o.log.info(`request ${describeRequest(target.event)} refused: ${reason}`);
    if (!allowed && !options.always) return;
    void this.#o.replies.feedback(target, "error", {
      extra: reason,
      ...(amountMsats === undefined ? {} : { amountMsats }),
    });
  }

  #refuseBusy(target: ReplyTarget, places: number): void {
    this.#o.stats.count("busy");
    this.#refuse(target, busyReason(this.#o.worker, places, this.#reserved), undefined, { always: true });
  }

  #rememberEarlyCancel(jobId: string, author: string): void {
    this.#earlyCancels.set(jobId, author);
    if (this.#earlyCancels.size > EARLY_CANCELS_KEPT) {
      const oldest = this.#earlyCancels.keys().next().value;
      if (oldest !== undefined) this.#earlyCancels.delete(oldest);
    }
  }
}

/** "<id prefix> from <buyer prefix>" for log lines about a request not yet (or never) accepted. */
function describeRequest(event: { id: string; pubkey: string }): string {
  return `${shortId(event.id)} from ${shortId(event.pubkey)}`;
}

export function targetFor(job: JobRequest): ReplyTarget {
  const target: ReplyTarget = { event: job.event, relays: job.relays };
  if (job.encryption) target.encryption = job.encryption;
  if (job.batch) target.batch = true;
  return target;
}

function busyReason(worker: JobWorker, needed: number, reserved: number): string {
  const queue = worker.maxQueue === 1 ? "1 queue place" : `${worker.maxQueue} queue places`;
  if (needed === 1)
    return `busy: all ${worker.slots} slots and ${queue} are taken; retry later or use another provider`;
  return `busy: a batch of ${needed} items needs ${needed} free places, but only ${worker.freePlaces(reserved)} of the ${worker.slots} slots and ${queue} are free; retry later, send fewer items, or use another provider`;
}
