export type {
  Backend,
  BackendInfo,
  BackendKind,
  ChatMessage,
  ChatRole,
  FinishReason,
  GenerateOptions,
  GenerateRequest,
  GenerateResult,
  GenerateTimings,
  GenerationSettings,
  TokenUsage,
} from "./backend.js";
export { type BackendConfig, createBackend } from "./config.js";
export { BackendError, type BackendErrorCode, isBackendError } from "./errors.js";
export { createPrng } from "./gguf/prng.js";
export {
  GENERATED_MODEL_SHAPES,
  type GeneratedModelShape,
  generatedModelShape,
} from "./gguf/shapes.js";
export {
  generateTinyGguf,
  TINY_CHAT_TEMPLATE,
  type TinyGgufOptions,
  writeTinyGguf,
} from "./gguf/tiny-model.js";
export { defaultThreads, type GpuSetting } from "./llama/binding.js";
export { createLlamaBackend, LLAMA_SAMPLING_DEFAULTS } from "./llama/llama-backend.js";
export type { DownloadProgress } from "./llama/model-source.js";
export type { LlamaBackendOptions } from "./llama/options.js";
export { createOpenAIBackend, type OpenAIBackendOptions } from "./openai/openai-backend.js";
export { DEFAULT_MAX_TOKENS, normalizeRequest, REQUEST_LIMITS } from "./request.js";
export { type SlotLease, SlotScheduler } from "./scheduler.js";
export {
  createScriptedBackend,
  type ScriptedBackendOptions,
  type ScriptedResponder,
} from "./scripted/scripted-backend.js";
export { CHARS_PER_SCRIPTED_TOKEN, estimateTokens } from "./scripted/token-estimate.js";
