/** The lines of a trajectory log (JSONL). Every line has `type`, `runId` and `parentRunId`. */
import type { BudgetTotals, RlmBudget } from "../budget/ledger.js";
import type { ContextMetadata } from "../loop/context-metadata.js";
import type { FinalAnswer } from "../sandbox/types.js";
import type { SubcallUsage } from "../subcalls/types.js";

export type StoppedBy = "final" | "max-iterations" | "budget" | "timeout" | "aborted" | "error";

export interface RunRecord {
  type: "run";
  runId: string;
  parentRunId: string | null;
  depth: number;
  question: string;
  models: { root: string; sub: string };
  budget: RlmBudget;
  maxIterations: number;
  maxDepth: number;
  context: ContextMetadata;
  startedAt: string;
}

export interface SubcallRecord {
  kind: "llm" | "rlm";
  depth: number;
  /** The run whose code made the call. */
  parentRunId: string;
  /** For an rlm_query that started a child RLM: the child's run id (its own lines carry the details). */
  childRunId?: string;
  prompt: string;
  promptChars: number;
  ok: boolean;
  response: string;
  responseChars: number;
  latencyMs: number;
  costSats: number;
  provider: string;
  model: string;
  usage: SubcallUsage;
  /** Jobs sent for it (1 + re-dispatches + hedges), when the backend reports them (the swarm does). */
  attempts?: number;
  /** Duplicate jobs sent to another provider because the first was slow, when the backend reports them. */
  hedges?: number;
}

/**
 * One sub-call, written the moment it finishes (so a live reader sees rows as they end). `runId` and
 * `parentRunId` are both the run whose code made the call; `depth` is the call's (the caller's + 1).
 */
export interface SubcallLine extends SubcallRecord {
  type: "subcall";
  runId: string;
  /** The caller's iteration in progress when the call finished. */
  iteration: number;
  /** Position in the run tree's sub-calls, in finish order: 0, 1, 2… across every RLM of the tree. */
  index: number;
  /** When it finished, ms since the tree's log was opened (the root run's start). */
  endedAtMs: number;
}

export interface CodeBlockRecord {
  code: string;
  stdout: string;
  stderr: string;
  error?: { type: string; message: string };
  final?: FinalAnswer;
  restarted?: boolean;
  durationMs: number;
}

export interface IterationRecord {
  type: "iteration";
  runId: string;
  parentRunId: string | null;
  depth: number;
  iteration: number;
  /** True for the last call made after the iteration cap. */
  forced: boolean;
  modelOutput: string;
  usage: SubcallUsage;
  modelLatencyMs: number;
  /** Who served the reply: a provider's key when the model is on the market (its turns are paid jobs). */
  modelProvider?: string;
  /** What the reply cost, sats (only when it cost something). */
  modelCostSats?: number;
  codeBlocks: CodeBlockRecord[];
  /**
   * Logs written before the `subcall` line existed carry the iteration's sub-calls here; newer ones leave it
   * empty and say `subcallRange` instead (the calls are on their own `subcall` lines).
   */
  subcalls: SubcallRecord[];
  /** Which of this RLM's own sub-calls (counted 0, 1, 2… per RLM, in finish order) the iteration made. */
  subcallRange?: { first: number; count: number };
  final?: { content: string; source: string };
  note?: string;
  durationMs: number;
  /** When it ended, ms since the tree's log was opened (absent in older logs). */
  endedAtMs?: number;
}

export interface FinalRecord {
  type: "final";
  runId: string;
  parentRunId: string | null;
  depth: number;
  answer: string | null;
  stoppedBy: StoppedBy;
  error?: string;
  iterations: number;
  /** Totals of this run and everything below it. */
  totals: BudgetTotals & { usage: SubcallUsage };
  durationMs: number;
  finishedAt: string;
}

export type TrajectoryRecord = RunRecord | IterationRecord | SubcallLine | FinalRecord;
