/**
 * The records the server folds: @pylon/rlm's, plus the newer per-sub-call line (written as each sub-call
 * finishes; its iteration then carries `subcallRange` instead of the full array). Both formats read.
 */
import type { FinalRecord, IterationRecord, RunRecord, SubcallRecord } from "@pylon/rlm";

export interface SubcallLine extends SubcallRecord {
  type: "subcall";
  runId: string;
  iteration: number;
  /** Position in the log's flat sub-call list. */
  index: number;
  /** ms since the run started, when it finished. */
  endedAtMs: number;
  attempts?: number;
  hedges?: number;
}

export type IterationLine = IterationRecord & { subcallRange?: { first: number; count: number } };

export type LogRecord = RunRecord | IterationLine | FinalRecord | SubcallLine;

/** The record when it is one the fold knows (a run, iteration, sub-call or final line), else undefined. */
export function normaliseRecord(value: unknown): LogRecord | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as { type?: unknown; runId?: unknown };
  if (typeof record.runId !== "string") return undefined;
  switch (record.type) {
    case "run":
    case "final":
      return value as LogRecord;
    case "iteration": {
      const iteration = value as IterationLine;
      return Array.isArray(iteration.subcalls) ? iteration : { ...iteration, subcalls: [] };
    }
    case "subcall":
      return value as SubcallLine;
    default:
      return undefined;
  }
}
