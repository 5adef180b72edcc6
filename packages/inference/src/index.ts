/**
 * @pylon/inference: model backends behind one `Backend` interface — llama.cpp (node-llama-cpp, N batched
 * sequences and a bounded slot queue), any OpenAI-compatible server, and the tiny GGUF generator for
 * offline models. The scripted stand-in lives at `@pylon/inference/scripted`.
 */

// A backend from a config object (`type`: llama, openai or scripted).
export { type BackendConfig, createBackend } from "./config.js";

// The one interface every backend implements, and what goes in and out of it.
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

// Errors: branch on `code`.
export { BackendError, type BackendErrorCode, isBackendError } from "./errors.js";

// llama.cpp through node-llama-cpp: its options, GPU choice and model download progress.
export { createLlamaBackend } from "./llama/llama-backend.js";
export type { LlamaBackendOptions } from "./llama/options.js";
export type { GpuSetting } from "./llama/binding.js";
export type { DownloadProgress } from "./llama/model-source.js";

// `pylon doctor`'s node checks: a model file's GGUF header (without loading it), the GPU llama.cpp finds,
// and the decoding threads a node uses by default.
export { type GgufSummary, GgufInspectError, inspectGguf } from "./gguf/inspect.js";

// A model file's identity (sha256, size, architecture, quantisation), cached by path, size and mtime.
export {
  type ModelIdentity,
  type ModelIdentityOptions,
  modelIdentity,
  quantisationName,
} from "./gguf/identity.js";
export { type ComputeBackend, detectComputeBackend } from "./llama/gpu-probe.js";
export { defaultThreads } from "./llama/binding.js";

// An OpenAI-compatible chat-completions server.
export { createOpenAIBackend, type OpenAIBackendOptions } from "./openai/openai-backend.js";

// The scripted stand-in's options, for a `type: "scripted"` config (the backend: @pylon/inference/scripted).
export type {
  ScriptedBackendOptions,
  ScriptedLatency,
  ScriptedResponder,
} from "./scripted/scripted-backend.js";

// Token counts before a model has seen the text (price quotes).
export { estimateTokens } from "./token-estimate.js";

// Tiny random-weight GGUF models, generated offline, for tests, demos and benchmarks.
export { type TinyGgufOptions, writeTinyGguf } from "./gguf/tiny-model.js";
export { GENERATED_MODEL_SHAPES, type GeneratedModelShape, generatedModelShape } from "./gguf/shapes.js";
export type { GgmlTensorTypeName } from "./gguf/gguf-writer.js";
export { createPrng } from "./gguf/prng.js";
