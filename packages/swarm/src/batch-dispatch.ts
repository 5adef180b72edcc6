/**
 * Batched dispatch: sub-calls bound for the same provider within a few milliseconds travel as ONE batched
 * request (a Pylon extension, docs/protocol.md: one signed, encrypted event carrying many prompts, one
 * `processing` acknowledgement, one result listing every item's output). Events, signatures and
 * verifications per sub-call drop by the batch size, which is what lets a run dispatch thousands of
 * sub-calls a second. Only providers that announce `maxBatch` get batches; a lone item goes as a plain job.
 *
 * Every item still behaves as its own attempt towards the sub-call runner (its own result, abort, hedging):
 * an aborted item resolves at once, and the batch request is cancelled (kind 5) only when all its items were.
 */
import type { JobOutcome, NostrEvent } from "@pylon/nostr";
import { type BatchItem, type BatchItemResult, batchInput, decodeBatchResults } from "@pylon/protocol";
import type { SubcallRequest } from "@pylon/rlm";
import { TabBudgetError } from "./cashu-tab.js";
import type { ProviderEntry } from "./directory.js";
import {
  type Attempt,
  type AttemptContext,
  type AttemptFailure,
  type AttemptResult,
  type AttemptSpec,
  assertFits,
  assertNotBlocked,
  failureOf,
  runWithAck,
  startAttempt,
  surelyUnsent,
} from "./job-attempt.js";
import { promptOf } from "./job-spec.js";
import type { PaymentJob, PreparedPayment } from "./payment.js";
import { capacityOf } from "./selection.js";
import { streamsFrom } from "./text-stream.js";

export interface BatchOptions {
  /** How long items for one provider are gathered before their batch leaves, ms. Default 2. */
  windowMs: number;
  /** Most items in one batch (the provider's announced `maxBatch` lowers it). Default 64. */
  maxItems: number;
  /**
   * Most characters of items (as JSON) in one batch, so the request stays well inside a relay's event size
   * limit (64 KiB on ours and most public relays) after encryption (base64: 4/3) and escaping. Default 36,000.
   */
  maxChars: number;
  /** Called once per batch with the signed request, before it is published (the run store keeps it). */
  onBatchSent: (request: NostrEvent, provider: string) => void;
  /** Runs a batch's bookkeeping (its items sent; their ends) as one write; default: as it comes. */
  group?: (fn: () => void) => void;
}

interface Item {
  ctx: AttemptContext;
  request: SubcallRequest;
  job: PaymentJob;
  deadline: number;
  /** Wire id inside the batch. */
  id: string;
  /** The item as it goes on the wire. */
  wire: BatchItem;
  /** Its length as JSON. */
  chars: number;
  /** Settles the item's attempt once; later calls are ignored. */
  resolve: (result: AttemptResult) => void;
  settled: boolean;
  aborted: boolean;
  /** The batch it went out in, once sent (to cancel it when every item was aborted). */
  batch?: Batch;
  /** When it went out alone, as a plain job. */
  alone?: Attempt;
}

interface Batch {
  items: Item[];
  controller: AbortController;
  /** The batch request's id, once signed. */
  requestId?: string;
}

/** Whether `entry` takes batched requests. */
export function servesBatches(entry: ProviderEntry): boolean {
  return (entry.announcement.capacity?.maxBatch ?? 0) >= 2;
}

export class BatchDispatcher {
  readonly #options: BatchOptions;
  /** Items waiting for their provider's batch to leave. */
  readonly #queues = new Map<
    string,
    { entry: ProviderEntry; items: Item[]; chars: number; timer: NodeJS.Timeout }
  >();
  #nextId = 0;

  constructor(options: BatchOptions) {
    this.#options = options;
  }

  /**
   * Queues one sub-call for `entry`'s next batch; the returned attempt behaves like a single job's. A sub-call
   * whose text is streamed from `entry` goes alone: batches are not streamed (text-stream.ts).
   */
  start(ctx: AttemptContext, spec: AttemptSpec): Attempt {
    const { entry, request, job } = spec;
    if (streamsFrom(request, entry.announcement.streaming)) return startAttempt(ctx, spec);
    let resolve!: (result: AttemptResult) => void;
    const done = new Promise<AttemptResult>((r) => {
      resolve = r;
    });
    const id = (this.#nextId++).toString(36);
    const wire = wireItem(id, request, ctx.seed);
    const item: Item = {
      ctx,
      request,
      job,
      deadline: spec.deadline,
      id,
      wire,
      chars: JSON.stringify(wire).length,
      settled: false,
      aborted: false,
      resolve: (result) => {
        if (item.settled) return;
        item.settled = true;
        ctx.onEnded(result.ok ? result.outcome.jobId : result.jobId, result);
        resolve(result);
      },
    };
    this.#enqueue(entry, item);
    return {
      entry,
      hedge: spec.hedge,
      startedAt: Date.now(),
      done,
      abort: (reason) => this.#abortItem(entry, item, reason),
    };
  }

  #enqueue(entry: ProviderEntry, item: Item): void {
    let queue = this.#queues.get(entry.pubkey);
    // An item that would make the batch too large to publish starts the next one.
    if (queue && queue.chars + item.chars > this.#options.maxChars) {
      this.#flush(entry.pubkey);
      queue = undefined;
    }
    if (!queue) {
      const timer = setTimeout(() => this.#flush(entry.pubkey), this.#options.windowMs);
      queue = { entry, items: [], chars: 0, timer };
      this.#queues.set(entry.pubkey, queue);
    }
    queue.items.push(item);
    queue.chars += item.chars;
    if (queue.items.length >= this.#limit(entry)) this.#flush(entry.pubkey);
  }

  /**
   * Items per batch at `entry`: within its `maxBatch` and ours, and at most half its capacity (but never
   * fewer than its slots). A batch answers when its slowest item is done, so two batches in flight keep its
   * slots busy: the next one waits in its queue while the buyer is still reading the last one's result.
   */
  #limit(entry: ProviderEntry): number {
    const { slots, maxQueue } = capacityOf(entry);
    const pipelined = Math.max(slots, Math.floor((slots + maxQueue) / 2));
    const announced = entry.announcement.capacity?.maxBatch ?? 1;
    return Math.max(1, Math.min(this.#options.maxItems, announced, pipelined));
  }

  #group(fn: () => void): void {
    if (this.#options.group) this.#options.group(fn);
    else fn();
  }

  #flush(pubkey: string): void {
    const queue = this.#queues.get(pubkey);
    if (!queue) return;
    this.#queues.delete(pubkey);
    clearTimeout(queue.timer);
    const items = queue.items.filter((item) => !item.aborted);
    if (items.length === 1) this.#sendAlone(queue.entry, items[0]!);
    else if (items.length > 1) void this.#sendBatch(queue.entry, items);
  }

  #abortItem(entry: ProviderEntry, item: Item, reason: string): void {
    if (item.settled) return;
    item.aborted = true;
    if (item.alone) {
      item.alone.abort(reason); // it ends (and is recorded) as a plain job does
      return;
    }
    const requestId = item.batch?.requestId;
    const jobId = requestId === undefined ? undefined : `${requestId}:${item.id}`;
    item.resolve({ ok: false, failure: "aborted", message: reason, jobId, entry });
    const batch = item.batch;
    if (batch?.items.every((other) => other.aborted)) batch.controller.abort();
  }

  /** One item: a plain single job (every provider reads those). */
  #sendAlone(entry: ProviderEntry, item: Item): void {
    const attempt = startAttempt(
      { ...item.ctx, onEnded: () => undefined },
      { entry, request: item.request, job: item.job, hedge: false, deadline: item.deadline },
    );
    item.alone = attempt;
    void attempt.done.then((result) => item.resolve(result));
  }

  async #sendBatch(entry: ProviderEntry, items: Item[]): Promise<void> {
    const ctx = items[0]!.ctx;
    const controller = new AbortController();
    const batch: Batch = { items, controller };
    for (const item of items) item.batch = batch;
    const deadline = Math.min(...items.map((item) => item.deadline));
    const job: PaymentJob = {
      quoteMsats: sum(items, (item) => item.job.quoteMsats),
      inputTokens: sum(items, (item) => item.job.inputTokens),
      maxTokens: sum(items, (item) => item.job.maxTokens),
      model: items[0]!.job.model,
    };
    const started = performance.now();
    let request: NostrEvent | undefined;
    let prepared = false;
    const failAll = (failure: AttemptFailure, message: string): void => {
      for (const item of items) {
        const jobId = request ? `${request.id}:${item.id}` : undefined;
        item.resolve({ ok: false, failure, message, jobId, entry });
      }
    };
    let abortedBy: { failure: AttemptFailure; message: string } | undefined;
    try {
      let paid: PreparedPayment;
      try {
        paid = await ctx.payment.prepare(entry, job);
      } catch (error) {
        if (!(error instanceof TabBudgetError)) throw error;
        // The budget cannot cover the whole batch at once; each item may still fit on its own.
        for (const item of items) if (!item.aborted) this.#sendAlone(entry, item);
        return;
      }
      prepared = true;
      const encrypt = entry.announcement.encryption.includes("nip44");
      if ((paid.cashuToken !== undefined || paid.extraParams !== undefined) && !encrypt) {
        failAll("error", "a paid job needs a provider that reads NIP-44 encrypted requests");
        return;
      }
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) {
        failAll("timeout", "the sub-call's deadline passed before dispatch");
        return;
      }
      request = await ctx.client.prepareForRelays({
        inputs: [batchInput(items.map((item) => item.wire))],
        params: {
          ...(ctx.model === undefined ? {} : { model: ctx.model }),
          maxTokens: Math.max(...items.map((item) => item.request.maxTokens)),
          ...(ctx.modelDigest === undefined ? {} : { modelDigest: ctx.modelDigest }),
        },
        provider: entry.pubkey,
        expiration: Math.ceil(deadline / 1000) + 1,
        ...(job.quoteMsats > 0 ? { bidMsats: job.quoteMsats } : {}),
        ...(encrypt ? { encryption: "nip44" as const } : {}),
        ...(paid.cashuToken === undefined ? {} : { cashuToken: paid.cashuToken }),
        ...(paid.extraParams === undefined ? {} : { extraParams: paid.extraParams }),
      });
      batch.requestId = request.id;
      assertFits(request, ctx.limits, paid.cashuToken !== undefined);
      assertNotBlocked(ctx, entry.pubkey, request.id);
      const sent = request;
      this.#group(() => {
        this.#options.onBatchSent(sent, entry.pubkey);
        for (const item of items) item.ctx.onSent(sent, entry.pubkey, `${sent.id}:${item.id}`);
      });
      const outcome = await runWithAck(ctx, request, {
        timeoutMs: remainingMs,
        signal: controller.signal,
        onNoAck: (message) => {
          abortedBy = { failure: "no-ack", message };
          controller.abort();
        },
        onAccepted: paid.accepted,
        relays: entry.relays,
      });
      const results = decodeBatchResults(outcome.output);
      const byId = new Map((results ?? []).map((result) => [result.id, result]));
      const answered = items.filter((item) => byId.get(item.id)?.output !== undefined);
      const totalMsats = await ctx.payment.settle(entry, job, {
        jobId: request.id,
        outcome: "answered",
        owedMsats: outcome.result.amount?.msats ?? 0,
        outputTokens: sum(answered, (item) => Math.ceil((byId.get(item.id)?.output?.length ?? 0) / 4)),
        ...(outcome.result.tabMsats === undefined ? {} : { tabMsats: outcome.result.tabMsats }),
      });
      const latencyMs = performance.now() - started;
      const shares = costShares(items, byId, totalMsats);
      const requestId = request.id;
      this.#group(() => {
        for (const [index, item] of items.entries()) {
          const result = byId.get(item.id);
          const jobId = `${requestId}:${item.id}`;
          if (result?.output === undefined) {
            const why = results === undefined ? "the batch result is not readable" : result?.error;
            item.resolve({
              ok: false,
              failure: "error",
              message: why ?? "missing from the batch result",
              jobId,
              entry,
            });
            continue;
          }
          item.resolve({
            ok: true,
            outcome: itemOutcome(outcome, jobId, result.output),
            latencyMs,
            costMsats: shares[index] ?? 0,
            entry,
          });
        }
      });
    } catch (error) {
      const failure = failureOf(error, abortedBy);
      const unsent = surelyUnsent(error);
      failAll(failure.failure, failure.message);
      if (prepared) {
        const outcome = failure.failure === "aborted" ? "cancelled" : "failed";
        // A batch no relay took never reached the provider: its deposit stays ours.
        const jobId = unsent ? undefined : request?.id;
        await ctx.payment.settle(entry, job, { jobId, outcome, owedMsats: 0 }).catch(() => 0);
      }
    }
  }
}

function wireItem(id: string, request: SubcallRequest, seed: number | undefined): BatchItem {
  const wire = promptOf(request);
  // Conversations never reach the batcher (swarm.ts); this keeps the types honest.
  if ("messages" in wire) throw new TypeError("a conversation cannot be a batch item");
  const { prompt, systemPrompt } = wire;
  return {
    id,
    prompt,
    ...(systemPrompt === undefined ? {} : { system: systemPrompt }),
    maxTokens: request.maxTokens,
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(seed === undefined ? {} : { seed }),
  };
}

/** The batch's outcome seen from one item: its own id and output, the shared result and feedback. */
function itemOutcome(outcome: JobOutcome, jobId: string, output: string): JobOutcome {
  return { ...outcome, jobId, output };
}

/**
 * What each item cost: the provider's per-item figures when every answered item has one (its own account),
 * else the payment strategy's total for the batch, shared by each item's quote.
 */
function costShares(items: Item[], results: Map<string, BatchItemResult>, totalMsats: number): number[] {
  const answered = items.map((item) => results.get(item.id)?.output !== undefined);
  const stated = items.map((item, i) => (answered[i] ? results.get(item.id)?.msats : 0));
  if (stated.every((msats) => msats !== undefined)) return stated.map((m) => m ?? 0);
  const weights = items.map((item, i) => (answered[i] ? item.job.quoteMsats || 1 : 0));
  const weightSum = sum(weights, (w) => w);
  if (weightSum === 0) return items.map(() => 0);
  // Whole msats that add up to the total exactly: the rounding rest goes to the last answered item.
  const shares = weights.map((w) => Math.floor((totalMsats * w) / weightSum));
  const last = answered.lastIndexOf(true);
  shares[last] = (shares[last] ?? 0) + totalMsats - sum(shares, (s) => s);
  return shares;
}

function sum<T>(values: readonly T[], of: (value: T) => number): number {
  let total = 0;
  for (const value of values) total += of(value);
  return total;
}
