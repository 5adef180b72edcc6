/**
 * @pylon/rlm: the Recursive Language Model engine. Benchmark tasks and their runner are at `@pylon/rlm/tasks`,
 * scripted roots and sub models at `@pylon/rlm/scripted`.
 */

// Running an RLM: the root loop, its options, budget and result.
export { type RlmResult, runRlm } from "./loop/run-rlm.js";
export { isBackend, RLM_DEFAULTS, type RlmOptions, type RootModel, rootName } from "./loop/settings.js";
export type { BudgetTotals, RlmBudget } from "./budget/ledger.js";

// REPLs shared across runs (each a sandboxed Pyodide child process).
export { type PoolSandboxOptions, type SandboxLease, SandboxPool } from "./loop/sandbox-pool.js";
export type { PythonSandbox, SandboxStats } from "./sandbox/host.js";
export type {
  BridgeRequest,
  CellError,
  CellResult,
  ContextInfo,
  FinalAnswer,
  NetworkIsolation,
  SandboxIsolation,
  SandboxOptions,
  SubcallHandler,
} from "./sandbox/types.js";

// The context a run's REPL holds, and reading one from files the way `pylon run --context` does.
export { loadContext } from "./context/load-context.js";
export type { ContextMetadata } from "./loop/context-metadata.js";
export type { ContextValue } from "./sandbox/types.js";

// The JSONL trajectory log: its records, and the listener that sees them as they are written.
export type {
  CodeBlockRecord,
  FinalRecord,
  IterationRecord,
  RunRecord,
  StoppedBy,
  SubcallLine,
  SubcallRecord,
  TrajectoryRecord,
} from "./log/records.js";
export type { RecordListener } from "./log/trajectory-log.js";

// Reading a log back (the receipt, `pylon view`, resume): whole records, a live log's tail, and the fold.
export { readTrajectory, TrajectoryFormatError } from "./log/read.js";
export { TrajectoryTail, type TrajectoryTailOptions } from "./log/tail.js";
export { foldTrajectory, RunFold } from "./log/fold.js";
export type {
  FoldedIteration,
  FoldedRun,
  FoldedSubcall,
  FoldTotals,
  OwnCounts,
  ProviderFold,
  RunStatus,
} from "./log/fold-types.js";

// Models by name ("llama:…", "openai:…", "scripted").
export { formatModelSpec, type ModelSpec, ModelSpecError, parseModelSpec } from "./models/model-spec.js";
export { type ModelSettings, type OpenedModels, openModels } from "./models/open-models.js";

// Sub-calls: the SubcallBackend contract, one over a local model, and per-item abort signals for implementers.
export type {
  SubcallBackend,
  SubcallFailure,
  SubcallOutcomeBase,
  SubcallRequest,
  SubcallResult,
  SubcallSuccess,
  SubcallUsage,
} from "./subcalls/types.js";
export { type ApiPrice, type BackendSubcallsOptions, backendSubcalls } from "./subcalls/backend-subcalls.js";
export { allWithItemSignals } from "./util/signals.js";
