/**
 * Runs one benchmark task end to end: generate it from the seed, answer it with an RLM, score the answer
 * against the exact gold. `scripted` models are the task's SCRIPTED solver and oracle (engine checks); real
 * models (`openai:`, `llama:`) reproduce the paper's setting.
 */
import type { ScriptedResponder } from "@pylon/inference/scripted";
import { type RlmResult, runRlm } from "../loop/run-rlm.js";
import { RLM_DEFAULTS, type RlmOptions } from "../loop/settings.js";
import type { ModelSpec } from "../models/model-spec.js";
import { type ModelSettings, openModels } from "../models/open-models.js";
import { classifyRoot } from "../scripted/classify-root.js";
import { mapReduceRoot } from "../scripted/map-reduce-root.js";
import type { SubcallBackend } from "../subcalls/types.js";
import { generateTask } from "../tasks/generate.js";
import type { OolongTask } from "../tasks/oolong.js";
import type { PairsTask } from "../tasks/oolong-pairs.js";
import type { BenchTask, TaskKind } from "../tasks/task.js";

export interface BenchmarkOptions {
  task: TaskKind;
  sizeTokens: number;
  seed: number;
  root: ModelSpec;
  sub: ModelSpec | SubcallBackend;
  models?: Omit<ModelSettings, "scripted">;
  /** Everything of runRlm except what the task and the models provide. */
  rlm?: Omit<RlmOptions, "question" | "context" | "root" | "sub">;
}

export interface BenchmarkResult {
  task: TaskKind;
  sizeTokens: number;
  seed: number;
  question: string;
  gold: string;
  answer: string | null;
  /** The paper's metric for the task, in [0, 1]. */
  score: number;
  generateMs: number;
  run: RlmResult;
}

/** The SCRIPTED root that solves `task` (map-reduce for S-NIAH, label-then-aggregate for OOLONG tasks). */
export function scriptedSolver(task: BenchTask, chunkChars: number): ScriptedResponder {
  if (task.kind === "sniah") return mapReduceRoot({ question: task.question, chunkChars });
  return classifyRoot({ spec: (task as OolongTask | PairsTask).spec, chunkChars });
}

export async function runBenchmark(options: BenchmarkOptions): Promise<BenchmarkResult> {
  const started = performance.now();
  const task = generateTask(options.task, options.sizeTokens, options.seed);
  const generateMs = performance.now() - started;
  const chunkChars = options.rlm?.subcallChars ?? RLM_DEFAULTS.subcallChars;
  const models = await openModels(options.root, options.sub, {
    ...options.models,
    scripted: { root: scriptedSolver(task, chunkChars), sub: (request) => task.oracle(promptText(request)) },
  });
  try {
    const run = await runRlm({
      ...options.rlm,
      question: task.question,
      context: task.context,
      root: models.root,
      sub: models.sub,
    });
    return {
      task: task.kind,
      sizeTokens: task.sizeTokens,
      seed: task.seed,
      question: task.question,
      gold: task.gold,
      answer: run.answer,
      score: task.score(run.answer),
      generateMs,
      run,
    };
  } finally {
    await models.close();
  }
}

function promptText(request: Parameters<ScriptedResponder>[0]): string {
  return request.prompt ?? request.messages?.map((message) => message.content).join("\n\n") ?? "";
}
