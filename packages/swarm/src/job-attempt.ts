/**
 * One job at one provider: ask the payment strategy, build the (encrypted when possible) request with an
 * expiration, record it before publishing, and follow it through JobClient, which verifies the result's
 * signature, author and `e` tag. A provider that does not acknowledge (any feedback, or the result) within
 * `ackTimeoutMs` is given up on: the attempt is aborted, which publishes a kind-5 cancellation.
 */
import { type JobClient, JobError, type JobOutcome, type NostrEvent } from "@pylon/nostr";
import type { SubcallRequest } from "@pylon/rlm";
import type { ProviderEntry } from "./directory.js";
import { jobSpecFor } from "./job-spec.js";
import type { PaymentJob, PaymentStrategy } from "./payment.js";
import { attemptText } from "./text-stream.js";

export type AttemptFailure =
  /** It said all its slots and queue places are taken: go elsewhere, not its fault. */
  | "busy"
  /** It refused or failed the job (error feedback, payment it wants that we do not give). */
  | "error"
  /** No feedback at all within the acknowledgement window. */
  | "no-ack"
  /** Acknowledged but no result by the deadline. */
  | "timeout"
  /** No relay took the request: our side's trouble, not the provider's. */
  | "not-published"
  /** We stopped it (caller abort, lost a hedge race, the sub-call's deadline). */
  | "aborted";

export type AttemptResult =
  | { ok: true; outcome: JobOutcome; latencyMs: number; costMsats: number; entry: ProviderEntry }
  | {
      ok: false;
      failure: AttemptFailure;
      message: string;
      jobId: string | undefined;
      entry: ProviderEntry;
      /** Surely never reached a provider (refused by every relay, or too large to send): a deposit it carried did not leave. */
      unsent?: true;
    };

export interface AttemptContext {
  client: JobClient;
  payment: PaymentStrategy;
  model: string | undefined;
  ackTimeoutMs: number;
  /** Resolves when another job may start (relays limit subscriptions per second). */
  pace: () => Promise<void>;
  /**
   * Called with the signed request before it is published (run state is written here); `itemJobId` names
   * the sub-call's item when the request is a batch.
   */
  onSent: (request: NostrEvent, provider: string, itemJobId?: string) => void;
  /** Called once when the attempt ends, with its job id if one was published. */
  onEnded: (jobId: string | undefined, result: AttemptResult) => void;
  /** The write relays' limits (NIP-11): a request over them is not sent. Default: none known. */
  limits?: RequestLimits;
  /** The sub-call's sampling seed (from its key: a check sends the very same job). */
  seed?: number;
  /** The model digest every request requires (`trust.modelDigest`). */
  modelDigest?: string;
  /**
   * Whether `provider` was blocked (caught) meanwhile: asked once more just before a request is published,
   * since picking, paying and signing take time in which a check may catch it. Default: never.
   */
  blocked?: (provider: string) => boolean;
}

/** What the write relays take at most (the smallest over them). */
export interface RequestLimits {
  /** A whole `["EVENT", …]` message, bytes (NIP-11 `max_message_length`). */
  maxMessageBytes?: number;
  /** An event's content, bytes (NIP-11 `max_content_length`). */
  maxContentBytes?: number;
}

/**
 * Throws a "not-published" JobError naming the limit when `request` is larger than the relays take
 * (sending it would only collect refusals; a deposit it carries then stays the buyer's).
 */
export function assertFits(
  request: NostrEvent,
  limits: RequestLimits | undefined,
  carriesDeposit: boolean,
): void {
  if (!limits) return;
  const message = Buffer.byteLength(JSON.stringify(["EVENT", request]));
  const content = Buffer.byteLength(request.content);
  const over =
    limits.maxMessageBytes !== undefined && message > limits.maxMessageBytes
      ? `${message} bytes, over the relays' message limit of ${limits.maxMessageBytes} bytes`
      : limits.maxContentBytes !== undefined && content > limits.maxContentBytes
        ? `${content} bytes of content, over the relays' content limit of ${limits.maxContentBytes} bytes`
        : undefined;
  if (over === undefined) return;
  const what = carriesDeposit ? "the request carrying the tab deposit" : "the request";
  throw new JobError("not-published", `${what} is ${over}: not sent`, { jobId: request.id });
}

/** Throws a "not-published" JobError (nothing sent, a deposit aboard stays ours) when `provider` was caught. */
export function assertNotBlocked(ctx: AttemptContext, provider: string, jobId: string): void {
  if (!ctx.blocked?.(provider)) return;
  throw new JobError(
    "not-published",
    "the provider was caught cheating before the request went out: not sent",
    {
      jobId,
    },
  );
}

/** Whether a failed job surely never reached a provider: no relay took it and none timed out on it. */
export function surelyUnsent(error: unknown): boolean {
  if (!(error instanceof JobError) || error.code !== "not-published") return false;
  // A publish that timed out may have been stored all the same.
  return (error.publishResults ?? []).every((result) => !/timeout/i.test(result.reason ?? ""));
}

export interface Attempt {
  readonly entry: ProviderEntry;
  readonly hedge: boolean;
  /** Epoch ms. */
  readonly startedAt: number;
  readonly done: Promise<AttemptResult>;
  /** Stops the attempt; a published request gets a kind-5 cancellation. */
  abort(reason: string): void;
}

/** One attempt: the sub-call, the provider it goes to, and what it may cost there. */
export interface AttemptSpec {
  entry: ProviderEntry;
  request: SubcallRequest;
  job: PaymentJob;
  /** A duplicate of a straggler (see subcall-runner.ts). */
  hedge: boolean;
  /** The sub-call's deadline, epoch ms. */
  deadline: number;
}

export function startAttempt(ctx: AttemptContext, spec: AttemptSpec): Attempt {
  const { entry, request, job } = spec;
  const controller = new AbortController();
  const startedAt = Date.now();
  let abortReason: { failure: AttemptFailure; message: string } | undefined;
  /** The payment strategy prepared a payment: it hears how the job ended, published or not. */
  let prepared = false;
  const abort = (failure: AttemptFailure, message: string): void => {
    abortReason ??= { failure, message };
    controller.abort();
  };
  const text = attemptText(request, entry.announcement.streaming, spec.hedge);

  const run = async (): Promise<AttemptResult> => {
    let jobId: string | undefined;
    const started = performance.now();
    const fail = (failure: AttemptFailure, message: string, unsent = false): AttemptResult => ({
      ok: false,
      failure,
      message,
      jobId,
      entry,
      ...(unsent ? { unsent: true as const } : {}),
    });
    try {
      const paid = await ctx.payment.prepare(entry, job);
      prepared = true;
      const encrypt = entry.announcement.encryption.includes("nip44");
      if ((paid.cashuToken !== undefined || paid.extraParams !== undefined) && !encrypt) {
        return fail("error", "a paid job needs a provider that reads NIP-44 encrypted requests");
      }
      await ctx.pace();
      const remainingMs = spec.deadline - Date.now();
      if (remainingMs <= 0) return fail("timeout", "the sub-call's deadline passed before dispatch");
      if (controller.signal.aborted)
        return fail(abortReason?.failure ?? "aborted", abortReason?.message ?? "aborted");
      const signed = await ctx.client.prepareForRelays(
        jobSpecFor({
          request,
          provider: entry.pubkey,
          model: ctx.model,
          encrypt,
          expiration: Math.ceil(spec.deadline / 1000) + 1,
          bidMsats: job.quoteMsats > 0 ? job.quoteMsats : undefined,
          cashuToken: paid.cashuToken,
          extraParams: paid.extraParams,
          seed: ctx.seed,
          modelDigest: ctx.modelDigest,
          stream: text !== undefined,
        }),
      );
      jobId = signed.id;
      assertFits(signed, ctx.limits, paid.cashuToken !== undefined);
      assertNotBlocked(ctx, entry.pubkey, signed.id);
      ctx.onSent(signed, entry.pubkey);
      const outcome = await runWithAck(ctx, signed, {
        timeoutMs: remainingMs,
        signal: controller.signal,
        onNoAck: (message) => abort("no-ack", message),
        onPartial: text?.push,
        onAccepted: paid.accepted,
        relays: entry.relays,
      });
      const latencyMs = performance.now() - started;
      const costMsats = await ctx.payment.settle(entry, job, {
        jobId,
        outcome: "answered",
        owedMsats: outcome.result.amount?.msats ?? 0,
        outputTokens: Math.ceil(outcome.output.length / 4),
        ...(outcome.result.tabMsats === undefined ? {} : { tabMsats: outcome.result.tabMsats }),
      });
      return { ok: true, outcome, latencyMs, costMsats, entry };
    } catch (error) {
      const { failure, message } = failureOf(error, abortReason);
      return fail(failure, message, surelyUnsent(error));
    }
  };

  const done = run().then(async (result) => {
    text?.close();
    if (!result.ok && (result.jobId !== undefined || prepared)) {
      const outcome = result.failure === "aborted" ? "cancelled" : "failed";
      // A request no relay took never reached the provider: settled as unpublished, its deposit stays ours.
      const jobId = result.unsent ? undefined : result.jobId;
      await ctx.payment.settle(entry, job, { jobId, outcome, owedMsats: 0 }).catch(() => 0);
    }
    ctx.onEnded(result.ok ? result.outcome.jobId : result.jobId, result);
    return result;
  });
  return {
    entry,
    hedge: spec.hedge,
    startedAt,
    done,
    abort: (reason) => abort("aborted", reason),
  };
}

/** How runWithAck follows one request. */
export interface AckWatch {
  timeoutMs: number;
  signal: AbortSignal;
  /** No feedback (nor the result) within `ackTimeoutMs`: expected to abort `signal`. */
  onNoAck: (message: string) => void;
  onPartial?: ((text: string) => void) | undefined;
  /** The provider said `processing`: its payment is settled. */
  onAccepted?: (() => void) | undefined;
  /** Where the provider is heard (ProviderEntry.relays): the request goes there only. */
  relays?: readonly string[] | undefined;
}

/**
 * Follows a published request through the job client. A provider that sends no feedback (nor the result)
 * within `ackTimeoutMs` is given up on: `onNoAck` is told, and is expected to abort `signal`.
 */
export async function runWithAck(
  ctx: AttemptContext,
  request: NostrEvent,
  watch: AckWatch,
): Promise<JobOutcome> {
  const { timeoutMs, signal, onNoAck, onPartial, onAccepted, relays } = watch;
  let acked = false;
  const timer = setTimeout(() => {
    if (!acked) onNoAck(`no acknowledgement within ${ctx.ackTimeoutMs} ms`);
  }, ctx.ackTimeoutMs);
  try {
    return await ctx.client.run(request, {
      timeoutMs,
      signal,
      stopOnRefusal: true,
      ...(relays && relays.length > 0 ? { relays } : {}),
      onFeedback: (feedback) => {
        acked = true;
        if (feedback.status === "processing") onAccepted?.();
      },
      ...(onPartial
        ? {
            onPartial: (piece: string) => {
              acked = true;
              onPartial(piece);
            },
          }
        : {}),
    });
  } finally {
    clearTimeout(timer);
  }
}

/** How a job that threw ended, for the sub-call runner; `abortReason` is why we aborted it, if we did. */
export function failureOf(
  error: unknown,
  abortReason: { failure: AttemptFailure; message: string } | undefined,
): { failure: AttemptFailure; message: string } {
  if (!(error instanceof JobError))
    return { failure: "error", message: error instanceof Error ? error.message : String(error) };
  if (error.code === "aborted")
    return { failure: abortReason?.failure ?? "aborted", message: abortReason?.message ?? error.message };
  if (error.code === "timeout") return { failure: "timeout", message: error.message };
  if (error.code === "not-published") return { failure: "not-published", message: error.message };
  if (error.code === "error" && /\bbusy\b/i.test(error.message))
    return { failure: "busy", message: error.message };
  return { failure: "error", message: error.message };
}
