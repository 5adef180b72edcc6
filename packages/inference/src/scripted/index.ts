/**
 * @pylon/inference/scripted: a deterministic stand-in for a model, for tests and demos. Its name always
 * starts with "scripted:", so it can never pass for a real model.
 */

// Types the signatures above refer to.
// Types the signatures above refer to.
// Types the signatures above refer to.
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
export {
  createScriptedBackend,
  type ScriptedBackendOptions,
  type ScriptedResponder,
} from "./scripted-backend.js";
