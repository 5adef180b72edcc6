/** One stderr line per trajectory log record: enough to follow a run without reading its log. */
import type { TrajectoryRecord } from "@pylon/rlm";

export function recordLine(record: TrajectoryRecord): string {
  const who = `[${"  ".repeat(record.depth)}${record.runId.slice(0, 6)}]`;
  if (record.type === "run") {
    const { context } = record;
    return `${who} start depth ${record.depth}: ${context.type}, ${context.totalChars.toLocaleString("en-US")} chars in ${context.parts} part(s); root ${record.models.root}, sub ${record.models.sub}`;
  }
  if (record.type === "iteration") {
    const failed = record.subcalls.filter((s) => !s.ok).length;
    const errors = record.codeBlocks.filter((b) => b.error).length;
    return `${who} ${record.forced ? "forced final" : `iteration ${record.iteration}`}: ${record.codeBlocks.length} block(s)${errors ? ` (${errors} raised)` : ""}, ${record.subcalls.length} sub-call(s)${failed ? ` (${failed} failed)` : ""}, ${(record.durationMs / 1000 + record.modelLatencyMs / 1000).toFixed(1)} s${record.final ? ", final answer" : ""}`;
  }
  return `${who} stopped by ${record.stoppedBy} after ${record.iterations} iteration(s)${record.error ? `: ${record.error}` : ""}`;
}

/** Prints `recordLine` to stderr: the `onRecord` of a run without a progress bar. */
export function printRecord(record: TrajectoryRecord): void {
  console.error(recordLine(record));
}
