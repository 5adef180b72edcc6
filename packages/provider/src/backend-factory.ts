import path from "node:path";
import { type Backend, createLlamaBackend, type GenerateRequest } from "@pylon/inference";
import { createScriptedBackend } from "@pylon/inference/scripted";
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

function scriptedBackend(model: ScriptedModel, config: ProviderConfig): Backend {
  return createScriptedBackend({
    name: "node",
    model: config.modelName ?? "scripted",
    responses: (request: GenerateRequest) => (model.echo ? lastUserText(request) : (model.reply ?? "")),
    slots: config.slots,
    maxQueue: config.queue,
    ...(model.latencyMs === undefined ? {} : { latencyMs: model.latencyMs }),
    ...(model.tokenLatencyMs === undefined ? {} : { tokenLatencyMs: model.tokenLatencyMs }),
  });
}

function lastUserText(request: GenerateRequest): string {
  if (request.prompt !== undefined) return request.prompt;
  return request.messages?.filter((message) => message.role === "user").at(-1)?.content ?? "";
}
