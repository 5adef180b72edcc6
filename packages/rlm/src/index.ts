// The sandboxed Python REPL.

export {
  type BenchmarkOptions,
  type BenchmarkResult,
  runBenchmark,
  scriptedSolver,
} from "./benchmark/run-benchmark.js";
// Budgets and logs.
export {
  type BudgetClaim,
  BudgetLedger,
  type BudgetResource,
  type BudgetTotals,
  type Refusal,
  type Reservation,
  type RlmBudget,
} from "./budget/ledger.js";
export { loadContext, parseJsonLines } from "./context/load-context.js";
export type {
  CodeBlockRecord,
  FinalRecord,
  IterationRecord,
  RunRecord,
  StoppedBy,
  SubcallRecord,
  TrajectoryRecord,
} from "./log/records.js";
export { type RecordListener, TrajectoryLog } from "./log/trajectory-log.js";
export { type CodeBlock, type ParsedReply, parseReply } from "./loop/code-blocks.js";
export { type ContextMetadata, describeContext, renderContextMetadata } from "./loop/context-metadata.js";
export { findTextFinal, type TextFinal } from "./loop/final-text.js";
// The root loop.
export { type RlmResult, runRlm } from "./loop/run-rlm.js";
export { type PoolSandboxOptions, type SandboxLease, SandboxPool } from "./loop/sandbox-pool.js";
export { RLM_DEFAULTS, type RlmOptions } from "./loop/settings.js";
export { type SystemPromptOptions, systemPrompt } from "./loop/system-prompt.js";
// Models by name.
export { formatModelSpec, type ModelSpec, ModelSpecError, parseModelSpec } from "./models/model-spec.js";
export { type ModelSettings, type OpenedModels, openModels } from "./models/open-models.js";
export type { EncodedContext } from "./sandbox/context-encoding.js";
export { encodeContext } from "./sandbox/context-encoding.js";
export { PythonSandbox, SandboxClosedError, SandboxContextError, type SandboxStats } from "./sandbox/host.js";
export { networkNamespaceAvailable, SandboxStartError } from "./sandbox/launch.js";
export { DEFAULT_SETTINGS as SANDBOX_DEFAULTS } from "./sandbox/options.js";
export type {
  CellError,
  CellResult,
  ContextInfo,
  ContextValue,
  FinalAnswer,
  NetworkIsolation,
  SandboxIsolation,
  SandboxOptions,
  SubcallHandler,
  // The REPL's own request shape (kind + prompts + opts); `SubcallRequest` is the SubcallBackend's.
  SubcallRequest as SandboxSubcallRequest,
} from "./sandbox/types.js";

// SCRIPTED models (deterministic stand-ins for tests, demos and engine benchmarks).
export { type ClassifyRootOptions, classifyRoot } from "./scripted/classify-root.js";
export { isForcedFinal, lastUserMessage, pyString, repl, replyIndex } from "./scripted/conversation.js";
export { keywordSub } from "./scripted/keyword-sub.js";
export { type MapReduceRootOptions, mapReduceRoot } from "./scripted/map-reduce-root.js";
export {
  type BackendSubcallsOptions,
  backendSubcalls,
  costOf,
  type TokenPrice,
} from "./subcalls/backend-subcalls.js";
// Sub-calls.
export type {
  SubcallBackend,
  SubcallFailure,
  SubcallRequest,
  SubcallResult,
  SubcallSuccess,
  SubcallUsage,
} from "./subcalls/types.js";
// Benchmark tasks.
export * from "./tasks/index.js";
export { allWithSlotSignals } from "./util/signals.js";
