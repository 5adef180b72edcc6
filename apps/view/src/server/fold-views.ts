/** Turning @pylon/rlm's folded runs into the API's rows, iterations, tree nodes and provider totals. */
import type { FoldedIteration, FoldedRun, FoldedSubcall, ProviderFold } from "@pylon/rlm";
import type { IterationView, ProviderTotals, RunStatus, SubcallRow, TreeNode } from "../api.js";
import { npubOf } from "./npub.js";

export const PREVIEW_CHARS = 200;

export function preview(text: string): string {
  return text.length <= PREVIEW_CHARS ? text : text.slice(0, PREVIEW_CHARS);
}

/** Sums of fractional sats, to the msat (floating-point sums otherwise show as 307.48999999999995). */
export function toMsat(sats: number): number {
  return Math.round(sats * 1000) / 1000;
}

/** A sub-call as a table row; `endedAtMs` for old logs, whose rows do not say when they ended. */
export function subcallRow(call: FoldedSubcall, endedAtMs: number): SubcallRow {
  const usage = call.usage ?? { inputTokens: 0, outputTokens: 0 };
  return {
    index: call.index,
    runId: call.runId,
    iteration: call.iteration,
    depth: call.depth,
    kind: call.kind,
    ok: call.ok,
    promptPreview: preview(call.prompt ?? ""),
    responsePreview: preview(call.response ?? ""),
    promptChars: call.promptChars ?? (call.prompt ?? "").length,
    responseChars: call.responseChars ?? (call.response ?? "").length,
    provider: call.provider ?? "",
    model: call.model ?? "",
    ...(call.attempts !== undefined ? { attempts: call.attempts } : {}),
    ...(call.hedges !== undefined ? { hedges: call.hedges } : {}),
    latencyMs: call.latencyMs ?? 0,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costSats: call.costSats ?? 0,
    endedAtMs: Math.round(call.endedAtMs ?? endedAtMs),
    ...(call.ok ? {} : { error: preview(call.response ?? "") }),
  };
}

export function iterationView(record: FoldedIteration, endedAtMs: number): IterationView {
  const indices = record.subcalls;
  const first = indices[0];
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
    // The span holding its sub-calls (a child RLM's rows may sit between them: filter by runId/iteration).
    subcalls:
      first === undefined
        ? { first: 0, count: 0 }
        : { first, count: indices[indices.length - 1]! - first + 1 },
    ...(record.final ? { final: record.final } : {}),
    durationMs: record.durationMs ?? 0,
    endedAtMs: Math.round(record.endedAtMs ?? endedAtMs),
  };
}

export function statusOf(status: string): RunStatus {
  switch (status) {
    case "running":
    case "final":
    case "max-iterations":
    case "budget":
    case "timeout":
    case "aborted":
    case "error":
      return status;
    default:
      return "error";
  }
}

export function treeNode(runs: ReadonlyMap<string, FoldedRun>, runId: string): TreeNode {
  const run = runs.get(runId)!;
  const children = run.children.filter((child) => runs.has(child)).map((child) => treeNode(runs, child));
  return {
    runId,
    parentRunId: run.parentRunId,
    depth: run.depth,
    question: run.question,
    answer: run.answer,
    status: statusOf(run.status),
    iterations: run.iterations.length,
    subcalls: run.own.subcalls,
    sats: toMsat(run.own.sats + children.reduce((sum, child) => sum + child.sats, 0)),
    children,
  };
}

/** Providers worth a row: those that served sub-calls, and market keys that served root turns. */
export function providerTotals(provider: ProviderFold, name: string | undefined): ProviderTotals | undefined {
  const npub = npubOf(provider.provider);
  if (provider.subcalls === 0 && !npub) return undefined; // a local root model is no provider
  return {
    provider: provider.provider,
    ...(name ? { name } : {}),
    ...(npub ? { npub } : {}),
    jobs: provider.subcalls + provider.rootTurns,
    failed: provider.failed,
    sats: toMsat(provider.sats),
    tokens: provider.inputTokens + provider.outputTokens,
    ...(provider.rootTurns > 0 ? { rootTurns: provider.rootTurns } : {}),
    ...(provider.attempts > 0 ? { attempts: provider.attempts, hedges: provider.hedges } : {}),
    ...(provider.answered > 0 ? { meanLatencyMs: Math.round(provider.latencyMs / provider.answered) } : {}),
  };
}
