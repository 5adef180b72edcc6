/**
 * The items of a batched request on the node's slots: each item is generated as its own unit of work, its
 * failure is that item's `error` (never the batch's), and the last item to end ends the batch with one
 * result and one settlement.
 */
import type { GenerateResult } from "@pylon/inference";
import { encodeBatchResults, isExpired } from "@pylon/protocol";
import { shortId } from "../log.js";
import type { BatchRun, ItemOutcome } from "./batch-run.js";
import {
  CANCELLED_REASON,
  describeFailure,
  EXPIRED_BEFORE_SLOT_REASON,
  SHUTDOWN_REASON,
  stopReasonText,
} from "./end-reasons.js";
import { itemAsJob, toGenerateRequest } from "./generate-request.js";
import type { JobEnds } from "./job-ends.js";
import type { AcceptedJob, JobWorkerOptions } from "./job-worker.js";

/** What the batch code needs of the worker. */
export interface WorkerState {
  /** Whether the worker is shutting down. */
  closed(): boolean;
  /** The job is no longer queued or running here. */
  forget(jobId: string): void;
}

export class BatchItems {
  readonly #options: JobWorkerOptions;
  readonly #ends: JobEnds;
  readonly #worker: WorkerState;

  constructor(options: JobWorkerOptions, ends: JobEnds, worker: WorkerState) {
    this.#options = options;
    this.#ends = ends;
    this.#worker = worker;
  }

  /** Runs item `index` of `accepted`'s batch on a slot, then records its end. */
  async generate(accepted: AcceptedJob, index: number): Promise<void> {
    const { backend, store, stats, log, maxTokensCap } = this.#options;
    const { job, batch } = accepted;
    const item = batch?.items[index];
    if (!batch || !item) throw new Error(`batch item ${index} of job ${shortId(job.id)} does not exist`);
    if (accepted.stopReason) {
      this.ended(accepted, index, { error: stopReasonText(accepted.stopReason) });
      return;
    }
    if (isExpired(job.event, Math.floor(Date.now() / 1000))) {
      this.ended(accepted, index, { error: EXPIRED_BEFORE_SLOT_REASON });
      return;
    }
    if (!batch.started) {
      batch.started = true;
      store.update(job.id, { state: "running", startedAt: Date.now(), attempts: accepted.attempts + 1 });
    }
    stats.jobStarted();
    let outputTokens = 0;
    let outcome: ItemOutcome;
    try {
      const result = await backend.generate(toGenerateRequest(itemAsJob(job, item), maxTokensCap), {
        signal: accepted.abort.signal,
      });
      outputTokens = result.usage.outputTokens;
      outcome = itemOutcome(accepted, result);
    } catch (error) {
      if (!accepted.stopReason) log.warn(`job ${shortId(job.id)} item ${item.id}: ${describeFailure(error)}`);
      outcome = { error: accepted.stopReason ? stopReasonText(accepted.stopReason) : describeFailure(error) };
    } finally {
      stats.jobEnded(outputTokens);
    }
    this.ended(accepted, index, outcome);
  }

  /** Records a batch item's end; after the last one, the batch ends as a whole. */
  ended(accepted: AcceptedJob, index: number, outcome: ItemOutcome): void {
    if (!accepted.batch?.end(index, outcome)) return;
    this.#worker.forget(accepted.job.id);
    const { costMsats, inputTokens, outputTokens } = accepted.batch;
    if (accepted.stopReason === "cancelled")
      this.#ends.cancelled(accepted, costMsats, { inputTokens, outputTokens });
    else this.#complete(accepted, accepted.batch);
  }

  /**
   * One result for the whole batch: content = every item's outcome and cost (failed items cost nothing),
   * charged to a tab before the output is stored; `amount` = what is still owed, as on single results.
   */
  #complete(accepted: AcceptedJob, batch: BatchRun): void {
    const { store, policy, stats } = this.#options;
    const { job } = accepted;
    const closed = this.#worker.closed();
    // Nothing to hand over because of the node, not the items (shutting down, or expired before any item
    // started): an error like a single job's, so the buyer retries elsewhere.
    if (batch.served === 0 && (closed || !batch.started)) {
      this.#ends.fail(job.id, accepted.target, closed ? SHUTDOWN_REASON : EXPIRED_BEFORE_SLOT_REASON);
      return;
    }
    policy.settle?.(job.id, batch.costMsats);
    const output = encodeBatchResults(batch.results());
    const usage = { inputTokens: batch.inputTokens, outputTokens: batch.outputTokens };
    const amountMsats = policy.amountOwed?.(job, accepted.quote, usage) ?? 0;
    store.update(job.id, { state: "finished", output, ...usage, amountMsats, endedAt: Date.now() });
    stats.count("failed", batch.failed);
    this.#ends.deliver(job.id, accepted.target, output, amountMsats, batch.served);
  }
}

/**
 * A batch item's generation outcome. An item cancelled mid-generation is charged what it generated (as a
 * cancelled job is); one stopped by a shutdown or failed costs nothing. An item that finished before the
 * stop took effect keeps its output.
 */
function itemOutcome(accepted: AcceptedJob, result: GenerateResult): ItemOutcome {
  if (result.finishReason === "abort") {
    if (accepted.stopReason === "cancelled") return { error: CANCELLED_REASON, usage: result.usage };
    return { error: accepted.stopReason ? SHUTDOWN_REASON : "generation was stopped" };
  }
  if (result.finishReason === "error")
    return { error: `generation failed: ${result.error?.message ?? "unknown error"}` };
  return { output: result.text, usage: result.usage };
}
