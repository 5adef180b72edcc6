/** What every RLM of one tree shares: models, the budget ledger, the log, REPLs, concurrency caps. */
import type { BudgetLedger } from "../budget/ledger.js";
import type { TrajectoryLog } from "../log/trajectory-log.js";
import type { SubcallBackend, SubcallUsage } from "../subcalls/types.js";
import type { Limiter } from "../util/limiter.js";
import type { SandboxPool } from "./sandbox-pool.js";
import type { RlmSettings, RootModel } from "./settings.js";

export interface RlmTree {
  settings: RlmSettings;
  root: RootModel;
  sub: SubcallBackend;
  models: { root: string; sub: string };
  ledger: BudgetLedger;
  log: TrajectoryLog;
  pool: SandboxPool;
  /** Sub-model calls in flight (plain items and child turns). */
  subcallPermits: Limiter;
  /** Child RLMs running. */
  childPermits: Limiter;
  /** Fires on the caller's abort or the wall-clock limit. */
  signal: AbortSignal;
  /** Why `signal` fired, once it has. */
  stopReason(): "timeout" | "aborted" | undefined;
}

/** Counts for one RLM and everything below it. */
export class RunTotals {
  iterations = 0;
  subcalls = 0;
  inputTokens = 0;
  outputTokens = 0;
  costSats = 0;

  addCall(usage: SubcallUsage, costSats: number): void {
    this.inputTokens += usage.inputTokens;
    this.outputTokens += usage.outputTokens;
    this.costSats += costSats;
  }

  addChild(child: RunTotals): void {
    this.iterations += child.iterations;
    this.subcalls += child.subcalls;
    this.inputTokens += child.inputTokens;
    this.outputTokens += child.outputTokens;
    this.costSats += child.costSats;
  }

  get usage(): SubcallUsage {
    return { inputTokens: this.inputTokens, outputTokens: this.outputTokens };
  }
}
