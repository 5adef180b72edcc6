/**
 * A `market/<name>` request: the conversation as one paid job to the best live provider serving <name>
 * (the swarm picks, retries and fails over), refused up front when its price could exceed the budget.
 */
import { type Completion, type CompletionRequest, ServiceError } from "@pylon/gateway";
import type { SubcallRequest } from "@pylon/rlm";
import type { Swarm } from "@pylon/swarm";
import { costing, marketFailure } from "./failures.js";
import { writeReceipt } from "./files.js";
import { MARKET_PREFIX, marketModels } from "./market-models.js";

/** Output bound of a request that names none: enough for a chat answer, small enough to quote cheaply. */
export const DEFAULT_MAX_TOKENS = 1024;

export interface MarketCall {
  swarm: Swarm;
  /** The swarm's run id (the server's). */
  runId: string;
  dir: string;
  id: string;
}

export async function completeOnMarket(call: MarketCall, request: CompletionRequest): Promise<Completion> {
  const name = request.model.slice(MARKET_PREFIX.length);
  const models = marketModels(call.swarm);
  if (!models.has(name)) {
    const available = [...models.keys()].map((model) => `${MARKET_PREFIX}${model}`);
    throw new ServiceError(
      "unknown-model",
      `no live provider serves ${name} (the model ${request.model}); available: ${
        available.length > 0 ? available.join(", ") : "none right now"
      }, rlm`,
    );
  }
  const job: SubcallRequest = {
    messages: request.messages.map((turn) => ({ role: turn.role, content: turn.content })),
    maxTokens: request.maxTokens ?? DEFAULT_MAX_TOKENS,
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.stop && request.stop.length > 0 ? { stop: request.stop } : {}),
    model: name,
    depth: 1,
    runId: call.runId,
    purpose: "subcall",
    ...(request.onText ? { onText: request.onText } : {}),
  };
  const quote = call.swarm.estimateCostSats?.(job) ?? 0;
  if (quote > request.budgetSats)
    throw new ServiceError(
      "budget",
      `${request.model} may cost up to ${quote} sats for ${job.maxTokens} output tokens, more than the ${request.budgetSats} sats this request may spend (lower max_tokens or raise the budget)`,
    );

  const startedAt = Date.now();
  const [result] = await call.swarm.complete([job], request.signal);
  const ms = Date.now() - startedAt;
  if (!result) throw new ServiceError("market", `${request.model}: the market returned no result`);
  const receipt = {
    id: call.id,
    model: request.model,
    ok: result.ok,
    ...(result.ok ? {} : { error: result.error }),
    usage: { promptTokens: result.usage.inputTokens, completionTokens: result.usage.outputTokens },
    costSats: result.costSats,
    quoteSats: quote,
    budgetSats: request.budgetSats,
    providers: result.provider ? [result.provider] : [],
    timings: { startedAt: new Date(startedAt).toISOString(), ms, providerMs: Math.round(result.latencyMs) },
  };
  const receiptFile = writeReceipt(call.dir, call.id, receipt);
  if (!result.ok) throw costing(marketFailure(result.error, request.model, request.signal), result.costSats);
  return {
    id: call.id,
    model: request.model,
    text: result.text,
    // The swarm reports no finish reason: an answer that used every token it was allowed was cut short.
    finishReason: result.usage.outputTokens >= job.maxTokens ? "length" : "stop",
    usage: receipt.usage,
    costSats: result.costSats,
    receiptFile,
  };
}
