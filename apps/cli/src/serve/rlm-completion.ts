/**
 * An `rlm` / `rlm/<root>` request: one RLM run over the request's context, its root and sub-calls on the
 * market (or the models `pylon serve` was given), metered per request so its cost is its own, its log and
 * receipt written under <data dir>/serve/.
 */
import { type Completion, type CompletionRequest, ServiceError } from "@pylon/gateway";
import {
  formatModelSpec,
  type ModelSpec,
  openModels,
  RLM_DEFAULTS,
  type RlmResult,
  runRlm,
  type SubcallBackend,
} from "@pylon/rlm";
import { keywordSub, mapReduceRoot } from "@pylon/rlm/scripted";
import { openaiFromEnv } from "../options.js";
import { meteredSubcalls } from "../run/metered-subcalls.js";
import { buildReceipt } from "../run/receipt.js";
import { rlmTask } from "./conversation.js";
import { costing, messageOf } from "./failures.js";
import { createLogFile, writeReceipt } from "./files.js";

export interface RlmRunSettings {
  /** Sub-calls in flight at once within one request. */
  concurrency?: number;
  subcallChars?: number;
  subMaxTokens?: number;
  maxIterations?: number;
  /** Wall-clock limit of one run, ms. */
  timeoutMs?: number;
}

export interface RlmCall {
  market: SubcallBackend;
  root: ModelSpec;
  sub: ModelSpec;
  settings: RlmRunSettings;
  dir: string;
  id: string;
}

export async function completeWithRlm(call: RlmCall, request: CompletionRequest): Promise<Completion> {
  const task = rlmTask(request);
  if (!(request.budgetSats > 0))
    throw new ServiceError("budget", `${request.model}: no sats left to spend on this request`);
  const startedAt = Date.now();
  const metered = meteredSubcalls(call.market);
  const chunkChars = call.settings.subcallChars ?? RLM_DEFAULTS.subcallChars;
  // Sub-calls on the market go through the meter; a `swarm:` root asks the metered market too.
  const sub: ModelSpec | SubcallBackend = call.sub.kind === "swarm" && !call.sub.model ? metered : call.sub;
  const models = await openModels(call.root, sub, {
    swarm: metered,
    openai: openaiFromEnv(),
    scripted: { root: mapReduceRoot({ question: task.question, chunkChars }), sub: keywordSub },
    ...(call.settings.concurrency ? { concurrency: call.settings.concurrency } : {}),
  }).catch((error: unknown) => {
    throw new ServiceError("market", `${request.model}: could not open its models: ${messageOf(error)}`);
  });
  // A sub model of its own (scripted, openai) is metered too, at its own (zero or API) price.
  const own = call.sub.kind === "swarm" ? undefined : meteredSubcalls(models.sub);
  const subcalls = own ?? models.sub;
  const meter = (own ?? metered).meter;
  const logFile = createLogFile(call.dir, call.id);
  let result: RlmResult;
  try {
    result = await runRlm({
      question: task.question,
      context: task.context,
      root: models.root,
      sub: subcalls,
      budget: {
        sats: request.budgetSats,
        ...(call.settings.timeoutMs ? { timeoutMs: call.settings.timeoutMs } : {}),
      },
      ...(call.settings.concurrency ? { concurrency: call.settings.concurrency } : {}),
      ...(call.settings.subcallChars ? { subcallChars: call.settings.subcallChars } : {}),
      ...(call.settings.subMaxTokens ? { subMaxTokens: call.settings.subMaxTokens } : {}),
      ...(call.settings.maxIterations ? { maxIterations: call.settings.maxIterations } : {}),
      ...(request.maxTokens ? { rootMaxTokens: request.maxTokens } : {}),
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      logFile,
      signal: request.signal,
      parentRunId: call.id,
    });
  } finally {
    await models.close().catch(() => undefined);
  }
  const costSats = result.cost.sats;
  const { resume: _resume, ...fields } = buildReceipt({
    result,
    run: call.id,
    models: { root: formatModelSpec(call.root), sub: formatModelSpec(call.sub) },
    meter,
    wallMs: Date.now() - startedAt,
  });
  const receiptFile = writeReceipt(call.dir, call.id, {
    id: call.id,
    model: request.model,
    costSats,
    budgetSats: request.budgetSats,
    startedAt: new Date(startedAt).toISOString(),
    ...fields,
  });
  if (result.answer === null && result.stoppedBy !== "max-iterations")
    throw costing(stopped(result, request.model), costSats);
  return {
    id: call.id,
    model: request.model,
    text: result.answer ?? "",
    finishReason: result.answer === null ? "length" : "stop",
    usage: { promptTokens: result.usage.inputTokens, completionTokens: result.usage.outputTokens },
    costSats,
    receiptFile,
    logFile,
  };
}

/** A run that ended without an answer, as the client's error: budget 402, time 504, anything else 502. */
function stopped(result: RlmResult, model: string): ServiceError {
  const why = `${model}: stopped by ${result.stoppedBy} without an answer${result.error ? ` (${result.error})` : ""}`;
  if (result.stoppedBy === "budget") return new ServiceError("budget", why);
  if (result.stoppedBy === "timeout") return new ServiceError("timeout", why);
  return new ServiceError("market", why);
}
