/**
 * @pylon/rlm: the Recursive Language Model engine. Benchmark tasks and their runner are at `@pylon/rlm/tasks`,
 * scripted roots and sub models at `@pylon/rlm/scripted`.
 */

// Running an RLM: the root loop, its options, budget and result, and REPLs shared across runs.
// Types the signatures above refer to.
export type { BudgetTotals, RlmBudget } from "./budget/ledger.js";
// The context a run's REPL holds, and reading one from files the way `pylon run --context` does.
export { loadContext } from "./context/load-context.js";
// The JSONL trajectory log: its records, and the listener that sees them as they are written.
export type {
  CodeBlockRecord,
  FinalRecord,
  IterationRecord,
  RunRecord,
  StoppedBy,
  SubcallRecord,
  TrajectoryRecord,
} from "./log/records.js";
export type { RecordListener } from "./log/trajectory-log.js";
export type { ContextMetadata } from "./loop/context-metadata.js";
export { type RlmResult, runRlm } from "./loop/run-rlm.js";
export type { SandboxLease } from "./loop/sandbox-pool.js";
export { type PoolSandboxOptions, SandboxPool } from "./loop/sandbox-pool.js";
export { RLM_DEFAULTS, type RlmOptions } from "./loop/settings.js";
// Models by name ("llama:…", "openai:…", "scripted").
export { formatModelSpec, type ModelSpec, ModelSpecError, parseModelSpec } from "./models/model-spec.js";
export { type ModelSettings, type OpenedModels, openModels } from "./models/open-models.js";
export type { ContextValue, FinalAnswer, SandboxOptions, SubcallHandler } from "./sandbox/types.js";
// Sub-calls: the SubcallBackend contract, one over a local model, and per-item abort signals for implementers.
export {
  type ApiPrice,
  type BackendSubcallsOptions,
  backendSubcalls,
} from "./subcalls/backend-subcalls.js";
export type {
  SubcallBackend,
  SubcallFailure,
  SubcallOutcomeBase,
  SubcallRequest,
  SubcallResult,
  SubcallSuccess,
  SubcallUsage,
} from "./subcalls/types.js";
export { allWithItemSignals } from "./util/signals.js";
