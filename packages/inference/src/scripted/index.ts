/**
 * @pylon/inference/scripted: a deterministic stand-in for a model, for tests and demos. Its name always
 * starts with "scripted:", so it can never pass for a real model.
 */
export {
  createScriptedBackend,
  type ScriptedBackendOptions,
  type ScriptedResponder,
} from "./scripted-backend.js";
