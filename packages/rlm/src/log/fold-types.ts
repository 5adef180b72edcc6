/** What `foldTrajectory` makes of a log: the run tree, iterations, sub-calls flat, totals, providers. */
import type { RlmBudget } from "../budget/ledger.js";
import type { ContextMetadata } from "../loop/context-metadata.js";
import type { FinalRecord, IterationRecord, StoppedBy, SubcallRecord } from "./records.js";

export type RunStatus = "running" | StoppedBy;

/** One sub-call, at its place in the flat list (finish order; old logs: iteration order). */
export interface FoldedSubcall extends SubcallRecord {
  /** "subcall" when the row is the log's own line (new logs). */
  type?: "subcall";
  /** Position in the fold's `subcalls`. */
  index: number;
  /** The run whose code made it. */
  runId: string;
  /** The caller's iteration it belongs to. */
  iteration: number;
  /** ms since the tree's start when it finished; absent in logs written before the `subcall` line. */
  endedAtMs?: number;
}

export interface FoldedIteration extends Omit<IterationRecord, "type" | "subcalls" | "subcallRange"> {
  /** Flat indices of the sub-calls its code made, in finish order (grows while late ones finish). */
  subcalls: number[];
}

/** Counts of what one RLM's own code and turns did (children not included). */
export interface OwnCounts {
  /** Sub-call rows made by its code (child RLMs included as one row each). */
  subcalls: number;
  answered: number;
  failed: number;
  /** Tokens and sats of its own turns and plain sub-calls (a child's are in the child's counts). */
  inputTokens: number;
  outputTokens: number;
  sats: number;
}

export interface FoldedRun {
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
  /** Child RLMs started by its code (run ids, in start order). */
  children: string[];
  status: RunStatus;
  answer: string | null;
  error?: string;
  iterations: FoldedIteration[];
  /** Flat indices of the sub-calls its own code made. */
  subcalls: number[];
  own: OwnCounts;
  /** From its final line: totals of it and everything below it, and its duration. */
  final?: Pick<FinalRecord, "totals" | "durationMs" | "finishedAt" | "iterations">;
}

/** What one provider did in the fold's runs. */
export interface ProviderFold {
  provider: string;
  /** Sub-calls it was credited with (a child RLM's turns included), answered and failed. */
  subcalls: number;
  answered: number;
  failed: number;
  /** Root turns it served (a root on the market, or the local root model's name). */
  rootTurns: number;
  /** Jobs sent to it for those sub-calls, when the backend reported them (the swarm), hedges among them. */
  attempts: number;
  hedges: number;
  /** Sats and tokens of its sub-calls and turns. */
  sats: number;
  inputTokens: number;
  outputTokens: number;
  /** Sum of its answered sub-calls' latencies, ms (mean = latencyMs / answered). */
  latencyMs: number;
}

export interface FoldTotals {
  /** Replies of every RLM in the log. */
  iterations: number;
  /** Sub-call rows, answered and failed. */
  subcalls: number;
  answered: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
  sats: number;
  /** The root's duration once it ended, else the latest time a line reports (a resumed run's: summed). */
  wallMs: number;
  /** Providers that answered at least one sub-call. */
  providers: number;
}
