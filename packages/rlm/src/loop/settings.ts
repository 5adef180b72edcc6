/** Options of `runRlm`, their defaults, and validation. */
import type { Backend } from "@pylon/inference";
import type { RlmBudget } from "../budget/ledger.js";
import type { RecordListener } from "../log/trajectory-log.js";
import type { ContextValue } from "../sandbox/types.js";
import type { SubcallBackend } from "../subcalls/types.js";
import type { PoolSandboxOptions, SandboxPool } from "./sandbox-pool.js";

export interface RlmOptions {
  question: string;
  context: ContextValue;
  /**
   * The depth-0 model, which writes the code: a Backend, or a SubcallBackend (e.g. the swarm, `swarm:MODEL`),
   * whose turns are then sent with `purpose: "root"` and one affinity per run, and cost like sub-calls.
   */
  root: RootModel;
  /** Everything at depth ≥ 1: `llm_query` items and the turns of child RLMs. */
  sub: SubcallBackend;
  /** Deepest level of the tree. 1 (default): `rlm_query` is a plain sub-call, as in the paper. */
  maxDepth?: number;
  /** Replies per RLM (root and each child) before the forced final call. Default 30. */
  maxIterations?: number;
  /** Limits for the whole tree, reserved before every call. */
  budget?: RlmBudget;
  /** Sub-calls in flight at once across the tree (the permits of its limiter). Default 8. */
  concurrency?: number;
  /** Child RLMs running at once (each holds a REPL process). Default 2. */
  childConcurrency?: number;
  /** max_tokens of every RLM turn (root and children). Default 4096. */
  rootMaxTokens?: number;
  /** Default and ceiling of a sub-call's max_tokens (code may ask for less). Default 2048. */
  subMaxTokens?: number;
  /** Sampling temperature of RLM turns; unset leaves the backend's default. */
  temperature?: number;
  /** Characters a sub-call prompt should stay under, as told to the model. Default 100 000. */
  subcallChars?: number;
  /** Characters of REPL output shown per code block (head and tail kept). Default 20 000. */
  outputChars?: number;
  /** When the conversation grows past this many characters, the oldest replies are left out. Default 400 000. */
  maxHistoryChars?: number;
  /** JSONL trajectory log, appended as the run goes. */
  logFile?: string;
  /** Sub-call prompts and responses are cut to this many characters in the log. Default 20 000. */
  logTextChars?: number;
  /** Receives every log record as it is written (progress display). */
  onRecord?: RecordListener;
  /** Share REPLs across runs; without it the run starts and closes its own. */
  sandboxes?: SandboxPool;
  /** Settings of the run's own REPLs (ignored with `sandboxes`). */
  sandbox?: PoolSandboxOptions;
  signal?: AbortSignal;
  /** Links the run to something outside it (a job id, a benchmark run) in the log. */
  parentRunId?: string;
}

export interface RlmSettings {
  maxDepth: number;
  maxIterations: number;
  concurrency: number;
  childConcurrency: number;
  rootMaxTokens: number;
  subMaxTokens: number;
  temperature: number | undefined;
  subcallChars: number;
  outputChars: number;
  maxHistoryChars: number;
  logTextChars: number;
}

export const RLM_DEFAULTS = {
  maxDepth: 1,
  maxIterations: 30,
  concurrency: 8,
  childConcurrency: 2,
  rootMaxTokens: 4096,
  subMaxTokens: 2048,
  subcallChars: 100_000,
  outputChars: 20_000,
  maxHistoryChars: 400_000,
  logTextChars: 20_000,
} as const;

function integer(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

/** The root model: a Backend (local or API model), or a SubcallBackend (the market: each turn a paid job). */
export type RootModel = Backend | SubcallBackend;

export function isBackend(model: RootModel): model is Backend {
  return typeof (model as Backend).generate === "function";
}

/** A root model's name for logs and receipts. */
export function rootName(model: RootModel): string {
  return isBackend(model) ? model.info().name : model.name;
}

export function resolveRlmSettings(options: RlmOptions): RlmSettings {
  if (typeof options.question !== "string" || options.question.trim() === "") {
    throw new TypeError("question must be a non-empty string");
  }
  if (!options.root || (!isBackend(options.root) && typeof options.root.complete !== "function"))
    throw new TypeError("root must be a Backend or a SubcallBackend");
  if (!options.sub || typeof options.sub.complete !== "function") {
    throw new TypeError("sub must be a SubcallBackend");
  }
  const d = RLM_DEFAULTS;
  return {
    maxDepth: integer("maxDepth", options.maxDepth, d.maxDepth, 1),
    maxIterations: integer("maxIterations", options.maxIterations, d.maxIterations, 1),
    concurrency: integer("concurrency", options.concurrency, d.concurrency, 1),
    childConcurrency: integer("childConcurrency", options.childConcurrency, d.childConcurrency, 1),
    rootMaxTokens: integer("rootMaxTokens", options.rootMaxTokens, d.rootMaxTokens, 1),
    subMaxTokens: integer("subMaxTokens", options.subMaxTokens, d.subMaxTokens, 1),
    temperature: options.temperature,
    subcallChars: integer("subcallChars", options.subcallChars, d.subcallChars, 1),
    outputChars: integer("outputChars", options.outputChars, d.outputChars, 100),
    maxHistoryChars: integer("maxHistoryChars", options.maxHistoryChars, d.maxHistoryChars, 1000),
    logTextChars: integer("logTextChars", options.logTextChars, d.logTextChars, 0),
  };
}
