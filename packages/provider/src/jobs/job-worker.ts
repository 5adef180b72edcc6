/**
 * Runs accepted jobs: queue → slot → backend → result, with cancellation, restart recovery and shutdown.
 * Every accepted job ends in exactly one of: a published result (done), an error feedback (failed), or a
 * cancellation by its customer, and each step is written to the job store before the customer hears of it.
 */
import { type Backend, type GenerateResult, isBackendError } from "@pylon/inference";
import { isExpired, type JobRequest, jobCostMsats, type TokenUsage } from "@pylon/protocol";
import { type Logger, shortId } from "../log.js";
import type { PaymentPolicy, PriceQuote } from "../payment.js";
import type { ReplyPublisher, ReplyTarget } from "../replies/reply-publisher.js";
import type { ProviderStats } from "../stats.js";
import type { JobStore, StoredJob } from "../store/job-store.js";
import { toGenerateRequest } from "./generate-request.js";
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
}

export interface JobWorkerOptions {
  backend: Backend;
  store: JobStore;
  replies: ReplyPublisher;
  stats: ProviderStats;
  policy: PaymentPolicy;
  log: Logger;
  slots: number;
  maxQueue: number;
  maxTokensCap: number;
  /** Called with the ids of the jobs queued or running here whenever that set changes. */
  onJobsChanged?: (ids: readonly string[]) => void;
}

export const SHUTDOWN_REASON = "provider shutting down; please retry (here later, or elsewhere)";
export const CANCELLED_REASON = "cancelled by the customer";

export class JobWorker {
  readonly #options: JobWorkerOptions;
  readonly #queue: SlotQueue<AcceptedJob>;
  /** Accepted jobs not yet ended (queued or running), by id. */
  readonly #jobs = new Map<string, AcceptedJob>();
  /** Results being published, by job id. */
  readonly #deliveries = new Map<string, Promise<void>>();
  #closed = false;

  constructor(options: JobWorkerOptions) {
    this.#options = options;
    this.#queue = new SlotQueue(options.slots, options.maxQueue, (accepted) => this.#execute(accepted));
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

  /** Whether one more job fits beside `reserved` jobs already promised a place. */
  hasRoom(reserved = 0): boolean {
    return this.#queue.hasRoom(reserved);
  }

  /** Whether a job is queued or running here. */
  has(jobId: string): boolean {
    return this.#jobs.has(jobId);
  }

  /**
   * Takes a job whose payment is settled: records it as queued, tells the customer `processing`, and queues
   * it. `resumed` jobs were accepted before a restart and may exceed the queue bound.
   */
  accept(accepted: AcceptedJob, resumed = false): void {
    const { store, replies } = this.#options;
    const id = accepted.job.id;
    if (this.#jobs.has(id)) return; // already here: a job must never run twice at once
    if (this.#closed) {
      this.fail(id, accepted.target, SHUTDOWN_REASON);
      return;
    }
    const startsNow = this.#queue.active < this.#queue.slots && this.#queue.queued === 0;
    store.update(id, { state: "queued" });
    this.#jobs.set(id, accepted);
    this.#changed();
    const status = startsNow ? "started" : `queued behind ${this.#queue.active + this.#queue.queued} jobs`;
    void replies.feedback(accepted.target, "processing", {
      extra: resumed ? `resumed after a provider restart; ${status}` : status,
    });
    this.#queue.push(accepted, resumed);
  }

  /**
   * Applies a cancellation by `author`: a queued job leaves the queue, a running one stops at its next token.
   * Returns false when the job is not here or `author` is not its customer (only the customer may cancel).
   */
  cancel(jobId: string, author: string): boolean {
    const accepted = this.#jobs.get(jobId);
    if (!accepted || accepted.job.customer !== author) return false;
    accepted.stopReason = "cancelled";
    if (this.#queue.remove((item) => item === accepted)) {
      this.#forget(jobId);
      this.#endCancelled(accepted);
    } else {
      accepted.abort.abort();
    }
    return true;
  }

  /** Publishes the stored output of a job whose result no relay has acknowledged yet. */
  redeliver(stored: StoredJob, target: ReplyTarget): void {
    if (this.#deliveries.has(stored.id) || stored.output === undefined) return;
    this.#deliver(stored.id, target, stored.output, stored.amountMsats ?? 0);
  }

  /** Ends a stored job that cannot go on, telling its customer why. */
  fail(jobId: string, target: ReplyTarget, reason: string): void {
    const { store, replies, stats, policy } = this.#options;
    policy.settle?.(jobId, 0); // a failed job costs its customer nothing
    store.update(jobId, { state: "failed", detail: reason, endedAt: Date.now() });
    stats.count("failed");
    void replies.feedback(target, "error", { extra: reason });
  }

  /**
   * Stops taking work: queued jobs are failed at once (their customers can go elsewhere), running jobs get
   * `graceMs` to finish and are then stopped and failed; finally waits (bounded) for replies to go out.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.#closed = true;
    for (const accepted of this.#queue.closeAndTakeQueued()) {
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
    await raceTimeout(Promise.allSettled([...this.#deliveries.values()]), 10_000);
    await this.#options.replies.flush(5_000);
  }

  #forget(jobId: string): void {
    if (this.#jobs.delete(jobId)) this.#changed();
  }

  #changed(): void {
    this.#options.onJobsChanged?.([...this.#jobs.keys()]);
  }

  /** Runs one job on a slot. Whatever goes wrong, the customer hears of it: nothing is dropped silently. */
  async #execute(accepted: AcceptedJob): Promise<void> {
    try {
      await this.#generate(accepted);
    } catch (error) {
      // Not a model failure (those are handled below) but ours, e.g. the database refusing a write.
      const id = accepted.job.id;
      this.#options.log.error(
        `job ${shortId(id)}: internal error: ${error instanceof Error ? error.stack : String(error)}`,
      );
      this.#forget(id);
      const reason = "internal error on the provider; please retry";
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
      this.fail(job.id, accepted.target, "the request expired before a slot was free");
      return;
    }
    store.update(job.id, { state: "running", startedAt: Date.now(), attempts: accepted.attempts + 1 });
    stats.jobStarted();
    let outputTokens = 0;
    try {
      const result = await backend.generate(toGenerateRequest(job, maxTokensCap), {
        signal: accepted.abort.signal,
      });
      outputTokens = result.usage.outputTokens;
      this.#forget(job.id);
      if (accepted.stopReason) this.#endStopped(accepted, result);
      else if (result.finishReason === "error")
        this.fail(job.id, accepted.target, `generation failed: ${result.error?.message ?? "unknown error"}`);
      else this.#complete(accepted, result);
    } catch (error) {
      this.#forget(job.id);
      if (accepted.stopReason) this.#endStopped(accepted);
      else {
        log.warn(`job ${shortId(job.id)}: ${describeFailure(error)}`);
        this.fail(job.id, accepted.target, describeFailure(error));
      }
    } finally {
      stats.jobEnded(outputTokens);
    }
  }

  #complete(accepted: AcceptedJob, result: GenerateResult): void {
    const { store, policy } = this.#options;
    const { job, quote } = accepted;
    // Settled before the output is stored: a crash in between re-runs the job, and settling is idempotent.
    policy.settle?.(job.id, costOf(quote, result.usage));
    const amountMsats = policy.amountOwed?.(job, quote, result.usage) ?? 0;
    // The output is on disk before anyone is told: a crash from here on re-publishes it, never re-runs it.
    store.update(job.id, {
      state: "finished",
      output: result.text,
      finishReason: result.finishReason,
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      amountMsats,
      endedAt: Date.now(),
    });
    this.#deliver(job.id, accepted.target, result.text, amountMsats);
  }

  #deliver(jobId: string, target: ReplyTarget, output: string, amountMsats: number): void {
    const { store, replies, stats, log, policy } = this.#options;
    const tags = policy.resultTags?.({ customer: target.event.pubkey }) ?? [];
    const delivery = replies.result(target, output, amountMsats, tags).then((delivered) => {
      if (delivered) {
        store.update(jobId, { state: "done" });
        stats.count("served");
      } else {
        log.warn(`job ${shortId(jobId)}: result kept for another attempt`);
      }
      this.#deliveries.delete(jobId);
    });
    this.#deliveries.set(jobId, delivery);
  }

  #endStopped(accepted: AcceptedJob, result?: GenerateResult): void {
    if (accepted.stopReason === "cancelled") {
      this.#endCancelled(accepted, result);
      return;
    }
    this.fail(accepted.job.id, accepted.target, SHUTDOWN_REASON);
  }

  #endCancelled(accepted: AcceptedJob, result?: GenerateResult): void {
    const { store, replies, stats, policy } = this.#options;
    // What was generated before the cancellation is charged; nothing more.
    policy.settle?.(accepted.job.id, result ? costOf(accepted.quote, result.usage) : 0);
    store.update(accepted.job.id, {
      state: "cancelled",
      detail: CANCELLED_REASON,
      endedAt: Date.now(),
      ...(result ? { outputTokens: result.usage.outputTokens, inputTokens: result.usage.inputTokens } : {}),
    });
    stats.count("cancelled");
    // A courtesy: the customer's other devices (and any watcher) learn the job is over.
    void replies.feedback(accepted.target, "error", { extra: CANCELLED_REASON });
  }
}

function costOf(quote: PriceQuote, usage: TokenUsage): number {
  return jobCostMsats(quote.price, usage);
}

/** A backend failure in words a customer can act on. */
function describeFailure(error: unknown): string {
  if (isBackendError(error, "busy")) return `busy: ${error.message}; retry later or use another provider`;
  if (isBackendError(error, "bad-request")) return `cannot run this request: ${error.message}`;
  if (isBackendError(error, "closed")) return SHUTDOWN_REASON;
  return `generation failed: ${error instanceof Error ? error.message : String(error)}`;
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
