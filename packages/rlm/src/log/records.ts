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
  subcalls: SubcallRecord[];
  final?: { content: string; source: string };
  note?: string;
  durationMs: number;
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

export type TrajectoryRecord = RunRecord | IterationRecord | FinalRecord;
