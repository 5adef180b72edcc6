/**
 * A ModelService for tests, over @pylon/inference's SCRIPTED backend (never a real model): `market/scripted`
 * answers "echo: <last user message>", streamed in scripted tokens, costing `satsPerToken` per output token.
 * Tests inject failures with `fail` and see every request (and whether its signal fired) in `requests`.
 */

import { createScriptedBackend } from "@pylon/inference/scripted";
import { type CompletionRequest, type ModelEntry, type ModelService, ServiceError } from "../../src/index.js";

export interface ScriptedServiceOptions {
  /** Delay between streamed tokens, ms. */
  tokenLatencyMs?: number;
  /** Default 0.5. */
  satsPerToken?: number;
  /** Call onText as tokens arrive (a streaming provider); default true. */
  streams?: boolean;
  /** Throw this instead of answering (checked after the model is found). */
  fail?: (request: CompletionRequest) => Error | undefined | Promise<Error | undefined>;
}

export interface ScriptedService extends ModelService {
  readonly requests: CompletionRequest[];
}

export const SCRIPTED_MODELS: ModelEntry[] = [
  {
    id: "market/scripted",
    created: 1_700_000_000,
    ownedBy: "pylon-market",
    providers: 2,
    priceMsatsPer1kOutput: 500_000,
    streaming: true,
  },
  { id: "rlm", created: 1_700_000_000, ownedBy: "pylon" },
];

export function scriptedService(options: ScriptedServiceOptions = {}): ScriptedService {
  const backend = createScriptedBackend({
    name: "gateway-test",
    responses: (request) => `echo: ${request.messages?.at(-1)?.content ?? request.prompt}`,
    tokenLatencyMs: options.tokenLatencyMs ?? 0,
    slots: 64,
  });
  const satsPerToken = options.satsPerToken ?? 0.5;
  const requests: CompletionRequest[] = [];
  return {
    requests,
    models: async () => SCRIPTED_MODELS,
    async complete(request) {
      requests.push(request);
      if (!SCRIPTED_MODELS.some((m) => m.id === request.model)) {
        throw new ServiceError("unknown-model", `no model '${request.model}' (try market/scripted or rlm)`);
      }
      const injected = await options.fail?.(request);
      if (injected) throw injected;
      const streams = options.streams ?? true;
      const result = await backend.generate(
        {
          messages: request.messages,
          ...(request.maxTokens === undefined ? {} : { maxTokens: request.maxTokens }),
          ...(request.stop === undefined ? {} : { stop: request.stop }),
        },
        { signal: request.signal, ...(streams && request.onText ? { onToken: request.onText } : {}) },
      );
      if (result.finishReason === "abort") throw new ServiceError("timeout", "the request was cancelled");
      const costSats = result.usage.outputTokens * satsPerToken;
      if (costSats > request.budgetSats) {
        throw new ServiceError(
          "budget",
          `the answer costs ${costSats} sats; the budget is ${request.budgetSats}`,
        );
      }
      return {
        id: `req-${requests.length}`,
        model: request.model,
        text: result.text,
        finishReason: result.finishReason === "length" ? "length" : "stop",
        usage: { promptTokens: result.usage.inputTokens, completionTokens: result.usage.outputTokens },
        costSats,
        receiptFile: `/tmp/receipts/req-${requests.length}.json`,
      };
    },
    close: () => backend.close(),
  };
}
