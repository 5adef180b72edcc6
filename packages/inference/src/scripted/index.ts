/**
 * @pylon/inference/scripted: a deterministic stand-in for a model, for tests and demos. Its name always
 * starts with "scripted:", so it can never pass for a real model.
 */

// The scripted backend, and how to script its replies.
export {
  createScriptedBackend,
  type ScriptedBackendOptions,
  type ScriptedLatency,
  type ScriptedResponder,
} from "./scripted-backend.js";

// Types of @pylon/inference that these signatures use.
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
} from "../backend.js";
export type { BackendError, BackendErrorCode } from "../errors.js";
export type { ModelIdentity } from "../gguf/identity.js";
