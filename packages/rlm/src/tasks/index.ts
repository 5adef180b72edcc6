/** @pylon/rlm/tasks: the paper's benchmark tasks, generated from a seed, their scorers, and the runner. */

// One task end to end: generate, answer with an RLM, score.
export { type BenchmarkOptions, type BenchmarkResult, runBenchmark } from "../benchmark/run-benchmark.js";
export type { RlmResult } from "../loop/run-rlm.js";
export type { RlmOptions } from "../loop/settings.js";
export type { ModelSpec } from "../models/model-spec.js";
export type { ModelSettings } from "../models/open-models.js";
// Types the signatures above refer to.
export type { ContextValue } from "../sandbox/types.js";
export type { SubcallBackend } from "../subcalls/types.js";
// Generators: S-NIAH, OOLONG and OOLONG-Pairs at a size in tokens, and the sizes allowed.
export { generateTask, TASK_KINDS } from "./generate.js";
export { generateOolong, type OolongQuestion, type OolongTask, scoreLabel } from "./oolong.js";
export type { Label } from "./oolong-instances.js";
export { LABELS } from "./oolong-instances.js";
export { generatePairs, type PairsQuestion, type PairsTask, type UserCondition } from "./oolong-pairs.js";
// Scorers: the paper's metric per task, in [0, 1].
export { scoreExact, scoreNeedle, scoreNumeric, scorePairs } from "./scoring.js";
export { CHARS_PER_TOKEN, MAX_TASK_TOKENS, MIN_TASK_TOKENS } from "./size.js";
export { generateSniah, type SniahTask } from "./sniah.js";
export type { BenchTask, TaskKind } from "./task.js";
