/** Adapts any inference Backend to the SubcallBackend contract. */
import { type Backend, isBackendError } from "@pylon/inference";
import { Limiter } from "../util/limiter.js";
import { allWithItemSignals } from "../util/signals.js";
import { estimateMessageTokens } from "../util/tokens.js";
import type { SubcallBackend, SubcallFailure, SubcallRequest, SubcallResult, SubcallUsage } from "./types.js";

/** Prices in sats per million tokens, for backends that are paid for (a hosted API); default free. */
export interface ApiPrice {
  inputSatsPerMTok: number;
  outputSatsPerMTok: number;
}

export interface BackendSubcallsOptions {
  /** Sub-calls in flight at once (permits of its limiter). Default 4. */
  concurrency?: number;
  price?: ApiPrice;
  /** Close the backend when the SubcallBackend is closed. Default false (the caller owns it). */
  ownsBackend?: boolean;
}

export function costOf(usage: SubcallUsage, price: ApiPrice | undefined): number {
  if (!price) return 0;
  return (usage.inputTokens * price.inputSatsPerMTok + usage.outputTokens * price.outputSatsPerMTok) / 1e6;
}

export function backendSubcalls(backend: Backend, options: BackendSubcallsOptions = {}): SubcallBackend {
  const limiter = new Limiter(options.concurrency ?? 4);
  const provider = backend.info().name;
  const noUsage = { inputTokens: 0, outputTokens: 0 };

  const failure = (error: string, started: number, usage: SubcallUsage = noUsage): SubcallFailure => ({
    ok: false,
    error,
    provider,
    model: backend.info().model,
    latencyMs: performance.now() - started,
    costSats: costOf(usage, options.price),
    usage,
  });

  const completeOne = async (request: SubcallRequest, signal: AbortSignal): Promise<SubcallResult> => {
    const started = performance.now();
    try {
      return await limiter.run(async () => {
        const result = await backend.generate(
          {
            messages: request.messages,
            maxTokens: request.maxTokens,
            ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
          },
          { signal },
        );
        const usage = { ...result.usage };
        if (result.finishReason === "abort") return failure("aborted", started, usage);
        if (result.finishReason === "error") {
          return failure(result.error?.message ?? "the model failed mid-generation", started, usage);
        }
        return {
          ok: true,
          text: result.text,
          provider,
          model: result.model,
          latencyMs: performance.now() - started,
          costSats: costOf(usage, options.price),
          usage,
        };
      }, signal);
    } catch (error) {
      if (signal.aborted || isBackendError(error, "aborted")) return failure("aborted", started);
      return failure(error instanceof Error ? error.message : String(error), started);
    }
  };

  return {
    name: provider,
    complete: (requests, signal) => allWithItemSignals(signal, requests, completeOne),
    estimateCostSats: (request) =>
      costOf(
        {
          inputTokens: estimateMessageTokens(request.messages),
          outputTokens: request.maxTokens,
        },
        options.price,
      ),
    close: async () => {
      if (options.ownsBackend) await backend.close();
    },
  };
}
