/**
 * How an accepted job ends, for single jobs and batches alike: settled with the payment policy, written to
 * the job store, and only then told to its buyer (a result, an error feedback, or a cancellation). Results
 * being published are tracked so that shutdown can wait for them.
 */
import type { GenerateResult } from "@pylon/inference";
import { decodeBatchResults, jobCostMsats, type TokenUsage } from "@pylon/protocol";
import { shortId } from "../log.js";
import type { ReplyTarget } from "../replies/reply-publisher.js";
import type { StoredJob } from "../store/job-store.js";
import { CANCELLED_REASON, SHUTDOWN_REASON } from "./end-reasons.js";
import type { AcceptedJob, JobWorkerOptions } from "./job-worker.js";

export class JobEnds {
  readonly #options: JobWorkerOptions;
  /** Results being published, by job id. */
  readonly #deliveries = new Map<string, Promise<void>>();

  constructor(options: JobWorkerOptions) {
    this.#options = options;
  }

  /** Ends a stored job that cannot go on, telling its buyer why. */
  fail(jobId: string, target: ReplyTarget, reason: string): void {
    const { store, replies, stats, policy } = this.#options;
    policy.settle?.(jobId, 0); // a failed job costs its buyer nothing
    // Per-job payments too: given back before the buyer hears (docs/payments.md, "A paid job that fails …").
    const buyer = target.event.pubkey;
    const note = policy.returnPayment?.({ id: jobId, buyer });
    store.update(jobId, { state: "failed", detail: reason, endedAt: Date.now() });
    stats.count("failed");
    const tags = note ? (policy.resultTags?.({ buyer }) ?? []) : [];
    void replies.feedback(target, "error", {
      extra: note ? `${reason}; ${note}` : reason,
      ...(tags.length > 0 ? { tags } : {}),
    });
  }

  complete(accepted: AcceptedJob, result: GenerateResult): void {
    const { store, policy } = this.#options;
    const { job, quote } = accepted;
    // Settled before the output is stored: a crash in between re-runs the job, and settling is idempotent.
    policy.settle?.(job.id, jobCostMsats(quote.price, result.usage));
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
    this.deliver(job.id, accepted.target, result.text, amountMsats);
  }

  /** A job stopped mid-generation (`result`: what it made before it stopped, if the backend said). */
  stopped(accepted: AcceptedJob, result?: GenerateResult): void {
    if (accepted.stopReason === "cancelled") {
      const costMsats = result ? jobCostMsats(accepted.quote.price, result.usage) : 0;
      this.cancelled(accepted, costMsats, result?.usage);
      return;
    }
    this.fail(accepted.job.id, accepted.target, SHUTDOWN_REASON);
  }

  /** `costMsats`: the price of what was generated before the cancellation (charged; nothing more is). */
  cancelled(accepted: AcceptedJob, costMsats: number, usage?: TokenUsage): void {
    const { store, replies, stats, policy } = this.#options;
    policy.settle?.(accepted.job.id, costMsats);
    store.update(accepted.job.id, {
      state: "cancelled",
      detail: CANCELLED_REASON,
      endedAt: Date.now(),
      ...(usage ? { outputTokens: usage.outputTokens, inputTokens: usage.inputTokens } : {}),
    });
    stats.count("cancelled");
    // A courtesy: the buyer's other devices (and any watcher) learn the job is over.
    void replies.feedback(accepted.target, "error", { extra: CANCELLED_REASON });
  }

  /** Publishes a stored output. `served`: jobs the result answers (a batch's items with an output; 1 for a job). */
  deliver(jobId: string, target: ReplyTarget, output: string, amountMsats: number, served = 1): void {
    const { store, replies, stats, log, policy } = this.#options;
    const tags = policy.resultTags?.({ buyer: target.event.pubkey }) ?? [];
    const delivery = replies.result(target, output, amountMsats, tags).then((delivered) => {
      if (delivered) {
        store.update(jobId, { state: "done" });
        stats.count("served", served);
        if (target.batch) stats.count("batches");
      } else {
        log.warn(`job ${shortId(jobId)}: result kept for another attempt`);
      }
      this.#deliveries.delete(jobId);
    });
    this.#deliveries.set(jobId, delivery);
  }

  /** Publishes the stored output of a job whose result no relay has acknowledged yet. */
  redeliver(stored: StoredJob, target: ReplyTarget): void {
    if (this.#deliveries.has(stored.id) || stored.output === undefined) return;
    const items = target.batch ? decodeBatchResults(stored.output) : undefined;
    const served = items ? items.filter((item) => item.output !== undefined).length : 1;
    this.deliver(stored.id, target, stored.output, stored.amountMsats ?? 0, served);
  }

  /** Settles once every result being published now has been (or failed to be). */
  delivered(): Promise<unknown> {
    return Promise.allSettled([...this.#deliveries.values()]);
  }
}
