import path from "node:path";
import { type Backend, createLlamaBackend, type GenerateRequest } from "@pylon/inference";
import { createScriptedBackend, type ScriptedResponder } from "@pylon/inference/scripted";
import { conversationRoot } from "@pylon/rlm/scripted";
import type { ProviderConfig, ScriptedModel } from "./config/schema.js";

/** Where a node caches its model file's identity (hashing a big GGUF takes a while), in its data dir. */
export const MODEL_DIGESTS_FILE = "model-digests.json";

/**
 * The inference backend a config describes. The backend gets as many slots as the node and a queue as long
 * as the node's, so it never refuses what the node accepted (the node does its own admission control).
 */
export async function createBackendFor(config: ProviderConfig): Promise<Backend> {
  const { model } = config;
  if (typeof model !== "string") return scriptedBackend(model, config);
  return await createLlamaBackend({
    model,
    modelsDir: path.join(config.dataDir, "models"),
    identityCache: path.join(config.dataDir, MODEL_DIGESTS_FILE),
    slots: config.slots,
    maxQueue: config.queue,
    gpu: config.gpu,
    ...(config.modelName ? { modelName: config.modelName } : {}),
    ...(config.contextSize ? { contextSize: config.contextSize } : {}),
    ...(config.threads ? { threads: config.threads } : {}),
  });
}

/** Characters per part of the scripted RLM root's map step, unless the config says. */
const ROOT_CHUNK_CHARS = 100_000;
/** The scripted RLM root reads whole RLM conversations: room for them, as a real root model would have. */
const ROOT_CONTEXT_TOKENS = 131_072;

function scriptedBackend(model: ScriptedModel, config: ProviderConfig): Backend {
  const responses: ScriptedResponder = model.rlmRoot
    ? conversationRoot({ chunkChars: model.chunkChars ?? ROOT_CHUNK_CHARS })
    : (request: GenerateRequest) => (model.echo ? lastUserText(request) : (model.reply ?? ""));
  const contextSize = config.contextSize ?? (model.rlmRoot ? ROOT_CONTEXT_TOKENS : undefined);
  return createScriptedBackend({
    name: "node",
    model: config.modelName ?? "scripted",
    responses,
    slots: config.slots,
    maxQueue: config.queue,
    ...(contextSize === undefined ? {} : { contextSize }),
    ...(model.latencyMs === undefined ? {} : { latencyMs: model.latencyMs }),
    ...(model.tokenLatencyMs === undefined ? {} : { tokenLatencyMs: model.tokenLatencyMs }),
  });
}

function lastUserText(request: GenerateRequest): string {
  if (request.prompt !== undefined) return request.prompt;
  return request.messages?.filter((message) => message.role === "user").at(-1)?.content ?? "";
}
