/**
 * Shared set-up for the root-loop tests: SCRIPTED models (deterministic stand-ins that capture what they
 * were sent) and one REPL pool per test file, so Pyodide starts once or twice, not once per run.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Backend, ChatMessage, GenerateRequest } from "@pylon/inference";
import {
  createScriptedBackend,
  type ScriptedBackendOptions,
  type ScriptedResponder,
} from "@pylon/inference/scripted";
import { Cleanup, tempDir } from "@pylon/testkit";
import { afterAll, beforeAll } from "vitest";
import { foldTrajectory } from "../src/log/fold.js";
import type { FoldedSubcall } from "../src/log/fold-types.js";
import type { TrajectoryRecord } from "../src/log/records.js";
import { runRlm } from "../src/loop/run-rlm.js";
import { SandboxPool } from "../src/loop/sandbox-pool.js";
import type { RlmOptions } from "../src/loop/settings.js";
import { backendSubcalls } from "../src/subcalls/backend-subcalls.js";
import type { SubcallBackend, SubcallRequest, SubcallResult } from "../src/subcalls/types.js";

export interface ScriptedModel {
  backend: Backend;
  /** Every conversation the model was sent, in call order. */
  calls: ChatMessage[][];
}

/** A scripted root: a list of replies in order, or a function of the request. */
export function scriptedRoot(responses: readonly string[] | ScriptedResponder): ScriptedModel {
  const calls: ChatMessage[][] = [];
  const replies = responses;
  const backend = createScriptedBackend({
    name: "root",
    responses: (request: GenerateRequest, index: number) => {
      calls.push((request.messages ?? []).map((m) => ({ ...m })));
      if (typeof replies === "function") return replies(request, index);
      return replies[index] ?? "FINAL(out of script)";
    },
  });
  return { backend, calls };
}

/** A scripted sub model answering from the text of each prompt. */
export function scriptedSub(
  answer: (prompt: string, request: GenerateRequest) => string,
  options: Partial<ScriptedBackendOptions> & { concurrency?: number } = {},
): { sub: SubcallBackend; backend: Backend } {
  const { concurrency, ...backendOptions } = options;
  const backend = createScriptedBackend({
    name: "sub",
    slots: 16,
    maxQueue: 10_000,
    ...backendOptions,
    responses: (request) => answer(promptOf(request), request),
  });
  return { sub: backendSubcalls(backend, { concurrency: concurrency ?? 16 }), backend };
}

export function promptOf(request: GenerateRequest): string {
  return request.prompt ?? (request.messages ?? []).map((m) => m.content).join("\n\n");
}

/** Wraps a SubcallBackend to record the most sub-calls it ever had in flight. */
export function measuringPeak(inner: SubcallBackend): SubcallBackend & { peak: () => number } {
  let active = 0;
  let peak = 0;
  return {
    name: inner.name,
    peak: () => peak,
    complete: async (requests: SubcallRequest[], signal: AbortSignal): Promise<SubcallResult[]> => {
      active += requests.length;
      peak = Math.max(peak, active);
      try {
        return await inner.complete(requests, signal);
      } finally {
        active -= requests.length;
      }
    },
  };
}

export function readLog(file: string): TrajectoryRecord[] {
  const text = readFileSync(file, "utf8");
  expectWholeLines(text);
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as TrajectoryRecord);
}

/** The log's sub-calls, flat in finish order; with `where`, only those matching it. */
export function subcallsOf(
  log: TrajectoryRecord[],
  where: (call: FoldedSubcall) => boolean = () => true,
): FoldedSubcall[] {
  return foldTrajectory(log).subcalls.filter(where);
}

function expectWholeLines(text: string): void {
  if (text.length > 0 && !text.endsWith("\n")) throw new Error("the log ends in the middle of a line");
}

export interface Harness {
  pool: SandboxPool;
  dir: string;
  logFile(name: string): string;
  run(options: Omit<RlmOptions, "sandboxes">): ReturnType<typeof runRlm>;
  /** A run on a task's question and context. */
  runOn(
    task: { question: string; context: RlmOptions["context"] },
    options: Omit<RlmOptions, "sandboxes" | "question" | "context">,
  ): ReturnType<typeof runRlm>;
}

/** A REPL pool and a log folder, both closed at cleanup. */
export async function createHarness(cleanup: Cleanup): Promise<Harness> {
  const pool = cleanup.use(new SandboxPool({ cellTimeoutMs: 20_000, memoryLimitMb: 1024 }), (p) => p.close());
  const dir = await tempDir(cleanup, "pylon-rlm-");
  let logs = 0;
  const run: Harness["run"] = (options) => runRlm({ ...options, sandboxes: pool });
  return {
    pool,
    dir,
    logFile: (name) => path.join(dir, `${++logs}-${name}.jsonl`),
    run,
    runOn: (task, options) => run({ ...options, question: task.question, context: task.context }),
  };
}

/** One harness per test file: created before its tests, closed after them. */
export function useHarness(): Harness {
  const cleanup = new Cleanup();
  const harness = {} as Harness;
  beforeAll(async () => {
    Object.assign(harness, await createHarness(cleanup));
  });
  afterAll(() => cleanup.run());
  return harness;
}
