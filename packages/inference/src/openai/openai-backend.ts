import { abortableDelay } from "../abort.js";
import type { Backend, BackendInfo, GenerateOptions, GenerateRequest, GenerateResult } from "../backend.js";
import { BackendError, errorMessage, isBackendError } from "../errors.js";
import { type DecodeOutcome, type JobContext, runJob } from "../job.js";
import { SlotScheduler } from "../scheduler.js";
import { estimateTokens } from "../token-estimate.js";
import {
  type ChatCompletionChunk,
  chatCompletionsUrl,
  parseChunk,
  requestBody,
  toMessages,
} from "./chat-completions.js";
import { errorFromResponse, isRetryableStatus, retryAfterMs } from "./http-errors.js";
import { IdleTimer } from "./idle-timer.js";
import { readSseData } from "./sse.js";

export interface OpenAIBackendOptions {
  /** API root, e.g. "https://api.openai.com/v1" or "http://127.0.0.1:8080/v1"; "/chat/completions" is appended. */
  baseURL: string;
  /** Sent as a bearer token when set. */
  apiKey?: string;
  /** Model name sent with every request. */
  model: string;
  name?: string;
  /** Concurrent requests. Default 8. */
  slots?: number;
  /** Waiting requests before "busy". Default 64. */
  maxQueue?: number;
  /** Context size to report, when known. Default 0 (unknown). */
  contextSize?: number;
  /** Extra attempts after a 429, 5xx or network error, made only before any text arrived. Default 2. */
  maxRetries?: number;
  /** First retry delay; doubles per attempt, with jitter. Default 500 ms. */
  retryDelayMs?: number;
  /** Cap on any retry delay, Retry-After included. Default 10 s. */
  maxRetryDelayMs?: number;
  /** Longest wait for the response headers and between stream chunks. Default 120 s. */
  timeoutMs?: number;
  /** Newer OpenAI models want "max_completion_tokens"; most compatible servers want "max_tokens" (default). */
  maxTokensField?: "max_tokens" | "max_completion_tokens";
  /** Extra HTTP headers. */
  headers?: Record<string, string>;
}

/**
 * Any OpenAI-compatible `/chat/completions` endpoint, streamed over SSE. A raw `prompt` is sent as one user
 * message. Usage comes from the server (`stream_options.include_usage`); servers that omit it get an
 * estimate (prompt characters / 4, one token per streamed chunk).
 */
export function createOpenAIBackend(options: OpenAIBackendOptions): Backend {
  const endpoint = chatCompletionsUrl(options.baseURL);
  if (!options.model) throw new BackendError("bad-request", "openai backend needs a model name");
  const slots = options.slots ?? 8;
  const scheduler = new SlotScheduler(
    Array.from({ length: slots }, (_, index) => index),
    options.maxQueue ?? 64,
  );
  const closing = new AbortController();
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxRetries = options.maxRetries ?? 2;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "text/event-stream",
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    ...options.headers,
  };

  const retryDelay = (attempt: number, response?: Response): number => {
    const suggested = response ? retryAfterMs(response) : undefined;
    const backoff = (options.retryDelayMs ?? 500) * 2 ** attempt * (0.5 + Math.random() / 2);
    return Math.min(suggested ?? backoff, options.maxRetryDelayMs ?? 10_000);
  };

  /** One HTTP attempt: the outcome, a failure worth retrying, or a thrown final failure. */
  const attempt = async (
    job: JobContext<number>,
    body: string,
    estimatedInput: number,
    retriesLeft: boolean,
  ): Promise<{ outcome: DecodeOutcome } | { retry: BackendError; response?: Response }> => {
    const attemptAbort = new AbortController();
    const stopAttempt = (): void => attemptAbort.abort();
    job.signal.addEventListener("abort", stopAttempt, { once: true });
    const timer = new IdleTimer(timeoutMs, stopAttempt);
    const timedOut = () => new BackendError("timeout", `no answer from ${endpoint} within ${timeoutMs} ms`);
    try {
      let response: Response;
      try {
        response = await fetch(endpoint, { method: "POST", headers, body, signal: attemptAbort.signal });
      } catch (error) {
        if (job.signal.aborted) return { outcome: emptyOutcome(estimatedInput, options.model) };
        if (timer.fired) throw timedOut();
        const failure = new BackendError(
          "upstream",
          `request to ${endpoint} failed: ${networkReason(error)}`,
          {
            cause: error,
          },
        );
        if (retriesLeft) return { retry: failure };
        throw failure;
      }
      if (!response.ok || !response.body) {
        const failure = response.ok
          ? new BackendError("upstream", "upstream sent an empty response")
          : await errorFromResponse(response);
        if (retriesLeft && isRetryableStatus(response.status)) return { retry: failure, response };
        throw failure;
      }
      // Once the stream is open nothing is retried: text may already have reached the caller.
      try {
        return {
          outcome: await readCompletionStream(response.body, job, timer, estimatedInput, options.model),
        };
      } catch (error) {
        if (timer.fired) throw timedOut();
        if (isBackendError(error)) throw error;
        throw new BackendError("upstream", `upstream stream broke: ${networkReason(error)}`, {
          cause: error,
        });
      }
    } finally {
      timer.clear();
      job.signal.removeEventListener("abort", stopAttempt);
    }
  };

  const decode = async (job: JobContext<number>): Promise<DecodeOutcome> => {
    const messages = toMessages(job.request);
    const body = JSON.stringify(requestBody(options, job.request, messages));
    const estimatedInput = estimateTokens(messages.map((message) => message.content).join("\n"));
    for (let attemptIndex = 0; ; attemptIndex++) {
      const result = await attempt(job, body, estimatedInput, attemptIndex < maxRetries);
      if ("outcome" in result) return result.outcome;
      try {
        await abortableDelay(retryDelay(attemptIndex, result.response), job.signal);
      } catch {
        return emptyOutcome(estimatedInput, options.model); // aborted while waiting to retry
      }
    }
  };

  return {
    kind: "openai",
    info: (): BackendInfo => ({
      kind: "openai",
      name: options.name ?? `openai:${options.model}`,
      model: options.model,
      contextSize: options.contextSize ?? 0,
      slots: scheduler.size,
      maxQueue: scheduler.maxQueue,
      active: scheduler.active,
      queued: scheduler.queued,
    }),
    generate: (request: GenerateRequest, generateOptions: GenerateOptions = {}): Promise<GenerateResult> =>
      runJob(scheduler, closing.signal, request, generateOptions, decode, options.model),
    close: async () => {
      scheduler.close();
      closing.abort();
      await scheduler.whenIdle();
    },
  };
}

async function readCompletionStream(
  body: ReadableStream<Uint8Array>,
  job: JobContext<number>,
  timer: IdleTimer,
  estimatedInput: number,
  requestedModel: string,
): Promise<DecodeOutcome> {
  let model = requestedModel;
  let chunks = 0;
  let finishReason: string | undefined;
  let usage: ChatCompletionChunk["usage"];
  let done = false;

  try {
    for await (const data of readSseData(body)) {
      timer.reset();
      if (data.trim() === "[DONE]") {
        done = true;
        break;
      }
      const chunk = parseChunk(data);
      if (chunk.error !== undefined) {
        const message =
          typeof chunk.error === "string" ? chunk.error : (chunk.error.message ?? "unknown error");
        throw new BackendError("upstream", `upstream stream error: ${message}`);
      }
      if (chunk.model) model = chunk.model;
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.find((candidate) => (candidate.index ?? 0) === 0);
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      const content = choice?.delta?.content;
      if (typeof content === "string" && content.length > 0) {
        chunks++;
        if (!job.emit(content)) break;
      }
    }
  } catch (error) {
    // An abort tears the connection down mid-read; the chunks counted so far are still the usage.
    if (!job.signal.aborted) throw error;
  }

  if (!done && !finishReason && !job.signal.aborted)
    throw new BackendError("upstream", "upstream stream ended before the completion finished");
  return {
    finishReason: finishReason === "length" ? "length" : "stop",
    usage: {
      inputTokens: usage?.prompt_tokens ?? estimatedInput,
      outputTokens: usage?.completion_tokens ?? chunks,
    },
    model,
  };
}

function emptyOutcome(inputTokens: number, model: string): DecodeOutcome {
  return { finishReason: "stop", usage: { inputTokens, outputTokens: 0 }, model };
}

/** undici hides the useful part ("ECONNREFUSED", "ENOTFOUND") in `cause`. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === "string") return `${errorMessage(error)} (${cause.code})`;
  return errorMessage(error);
}
