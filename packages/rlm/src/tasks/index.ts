/** @pylon/rlm/tasks: the paper's benchmark tasks, generated from a seed, their scorers, and the runner. */

// One task end to end: generate, answer with an RLM, score.
export { type BenchmarkOptions, type BenchmarkResult, runBenchmark } from "../benchmark/run-benchmark.js";

// Generators: S-NIAH, OOLONG and OOLONG-Pairs at a size in tokens, and the sizes allowed.
export { generateTask, TASK_KINDS } from "./generate.js";
export { generateSniah, type SniahTask } from "./sniah.js";
export { generateOolong, type OolongQuestion, type OolongTask, scoreLabel } from "./oolong.js";
export { type Label, LABELS } from "./oolong-instances.js";
export { generatePairs, type PairsQuestion, type PairsTask, type UserCondition } from "./oolong-pairs.js";
export { CHARS_PER_TOKEN, MAX_TASK_TOKENS, MIN_TASK_TOKENS } from "./size.js";
export type { BenchTask, TaskKind } from "./task.js";

// Scorers: the paper's metric per task, in [0, 1].
export { scoreExact, scoreNeedle, scoreNumeric, scorePairs } from "./scoring.js";

// Types of @pylon/rlm that the runner's signature uses.
export type { BudgetTotals, RlmBudget } from "../budget/ledger.js";
export type {
  CodeBlockRecord,
  FinalRecord,
  IterationRecord,
  RunRecord,
  StoppedBy,
  SubcallRecord,
  TrajectoryRecord,
} from "../log/records.js";
export type { ContextMetadata } from "../loop/context-metadata.js";
export type { RecordListener } from "../log/trajectory-log.js";
export type { RlmResult } from "../loop/run-rlm.js";
export type { PoolSandboxOptions, SandboxLease, SandboxPool } from "../loop/sandbox-pool.js";
export type { RlmOptions } from "../loop/settings.js";
export type { ModelSpec } from "../models/model-spec.js";
export type { ModelSettings } from "../models/open-models.js";
export type { PythonSandbox, SandboxStats } from "../sandbox/host.js";
export type {
  BridgeRequest,
  CellError,
  CellResult,
  ContextInfo,
  ContextValue,
  FinalAnswer,
  NetworkIsolation,
  SandboxIsolation,
  SandboxOptions,
  SubcallHandler,
} from "../sandbox/types.js";
export type { ApiPrice } from "../subcalls/backend-subcalls.js";
export type {
  SubcallBackend,
  SubcallFailure,
  SubcallOutcomeBase,
  SubcallRequest,
  SubcallResult,
  SubcallSuccess,
  SubcallUsage,
} from "../subcalls/types.js";
