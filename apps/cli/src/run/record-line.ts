/**
 * One stderr line per run start, iteration and end of a trajectory log: enough to follow a run without
 * reading its log. Sub-calls get no line of their own (a run may make 100,000); each iteration's line counts
 * those its code made, and how many failed (new logs write them before their iteration, old ones inside it).
 */
import type { RecordListener, TrajectoryRecord } from "@pylon/rlm";

/** A formatter that remembers the failed sub-calls of each RLM's iteration in progress. */
export function recordLines(): (record: TrajectoryRecord) => string | undefined {
  const failedByRun = new Map<string, number>();
  return (record) => {
    if (record.type === "subcall") {
      if (!record.ok) failedByRun.set(record.runId, (failedByRun.get(record.runId) ?? 0) + 1);
      return undefined;
    }
    const who = `[${"  ".repeat(record.depth)}${record.runId.slice(0, 6)}]`;
    if (record.type === "run") {
      const { context } = record;
      return `${who} start depth ${record.depth}: ${context.type}, ${context.totalChars.toLocaleString("en-US")} chars in ${context.parts} part(s); root ${record.models.root}, sub ${record.models.sub}`;
    }
    if (record.type === "iteration") {
      const calls = record.subcallRange?.count ?? record.subcalls.length;
      const failed = (failedByRun.get(record.runId) ?? 0) + record.subcalls.filter((s) => !s.ok).length;
      failedByRun.delete(record.runId);
      const errors = record.codeBlocks.filter((b) => b.error).length;
      return `${who} ${record.forced ? "forced final" : `iteration ${record.iteration}`}: ${record.codeBlocks.length} block(s)${errors ? ` (${errors} raised)` : ""}, ${calls} sub-call(s)${failed ? ` (${failed} failed)` : ""}, ${(record.durationMs / 1000 + record.modelLatencyMs / 1000).toFixed(1)} s${record.final ? ", final answer" : ""}`;
    }
    failedByRun.delete(record.runId);
    return `${who} stopped by ${record.stoppedBy} after ${record.iterations} iteration(s)${record.error ? `: ${record.error}` : ""}`;
  };
}

/** Prints each record's line to stderr: the `onRecord` of a run without a progress bar. */
export function printRecords(): RecordListener {
  const line = recordLines();
  return (record) => {
    const text = line(record);
    if (text !== undefined) console.error(text);
  };
}
