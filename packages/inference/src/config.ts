import type { Backend } from "./backend.js";
import { BackendError } from "./errors.js";
import { createLlamaBackend } from "./llama/llama-backend.js";
import type { LlamaBackendOptions } from "./llama/options.js";
import { createOpenAIBackend, type OpenAIBackendOptions } from "./openai/openai-backend.js";
import { createScriptedBackend, type ScriptedBackendOptions } from "./scripted/scripted-backend.js";

/** A backend described as data (from a config file or flags), discriminated by `type`. */
export type BackendConfig =
  | ({ type: "llama" } & LlamaBackendOptions)
  | ({ type: "openai" } & OpenAIBackendOptions)
  | ({ type: "scripted" } & ScriptedBackendOptions);

export async function createBackend(config: BackendConfig): Promise<Backend> {
  switch (config.type) {
    case "llama": {
      const { type: _, ...options } = config;
      return await createLlamaBackend(options);
    }
    case "openai": {
      const { type: _, ...options } = config;
      return createOpenAIBackend(options);
    }
    case "scripted": {
      const { type: _, ...options } = config;
      return createScriptedBackend(options);
    }
    default:
      throw new BackendError(
        "bad-request",
        `unknown backend type ${JSON.stringify((config as { type?: unknown }).type)}; use llama, openai or scripted`,
      );
  }
}
