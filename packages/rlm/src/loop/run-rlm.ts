/** `runRlm`: answers a question about a context with a Recursive Language Model. */
import { setMaxListeners } from "node:events";
import { BudgetLedger } from "../budget/ledger.js";
import type { StoppedBy } from "../log/records.js";
import { TrajectoryLog } from "../log/trajectory-log.js";
import type { SubcallUsage } from "../subcalls/types.js";
import { Limiter } from "../util/limiter.js";
import { RlmNode } from "./rlm-node.js";
import { SandboxPool } from "./sandbox-pool.js";
import { type RlmOptions, resolveRlmSettings, rootName } from "./settings.js";
import type { RlmTree } from "./tree.js";

export interface RlmResult {
  /** The final answer; null when the run stopped without one (budget, timeout, abort, error). */
  answer: string | null;
  stoppedBy: StoppedBy;
  /** Why the run stopped, for budget / error stops. */
  error?: string;
  runId: string;
  /** Replies of the root model (the forced final call included). */
  iterations: number;
  /** Sub-model calls across the tree (plain items and child RLM turns). */
  subcalls: number;
  /** Tokens across the tree, root included. */
  usage: SubcallUsage;
  /** Money across the tree, as reported by the SubcallBackend. */
  cost: { sats: number };
  /** Replies across the tree (children included). */
  treeIterations: number;
  durationMs: number;
  logPath: string | null;
}

export async function runRlm(options: RlmOptions): Promise<RlmResult> {
  const settings = resolveRlmSettings(options);
  const ledger = new BudgetLedger(options.budget ?? {});
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // every call and REPL of the tree listens to it
  let stopReason: "timeout" | "aborted" | undefined;
  const onAbort = () => {
    stopReason ??= "aborted";
    stop.abort();
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const timeLeft = ledger.timeLeftMs();
  const timer = Number.isFinite(timeLeft)
    ? setTimeout(
        () => {
          stopReason ??= "timeout";
          stop.abort();
        },
        Math.max(0, timeLeft),
      )
    : undefined;

  const log = TrajectoryLog.open(options.logFile, options.onRecord);
  const pool = options.sandboxes ?? new SandboxPool(options.sandbox);
  const tree: RlmTree = {
    settings,
    root: options.root,
    sub: options.sub,
    models: { root: rootName(options.root), sub: options.sub.name },
    ledger,
    log,
    pool,
    subcallPermits: new Limiter(settings.concurrency),
    childPermits: new Limiter(settings.childConcurrency),
    signal: stop.signal,
    stopReason: () => stopReason,
  };
  try {
    const outcome = await new RlmNode(tree, {
      question: options.question,
      context: options.context,
      depth: 0,
      parentRunId: options.parentRunId ?? null,
      signal: stop.signal,
    }).execute();
    const { totals } = outcome;
    return {
      answer: outcome.answer,
      stoppedBy: outcome.stoppedBy,
      ...(outcome.error ? { error: outcome.error } : {}),
      runId: outcome.runId,
      iterations: outcome.iterations,
      subcalls: totals.subcalls,
      usage: totals.usage,
      cost: { sats: totals.costSats },
      treeIterations: totals.iterations,
      durationMs: outcome.durationMs,
      logPath: options.logFile ?? null,
    };
  } finally {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
    stop.abort(); // anything still running for this tree stops now
    log.close();
    if (!options.sandboxes) await pool.close();
  }
}
