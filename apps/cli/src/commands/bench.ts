import { SandboxPool } from "@pylon/rlm";
import { type BenchmarkResult, runBenchmark, type TaskKind } from "@pylon/rlm/tasks";
import { Command } from "commander";
import { dataDir, oneOf, parsePositiveInt, parseSeed } from "../options.js";
import {
  addRlmOptions,
  modelSettings,
  parseTokenCount,
  type RlmCliOptions,
  rlmSettings,
  subcallsFor,
} from "../rlm-options.js";
import { newLogFile } from "../run/manifest.js";
import { printRecords } from "../run/record-line.js";
import { abortOnSignals } from "../run/signals.js";

const TASKS = ["sniah", "oolong", "pairs"] as const satisfies readonly TaskKind[];

interface BenchRlmOptions extends RlmCliOptions {
  task: TaskKind;
  size: number;
  seed: number;
  samples: number;
}

function short(text: string | null, limit = 60): string {
  if (text === null) return "(none)";
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > limit ? `${line.slice(0, limit - 1)}…` : line;
}

function summary(options: BenchRlmOptions, results: BenchmarkResult[]) {
  const mean = (pick: (r: BenchmarkResult) => number) =>
    results.reduce((sum, r) => sum + pick(r), 0) / Math.max(1, results.length);
  return {
    task: options.task,
    sizeTokens: options.size,
    samples: results.length,
    meanScore: mean((r) => r.score),
    meanSeconds: mean((r) => r.run.durationMs / 1000),
    meanSubcalls: mean((r) => r.run.subcalls),
    meanCostSats: mean((r) => r.run.cost.sats),
    meanTokens: mean((r) => r.run.usage.inputTokens + r.run.usage.outputTokens),
  };
}

function benchRlmCommand(): Command {
  const command = new Command("rlm")
    .description(
      "run the paper's long-context tasks (generated offline, exact gold answers) and score the answers",
    )
    .requiredOption("--task <task>", `${TASKS.join(" | ")}`, oneOf(TASKS))
    .option("--size <tokens>", "context size in tokens, 4 characters each (8k … 10m)", parseTokenCount, 8192)
    .option("--seed <n>", "first seed; sample i uses seed + i", parseSeed, 1)
    .option("--samples <n>", "tasks to run (one per seed)", parsePositiveInt, 1);
  return addRlmOptions(command).action(async (opts: BenchRlmOptions) => {
    const controller = new AbortController();
    const stopListening = abortOnSignals(controller);
    // One pool for all samples: REPL processes are started once, not per task.
    const sandboxes = new SandboxPool();
    const results: BenchmarkResult[] = [];
    try {
      for (let i = 0; i < opts.samples && !controller.signal.aborted; i++) {
        const seed = opts.seed + i;
        const logFile = opts.log
          ? opts.log.replace(/(\.jsonl)?$/, opts.samples > 1 ? `-${seed}.jsonl` : ".jsonl")
          : newLogFile(dataDir());
        const result = await runBenchmark({
          task: opts.task,
          sizeTokens: opts.size,
          seed,
          root: opts.root,
          sub: subcallsFor(opts),
          models: modelSettings(opts, undefined),
          rlm: {
            ...rlmSettings(opts),
            ...(opts.quiet ? {} : { onRecord: printRecords() }),
            logFile,
            sandboxes,
            signal: controller.signal,
          },
        });
        results.push(result);
        if (!opts.json) {
          const { run } = result;
          console.log(
            `${opts.task} ${opts.size} seed ${seed}: score ${result.score.toFixed(3)} | answer ${short(result.answer)} | gold ${short(result.gold)} | ${(run.durationMs / 1000).toFixed(1)} s, ${run.iterations} iterations, ${run.subcalls} sub-calls, ${run.usage.inputTokens + run.usage.outputTokens} tokens, ${run.cost.sats.toFixed(2)} sats, stopped by ${run.stoppedBy}`,
          );
        }
      }
      const totals = summary(opts, results);
      if (opts.json) {
        console.log(
          JSON.stringify(
            {
              ...totals,
              runs: results.map((r) => ({
                seed: r.seed,
                score: r.score,
                answer: r.answer,
                gold: r.gold,
                stoppedBy: r.run.stoppedBy,
                iterations: r.run.iterations,
                subcalls: r.run.subcalls,
                usage: r.run.usage,
                cost: r.run.cost,
                durationMs: Math.round(r.run.durationMs),
                generateMs: Math.round(r.generateMs),
                logPath: r.run.logPath,
              })),
            },
            null,
            2,
          ),
        );
      } else {
        console.log(
          `mean score ${totals.meanScore.toFixed(3)} over ${totals.samples} task(s); ${totals.meanSeconds.toFixed(1)} s, ${totals.meanSubcalls.toFixed(0)} sub-calls, ${totals.meanCostSats.toFixed(2)} sats per task`,
        );
      }
    } finally {
      stopListening();
      await sandboxes.close();
    }
  });
}

export function benchCommand(): Command {
  return new Command("bench").description("benchmarks").addCommand(benchRlmCommand());
}
