/**
 * Runs accepted jobs: queue → slot → backend → result, with cancellation, restart recovery and shutdown.
 * Every accepted job ends in exactly one of: a published result (done), an error feedback (failed), or a
 * cancellation by its buyer (JobEnds), and each step is written to the job store before the buyer hears of it.
 */
import type { Backend } from "@pylon/inference";
import { isExpired, type JobRequest } from "@pylon/protocol";
import { describeError, type Logger, shortId } from "../log.js";
import type { PaymentPolicy } from "../payments/policy.js";
import type { PriceQuote } from "../pricing.js";
import { PartialStream, type PartialStreamSettings } from "../replies/partial-stream.js";
import type { ReplyPublisher, ReplyTarget } from "../replies/reply-publisher.js";
import type { NodeStats } from "../stats.js";
import type { JobStore, StoredJob } from "../store/job-store.js";
import { BatchItems } from "./batch-items.js";
import { BatchRun } from "./batch-run.js";
import {
  BUSY_AFTER_PAYMENT_REASON,
  CANCELLED_REASON,
  describeFailure,
  EXPIRED_BEFORE_SLOT_REASON,
  SHUTDOWN_REASON,
} from "./end-reasons.js";
import { toGenerateRequest } from "./generate-request.js";
import { JobEnds } from "./job-ends.js";
import { SlotQueue } from "./slot-queue.js";

export interface AcceptedJob {
  job: JobRequest;
  quote: PriceQuote;
  target: ReplyTarget;
  /** Generation attempts before this one (a restart mid-job counts one). */
  attempts: number;
  abort: AbortController;
  /** Why generation was stopped, once it was. */
  stopReason?: "cancelled" | "shutdown";
  /** A batched request's progress (set by the worker when it accepts one). */
  batch?: BatchRun;
}

/** What one slot runs: a single job, or one item of a batch. */
interface WorkUnit {
  accepted: AcceptedJob;
  /** The batch item's index; undefined for a single job. */
  item?: number;
}

export interface JobWorkerOptions {
  backend: Backend;
  store: JobStore;
  replies: ReplyPublisher;
  stats: NodeStats;
  policy: PaymentPolicy;
  log: Logger;
  slots: number;
  maxQueue: number;
  maxTokensCap: number;
  /** Stream pieces to buyers who ask (`stream` param) this way; undefined: never stream. */
  streaming?: PartialStreamSettings;
  /** Called with the ids of the jobs queued or running here whenever that set changes. */
  onJobsChanged?: (ids: readonly string[]) => void;
}

export class JobWorker {
  readonly #options: JobWorkerOptions;
  readonly #queue: SlotQueue<WorkUnit>;
  /** Accepted jobs not yet ended (queued or running), by id. */
  readonly #jobs = new Map<string, AcceptedJob>();
  readonly #ends: JobEnds;
  readonly #batches: BatchItems;
  #closed = false;

  constructor(options: JobWorkerOptions) {
    this.#options = options;
    this.#ends = new JobEnds(options);
    this.#batches = new BatchItems(options, this.#ends, {
      closed: () => this.#closed,
      forget: (jobId) => this.#forget(jobId),
    });
    this.#queue = new SlotQueue(options.slots, options.maxQueue, (unit) => this.#execute(unit));
  }

  get slots(): number {
    return this.#queue.slots;
  }

  get maxQueue(): number {
    return this.#queue.maxQueue;
  }

  get active(): number {
    return this.#queue.active;
  }

  get queued(): number {
    return this.#queue.queued;
  }

  /** Whether `count` more jobs (each item of a batch counts one) fit beside `reserved` already promised room. */
  hasRoom(reserved = 0, count = 1): boolean {
    return this.#queue.hasRoom(reserved, count);
  }

  /** Slots and queue places not taken (nor promised to `reserved` jobs). */
  freePlaces(reserved = 0): number {
    return this.#queue.free(reserved);
  }

  /** Whether a job is queued or running here. */
  has(jobId: string): boolean {
    return this.#jobs.has(jobId);
  }

  /**
   * Takes a job whose payment is settled: records it as queued, tells the buyer `processing` (once, for a
   * whole batch), and queues it (each item of a batch as its own unit of work). `resumed` jobs were accepted
   * before a restart; they, and `overBound` ones (paid after their place was checked), may exceed the queue
   * bound. Any other job finding no room is failed at once (its payment freed): a job is never left recorded
   * but not queued, holding its payment for good.
   */
  accept(accepted: AcceptedJob, resumed = false, overBound = resumed): void {
    const { store, replies } = this.#options;
    const id = accepted.job.id;
    if (this.#jobs.has(id)) return; // already here: a job must never run twice at once
    if (this.#closed) {
      this.fail(id, accepted.target, SHUTDOWN_REASON);
      return;
    }
    const items = accepted.job.batch;
    const places = items?.length ?? 1;
    if (!overBound && !this.#queue.hasRoom(0, places)) {
      this.fail(id, accepted.target, BUSY_AFTER_PAYMENT_REASON);
      return;
    }
    if (items) accepted.batch = new BatchRun(items, accepted.quote.price);
    const units: WorkUnit[] = items ? items.map((_, item) => ({ accepted, item })) : [{ accepted }];
    const startsNow = this.#queue.active < this.#queue.slots && this.#queue.queued === 0;
    store.update(id, { state: "queued" });
    this.#jobs.set(id, accepted);
    this.#changed();
    const status = startsNow ? "started" : `queued behind ${this.#queue.active + this.#queue.queued} jobs`;
    const what = items ? `; batch of ${items.length} items` : "";
    void replies.feedback(accepted.target, "processing", {
      extra: resumed ? `resumed after a provider restart; ${status}${what}` : `${status}${what}`,
    });
    this.#queue.pushAll(units, overBound);
  }

  /**
   * Applies a cancellation by `author`: a queued job leaves the queue, a running one stops at its next token.
   * Returns false when the job is not here or `author` is not its buyer (only the buyer may cancel).
   */
  cancel(jobId: string, author: string): boolean {
    const accepted = this.#jobs.get(jobId);
    if (!accepted || accepted.job.buyer !== author) return false;
    accepted.stopReason = "cancelled";
    const removed = this.#queue.removeAll((unit) => unit.accepted === accepted);
    if (accepted.batch) {
      // Items still waiting end now; running ones stop at their next token and end the batch when done.
      for (const unit of removed) this.#batches.ended(accepted, unit.item ?? -1, { error: CANCELLED_REASON });
      accepted.abort.abort();
    } else if (removed.length > 0) {
      this.#forget(jobId);
      this.#ends.cancelled(accepted, 0);
    } else {
      accepted.abort.abort();
    }
    return true;
  }

  /** Publishes the stored output of a job whose result no relay has acknowledged yet. */
  redeliver(stored: StoredJob, target: ReplyTarget): void {
    this.#ends.redeliver(stored, target);
  }

  /** Ends a stored job that cannot go on, telling its buyer why. */
  fail(jobId: string, target: ReplyTarget, reason: string): void {
    this.#ends.fail(jobId, target, reason);
  }

  /**
   * Stops taking work: queued jobs are failed at once (their buyers can go elsewhere), running jobs get
   * `graceMs` to finish and are then stopped and failed; finally waits (bounded) for replies to go out.
   * A batch with items running gets its result once they end, its queued items answered with the shutdown
   * error; a batch none of whose items produced anything is failed like a single job.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.#closed = true;
    for (const { accepted, item } of this.#queue.closeAndTakeQueued()) {
      if (accepted.batch) {
        // A batch keeps what its running items make; its waiting items end unanswered (retried by the buyer).
        this.#batches.ended(accepted, item ?? -1, { error: SHUTDOWN_REASON });
        continue;
      }
      this.#forget(accepted.job.id);
      this.fail(accepted.job.id, accepted.target, SHUTDOWN_REASON);
    }
    const graceOver = await raceTimeout(this.#queue.whenIdle(), graceMs);
    if (graceOver) {
      for (const accepted of this.#jobs.values()) {
        accepted.stopReason ??= "shutdown";
        accepted.abort.abort();
      }
      await this.#queue.whenIdle();
    }
    await raceTimeout(this.#ends.delivered(), 10_000);
    await this.#options.replies.flush(5_000);
  }

  #forget(jobId: string): void {
    if (this.#jobs.delete(jobId)) this.#changed();
  }

  #changed(): void {
    this.#options.onJobsChanged?.([...this.#jobs.keys()]);
  }

  /**
   * Runs one job (or batch item) on a slot. Whatever goes wrong, the buyer hears of it: nothing is dropped
   * silently.
   */
  async #execute({ accepted, item }: WorkUnit): Promise<void> {
    try {
      if (item === undefined) await this.#generate(accepted);
      else await this.#batches.generate(accepted, item);
    } catch (error) {
      // Not a model failure (those are handled below) but ours, e.g. the database refusing a write.
      const id = accepted.job.id;
      this.#options.log.error(`job ${shortId(id)}: internal error: ${describeError(error)}`);
      const reason = "internal error on the provider; please retry";
      const { batch } = accepted;
      if (item !== undefined && batch && !batch.ended) {
        try {
          this.#batches.ended(accepted, item, { error: reason }); // only this item is lost
          return;
        } catch {
          // ending the batch failed too: it fails as a whole, below
        }
      }
      // Items of a failed batch still running stop, and their ends are ignored: the buyer heard `error`.
      batch?.close();
      if (batch) accepted.abort.abort();
      this.#forget(id);
      try {
        this.fail(id, accepted.target, reason);
      } catch {
        void this.#options.replies.feedback(accepted.target, "error", { extra: reason });
      }
    }
  }

  async #generate(accepted: AcceptedJob): Promise<void> {
    const { backend, store, stats, log, maxTokensCap } = this.#options;
    const { job } = accepted;
    if (isExpired(job.event, Math.floor(Date.now() / 1000))) {
      this.#forget(job.id);
      this.fail(job.id, accepted.target, EXPIRED_BEFORE_SLOT_REASON);
      return;
    }
    store.update(job.id, { state: "running", startedAt: Date.now(), attempts: accepted.attempts + 1 });
    stats.jobStarted();
    let outputTokens = 0;
    // Only accepted jobs get here, so no text leaves before the payment checks passed.
    const stream =
      job.stream && this.#options.streaming
        ? new PartialStream(
            (seq, text) => this.#options.replies.partial(accepted.target, seq, text),
            this.#options.streaming,
          )
        : undefined;
    try {
      const result = await backend.generate(toGenerateRequest(job, maxTokensCap), {
        signal: accepted.abort.signal,
        ...(stream ? { onToken: (text: string) => stream.push(text) } : {}),
      });
      stream?.finish();
      outputTokens = result.usage.outputTokens;
      this.#forget(job.id);
      if (accepted.stopReason) this.#ends.stopped(accepted, result);
      else if (result.finishReason === "error")
        this.fail(job.id, accepted.target, `generation failed: ${result.error?.message ?? "unknown error"}`);
      else this.#ends.complete(accepted, result);
    } catch (error) {
      stream?.finish();
      this.#forget(job.id);
      if (accepted.stopReason) this.#ends.stopped(accepted);
      else {
        log.warn(`job ${shortId(job.id)}: ${describeFailure(error)}`);
        this.fail(job.id, accepted.target, describeFailure(error));
      }
    } finally {
      stats.jobEnded(outputTokens);
    }
  }
}

/** True when the timeout won. */
async function raceTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<true>((resolve) => {
    timer = setTimeout(() => resolve(true), ms);
  });
  const won = await Promise.race([promise.then(() => false as const), timeout]);
  clearTimeout(timer);
  return won;
}
