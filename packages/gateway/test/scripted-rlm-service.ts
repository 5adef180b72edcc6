/**
 * A ModelService for the MCP server's tests, built from local parts: a real RLM run (@pylon/rlm runRlm, a
 * Pyodide REPL) whose root and sub models are SCRIPTED stand-ins (mapReduceRoot, keywordSub), sub-calls priced
 * like an API so the receipt carries a cost, and a receipt JSON written per request. It records every request
 * it was given, so a test can tell that a refused call never reached it.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { createScriptedBackend } from "@pylon/inference/scripted";
import { backendSubcalls, runRlm, type SandboxPool } from "@pylon/rlm";
import { keywordSub, mapReduceRoot } from "@pylon/rlm/scripted";
import {
  type Completion,
  type CompletionRequest,
  type ModelEntry,
  type ModelService,
  ServiceError,
} from "../src/index.js";

export interface ScriptedRlmService extends ModelService {
  /** Every request complete() was given, in order. */
  requests: CompletionRequest[];
}

const STARTED = Math.floor(Date.now() / 1000);

export const SCRIPTED_MODELS: ModelEntry[] = [
  {
    id: "market/tiny",
    created: STARTED,
    ownedBy: "pylon-market",
    providers: 2,
    priceMsatsPer1kOutput: 120,
    streaming: true,
  },
  { id: "rlm", created: STARTED, ownedBy: "pylon" },
];

export function scriptedRlmService(options: {
  sandboxes: SandboxPool;
  /** Where receipts and logs are written. */
  dir: string;
  /** What complete() does instead of running (a failure to test, or a wait on the signal). */
  override?: (request: CompletionRequest) => Promise<Completion>;
}): ScriptedRlmService {
  const requests: CompletionRequest[] = [];
  let served = 0;
  return {
    requests,
    models: async () => SCRIPTED_MODELS.map((model) => ({ ...model })),
    complete: async (request) => {
      requests.push(request);
      if (options.override) return options.override(request);
      if (request.model !== "rlm")
        throw new ServiceError("unknown-model", `no model ${request.model}; available: rlm`);
      const question = request.messages.at(-1)?.content ?? "";
      const id = `scripted-${++served}`;
      const backend = (responses: typeof keywordSub, name: string) =>
        createScriptedBackend({ responses, name, model: `scripted-${name}`, slots: 8, maxQueue: 1_000 });
      const root = backend(mapReduceRoot({ question, chunkChars: 4_000 }), "root");
      const sub = backendSubcalls(backend(keywordSub, "sub"), {
        concurrency: 8,
        price: { inputSatsPerMTok: 1_000, outputSatsPerMTok: 4_000 },
      });
      const logFile = path.join(options.dir, `${id}.jsonl`);
      try {
        const result = await runRlm({
          question,
          context: request.context ?? "",
          root,
          sub,
          sandboxes: options.sandboxes,
          logFile,
          signal: request.signal,
          budget: { sats: request.budgetSats },
        });
        if (result.answer === null)
          throw new ServiceError(
            result.stoppedBy === "budget" ? "budget" : "market",
            result.error ?? result.stoppedBy,
          );
        const receiptFile = path.join(options.dir, `${id}.json`);
        const completion: Completion = {
          id,
          model: "rlm",
          text: result.answer,
          finishReason: "stop",
          usage: { promptTokens: result.usage.inputTokens, completionTokens: result.usage.outputTokens },
          costSats: result.cost.sats,
          receiptFile,
          logFile,
        };
        await writeFile(receiptFile, JSON.stringify({ ...completion, subcalls: result.subcalls }));
        return completion;
      } finally {
        await root.close();
      }
    },
    close: async () => {},
  };
}
