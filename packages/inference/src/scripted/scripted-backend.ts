import { abortableDelay } from "../abort.js";
import type { Backend, BackendInfo, GenerateOptions, GenerateRequest, GenerateResult } from "../backend.js";
import { BackendError, type BackendErrorCode } from "../errors.js";
import { type DecodeOutcome, type JobContext, runJob } from "../job.js";
import type { NormalisedRequest } from "../request.js";
import { SlotScheduler } from "../scheduler.js";
import { CHARS_PER_ESTIMATED_TOKEN, estimateTokens } from "../token-estimate.js";

export type ScriptedResponder = (request: GenerateRequest, callIndex: number) => string | Promise<string>;

/** Delay before the first token, ms: fixed, or drawn per call (a latency distribution, stragglers). */
export type ScriptedLatency = number | ((request: GenerateRequest, callIndex: number) => number);

export interface ScriptedBackendOptions {
  /** A function of the request, or a list of replies consumed in call order (running out is an error). */
  responses: ScriptedResponder | readonly string[];
  /** Appended to "scripted:" to form the backend name, so it can never pass for a real model. */
  name?: string;
  /** Reported model name. Default "scripted". */
  model?: string;
  /**
   * Delay before the first token, in ms: a number, or a function of the request and call index asked once
   * per call (e.g. a seeded log-normal draw; seed it yourself for reproducible runs). Default 0.
   */
  latencyMs?: ScriptedLatency;
  /** Delay between streamed tokens, in ms. Default 0. */
  tokenLatencyMs?: number;
  /** Failure injection: return an error (or just its code) to fail this call before any text. */
  fail?: (request: GenerateRequest, callIndex: number) => BackendError | BackendErrorCode | undefined;
  /** Concurrent jobs. Default 4. */
  slots?: number;
  /** Waiting jobs before "busy". Default 64. */
  maxQueue?: number;
  /** Reported context size, in scripted tokens. Default 8192. */
  contextSize?: number;
}

/**
 * A deterministic stand-in for a model, for tests and demos. Text is streamed in scripted tokens of four
 * characters; usage counts are estimates (see ../token-estimate.ts). `maxTokens` and stop strings apply as
 * they would to a model.
 */
export function createScriptedBackend(options: ScriptedBackendOptions): Backend {
  const name = `scripted:${options.name ?? "default"}`;
  const model = options.model ?? "scripted";
  const contextSize = options.contextSize ?? 8192;
  const slots = options.slots ?? 4;
  const scheduler = new SlotScheduler(
    Array.from({ length: slots }, (_, index) => index),
    options.maxQueue ?? 64,
  );
  const closing = new AbortController();
  const responses = options.responses;
  let calls = 0;

  const latency = options.latencyMs ?? 0;
  const respond = async (asRequest: GenerateRequest, callIndex: number): Promise<string> => {
    const injected = options.fail?.(asRequest, callIndex);
    if (injected !== undefined) {
      throw typeof injected === "string"
        ? new BackendError(injected, `scripted failure (${injected})`)
        : injected;
    }
    if (typeof responses === "function") return await responses(asRequest, callIndex);
    const reply = responses[callIndex];
    if (reply === undefined)
      throw new BackendError(
        "internal",
        `scripted backend ran out of responses after ${responses.length} calls`,
      );
    return reply;
  };

  const decode = async (job: JobContext<number>): Promise<DecodeOutcome> => {
    const callIndex = calls++;
    const inputTokens = estimateTokens(
      job.request.prompt ?? job.request.messages!.map((m) => m.content).join("\n"),
    );
    let outputTokens = 0;
    const outcome = (finishReason: DecodeOutcome["finishReason"]): DecodeOutcome => ({
      finishReason,
      usage: { inputTokens, outputTokens },
      model,
    });

    const asRequest = toGenerateRequest(job.request);
    await delayUnlessAborted(
      typeof latency === "function" ? latency(asRequest, callIndex) : latency,
      job.signal,
    );
    if (job.signal.aborted) return outcome("stop");
    const reply = await respond(asRequest, callIndex);
    for (const token of splitIntoScriptedTokens(reply)) {
      if (outputTokens >= job.request.maxTokens) return outcome("length");
      if (outputTokens > 0) await delayUnlessAborted(options.tokenLatencyMs ?? 0, job.signal);
      if (job.signal.aborted) break;
      outputTokens++;
      if (!job.emit(token)) break;
    }
    return outcome("stop");
  };

  return {
    kind: "scripted",
    info: (): BackendInfo => ({
      kind: "scripted",
      name,
      model,
      contextSize,
      slots: scheduler.size,
      maxQueue: scheduler.maxQueue,
      active: scheduler.active,
      queued: scheduler.queued,
    }),
    generate: (request: GenerateRequest, generateOptions: GenerateOptions = {}): Promise<GenerateResult> =>
      runJob(scheduler, closing.signal, request, generateOptions, decode, model),
    close: async () => {
      scheduler.close();
      closing.abort();
      await scheduler.whenIdle();
    },
  };
}

/** Latency must not outlive an abort, but an abort is reported by runJob, not as a thrown error here. */
async function delayUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  await abortableDelay(ms, signal).catch(() => undefined);
}

function toGenerateRequest(request: NormalisedRequest): GenerateRequest {
  const settings = {
    maxTokens: request.maxTokens,
    stop: request.stop,
    ignoreEos: request.ignoreEos,
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.topK === undefined ? {} : { topK: request.topK }),
    ...(request.topP === undefined ? {} : { topP: request.topP }),
    ...(request.seed === undefined ? {} : { seed: request.seed }),
  };
  return request.messages
    ? { ...settings, messages: request.messages }
    : { ...settings, prompt: request.prompt! };
}

/** Splits text into the scripted backend's tokens, in order. */
function splitIntoScriptedTokens(text: string): string[] {
  const tokens: string[] = [];
  for (let start = 0; start < text.length; start += CHARS_PER_ESTIMATED_TOKEN) {
    tokens.push(text.slice(start, start + CHARS_PER_ESTIMATED_TOKEN));
  }
  return tokens;
}
