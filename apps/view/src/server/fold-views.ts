/** Turning log records into the API's rows and views (no state). */

import type { SubcallRecord } from "@pylon/rlm";
import type { IterationView, RunStatus, SubcallRow } from "../api.js";
import type { IterationLine, SubcallLine } from "./log-records.js";

export const PREVIEW_CHARS = 200;

export function preview(text: string): string {
  return text.length <= PREVIEW_CHARS ? text : text.slice(0, PREVIEW_CHARS);
}

/** A sub-call as a table row; `place` says where it sits (its index, the run and iteration, when it ended). */
export function subcallRow(
  record: SubcallRecord & Partial<Pick<SubcallLine, "attempts" | "hedges">>,
  place: { index: number; runId: string; iteration: number; endedAtMs: number },
): SubcallRow {
  const usage = record.usage ?? { inputTokens: 0, outputTokens: 0 };
  return {
    index: place.index,
    runId: place.runId,
    iteration: place.iteration,
    depth: record.depth,
    kind: record.kind,
    ok: record.ok,
    promptPreview: preview(record.prompt ?? ""),
    responsePreview: preview(record.response ?? ""),
    promptChars: record.promptChars ?? (record.prompt ?? "").length,
    responseChars: record.responseChars ?? (record.response ?? "").length,
    provider: record.provider ?? "",
    model: record.model ?? "",
    ...(record.attempts !== undefined ? { attempts: record.attempts } : {}),
    ...(record.hedges !== undefined ? { hedges: record.hedges } : {}),
    latencyMs: record.latencyMs ?? 0,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costSats: record.costSats ?? 0,
    endedAtMs: place.endedAtMs,
    ...(record.ok ? {} : { error: preview(record.response ?? "") }),
  };
}

export function iterationView(
  record: IterationLine,
  subcalls: { first: number; count: number },
  endedAtMs: number,
): IterationView {
  return {
    runId: record.runId,
    iteration: record.iteration,
    forced: record.forced ?? false,
    modelOutput: record.modelOutput ?? "",
    modelLatencyMs: record.modelLatencyMs ?? 0,
    ...(record.modelProvider ? { modelProvider: record.modelProvider } : {}),
    ...(record.modelCostSats !== undefined ? { modelCostSats: record.modelCostSats } : {}),
    usage: record.usage ?? { inputTokens: 0, outputTokens: 0 },
    codeBlocks: (record.codeBlocks ?? []).map((block) => ({
      code: block.code,
      stdout: block.stdout,
      stderr: block.stderr,
      ...(block.error ? { error: block.error } : {}),
      durationMs: block.durationMs,
    })),
    subcalls,
    ...(record.final ? { final: record.final } : {}),
    durationMs: record.durationMs ?? 0,
    endedAtMs,
  };
}

export function statusOf(stoppedBy: string | undefined): RunStatus {
  switch (stoppedBy) {
    case undefined:
      return "running";
    case "final":
    case "max-iterations":
    case "budget":
    case "timeout":
    case "aborted":
    case "error":
      return stoppedBy;
    default:
      return "error";
  }
}
