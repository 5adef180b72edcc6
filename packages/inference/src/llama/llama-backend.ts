import path from "node:path";
import { type ChatWrapper, resolveChatWrapper } from "node-llama-cpp";
import type { Backend, BackendInfo, GenerateOptions, GenerateRequest, GenerateResult } from "../backend.js";
import { BackendError } from "../errors.js";
import { type DecodeOutcome, type JobContext, runJob } from "../job.js";
import { SlotScheduler } from "../scheduler.js";
import { decodeOnSequence, type SamplingSettings, type SequenceSlot } from "./decode.js";
import { loadModelContext } from "./load.js";
import { checkLlamaOptions, LLAMA_DEFAULTS, type LlamaBackendOptions } from "./options.js";
import { renderPrompt } from "./prompt.js";
import { StepBarrier } from "./step-barrier.js";

/** llama.cpp's own defaults, used where a request leaves a sampling setting unset. */
export const LLAMA_SAMPLING_DEFAULTS = { temperature: 0.8, topK: 40, topP: 0.95 } as const;

/**
 * Loads one GGUF model with node-llama-cpp and serves jobs on `slots` sequences of one shared context, so
 * concurrent jobs are decoded together in batches (the throughput feature of a provider node).
 */
export async function createLlamaBackend(options: LlamaBackendOptions): Promise<Backend> {
  checkLlamaOptions(options);
  const { llama, model, context, modelPath, threads, identity } = await loadModelContext(options);

  const modelName = options.modelName ?? path.basename(modelPath).replace(/\.gguf$/i, "");
  const maxQueue = options.maxQueue ?? LLAMA_DEFAULTS.maxQueue;
  // getSequence hands out ids 0, 1, 2...: `id` is the sequence id llama.cpp batches by.
  const slots: SequenceSlot[] = Array.from({ length: context.totalSequences }, (_, id) => ({
    sequence: context.getSequence(),
    id,
  }));
  const scheduler = new SlotScheduler(slots, maxQueue);
  const lockstep = new StepBarrier();
  const closing = new AbortController();
  let closed: Promise<void> | undefined;

  // Matching the GGUF's template against node-llama-cpp's wrappers renders Jinja many times (~0.4 s), so it
  // happens on the first chat job, and raw-prompt users never pay for it.
  let chatWrapper: ChatWrapper | undefined;
  const getChatWrapper = (): ChatWrapper => {
    chatWrapper ??= resolveChatWrapper(model);
    return chatWrapper;
  };

  const decode = async (job: JobContext<SequenceSlot>): Promise<DecodeOutcome> => {
    const { sequence } = job.slot;
    const prompt = renderPrompt(model, getChatWrapper, job.request);
    if (prompt.tokens.length >= sequence.contextSize) {
      throw new BackendError(
        "bad-request",
        `prompt is ${prompt.tokens.length} tokens but a job's context holds ${sequence.contextSize}`,
      );
    }
    const sampling: SamplingSettings = {
      temperature: job.request.temperature ?? LLAMA_SAMPLING_DEFAULTS.temperature,
      topK: job.request.topK ?? LLAMA_SAMPLING_DEFAULTS.topK,
      topP: job.request.topP ?? LLAMA_SAMPLING_DEFAULTS.topP,
      seed: job.request.seed,
    };
    return await decodeOnSequence(job.slot, prompt, sampling, job, lockstep, modelName);
  };

  return {
    kind: "llama",
    identity,
    info: (): BackendInfo => ({
      kind: "llama",
      name: `llama:${modelName}`,
      model: modelName,
      contextSize: context.contextSize,
      slots: scheduler.size,
      maxQueue,
      active: scheduler.active,
      queued: scheduler.queued,
      threads,
      gpu: llama.gpu,
    }),
    generate: (request: GenerateRequest, generateOptions: GenerateOptions = {}): Promise<GenerateResult> =>
      runJob(scheduler, closing.signal, request, generateOptions, decode, modelName),
    close: () => {
      closed ??= (async () => {
        scheduler.close();
        closing.abort();
        await scheduler.whenIdle();
        await context.dispose();
        await model.dispose();
      })();
      return closed;
    },
  };
}
