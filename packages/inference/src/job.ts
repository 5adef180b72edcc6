import type { FinishReason, GenerateOptions, GenerateResult, TokenUsage } from "./backend.js";
import { BackendError, errorMessage, toBackendError } from "./errors.js";
import { type NormalisedRequest, normaliseRequest } from "./request.js";
import type { SlotScheduler } from "./scheduler.js";
import { StopStringFilter } from "./stop-strings.js";

/** What a backend's decoding loop sees of one job. */
export interface JobContext<Slot> {
  request: NormalisedRequest;
  slot: Slot;
  /** Fires when the caller aborts, the backend closes, a stop string matched, or the onToken callback threw. */
  signal: AbortSignal;
  /** Streams generated text; returns false once generation should end (stop string found or aborted). */
  emit(text: string): boolean;
}

/** How the decoding loop ended; stop strings, aborts and text are handled by `runJob`. */
export interface DecodeOutcome {
  finishReason: Exclude<FinishReason, "abort" | "error">;
  usage: TokenUsage;
  model: string;
}

/**
 * Decodes one job, streaming text through `job.emit`. When `job.signal` fires (or `emit` returns false) it
 * returns promptly with the usage so far; its finishReason is then ignored. Throwing means failure.
 */
export type DecodeLoop<Slot> = (job: JobContext<Slot>) => Promise<DecodeOutcome>;

/**
 * The part of every backend's `generate` that is not about the model: validation, waiting for a slot,
 * stop strings, streaming, abort and close handling, timings, and the reject-or-resolve rule of `Backend`.
 */
export async function runJob<Slot>(
  scheduler: SlotScheduler<Slot>,
  closing: AbortSignal,
  rawRequest: unknown,
  options: GenerateOptions,
  decode: DecodeLoop<Slot>,
  fallbackModel: string,
): Promise<GenerateResult> {
  const startedAt = performance.now();
  const request = normaliseRequest(rawRequest);
  const callerSignal = options.signal;

  const lease = await scheduler.acquire(callerSignal);
  const queuedMs = performance.now() - startedAt;
  const stopJob = new AbortController();
  const forwardAbort = (): void => stopJob.abort();
  callerSignal?.addEventListener("abort", forwardAbort, { once: true });
  closing.addEventListener("abort", forwardAbort, { once: true });

  const stopFilter = new StopStringFilter(request.stop);
  let text = "";
  let firstTokenAt: number | undefined;
  let callbackError: unknown;

  const deliver = (chunk: string): void => {
    if (chunk.length === 0 || callbackError !== undefined) return;
    firstTokenAt ??= performance.now();
    text += chunk;
    try {
      options.onToken?.(chunk);
    } catch (error) {
      callbackError = error;
      stopJob.abort();
    }
  };

  const job: JobContext<Slot> = {
    request,
    slot: lease.slot,
    signal: stopJob.signal,
    emit: (chunk) => {
      if (stopJob.signal.aborted) return false;
      deliver(stopFilter.push(chunk));
      if (stopFilter.stopped) stopJob.abort();
      return !stopJob.signal.aborted;
    },
  };

  const result = (finishReason: FinishReason, usage: TokenUsage, model: string, error?: BackendError) => {
    const totalMs = performance.now() - startedAt;
    const timings = {
      queuedMs,
      firstTokenMs: firstTokenAt === undefined ? null : firstTokenAt - startedAt,
      totalMs,
    };
    return {
      text,
      finishReason,
      usage,
      timings,
      model,
      ...(error ? { error } : {}),
    } satisfies GenerateResult;
  };

  try {
    if (closing.aborted) throw new BackendError("closed", "backend is closed");
    if (callerSignal?.aborted) throw new BackendError("aborted", "job was aborted before it started");

    let outcome: DecodeOutcome | undefined;
    let failure: BackendError | undefined;
    try {
      outcome = await decode(job);
    } catch (error) {
      failure = toBackendError(error);
    }

    const callbackFailure = () =>
      result(
        "error",
        outcome?.usage ?? emptyUsage(),
        outcome?.model ?? fallbackModel,
        new BackendError("internal", `onToken callback threw: ${errorMessage(callbackError)}`, {
          cause: callbackError,
        }),
      );
    if (callbackError !== undefined) return callbackFailure();
    if (stopFilter.stopped)
      return result("stop", outcome?.usage ?? emptyUsage(), outcome?.model ?? fallbackModel);
    if (callerSignal?.aborted)
      return result("abort", outcome?.usage ?? emptyUsage(), outcome?.model ?? fallbackModel);
    if (closing.aborted) failure ??= new BackendError("closed", "backend closed while the job was running");
    if (failure) {
      if (text.length === 0) throw failure;
      return result("error", outcome?.usage ?? emptyUsage(), outcome?.model ?? fallbackModel, failure);
    }
    if (!outcome) throw new BackendError("internal", "decode loop ended without an outcome");

    deliver(stopFilter.flush());
    if (callbackError !== undefined) return callbackFailure();
    return result(outcome.finishReason, outcome.usage, outcome.model);
  } finally {
    callerSignal?.removeEventListener("abort", forwardAbort);
    closing.removeEventListener("abort", forwardAbort);
    lease.release();
  }
}

function emptyUsage(): TokenUsage {
  return { inputTokens: 0, outputTokens: 0 };
}
