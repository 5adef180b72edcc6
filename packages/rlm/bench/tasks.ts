/**
 * Benchmark of the benchmark tasks and of the engine around them:
 *
 *   tsx bench/tasks.ts               prints a markdown table
 *   tsx bench/tasks.ts --json FILE   also writes the figures to FILE as JSON
 *
 * Needs the built package (npm run build): the REPL child runs from dist/.
 *
 * Measures how fast each generator builds a 10M-token task, and a SCRIPTED S-NIAH run end to end at 1M
 * tokens (REPL start included): wall time, sub-calls, root iterations. Scripted models answer instantly, so
 * this is the engine's own overhead, not a model's speed.
 */
import { benchArgs, writeBenchJson } from "@pylon/testkit/bench";
import { runBenchmark } from "../src/benchmark/run-benchmark.js";
import { generateTask, TASK_KINDS } from "../src/tasks/generate.js";

const GENERATOR_TOKENS = 10_000_000;
const RUN_TOKENS = 1_000_000;

async function main(): Promise<void> {
  const { json } = benchArgs({});

  const generators: Record<string, { ms: number; chars: number }> = {};
  for (const kind of TASK_KINDS) {
    const started = performance.now();
    const task = generateTask(kind, GENERATOR_TOKENS, 1);
    const ms = performance.now() - started;
    generators[kind] = { ms, chars: typeof task.context === "string" ? task.context.length : 0 };
  }

  const started = performance.now();
  const result = await runBenchmark({
    task: "sniah",
    sizeTokens: RUN_TOKENS,
    seed: 1,
    root: { kind: "scripted" },
    sub: { kind: "scripted" },
  });
  const endToEndMs = performance.now() - started;
  if (result.score !== 1) throw new Error(`scripted S-NIAH answered ${result.answer}, gold ${result.gold}`);

  const figures = {
    generators,
    sniahRun: {
      sizeTokens: RUN_TOKENS,
      endToEndMs,
      rlmMs: result.run.durationMs,
      generateMs: result.generateMs,
      subcalls: result.run.subcalls,
      iterations: result.run.iterations,
      score: result.score,
    },
    node: process.version,
  };

  const row = (metric: string, value: string) => `| ${metric} | ${value} |`;
  console.log(`\nBenchmark tasks and a scripted RLM run, Node ${process.version}\n`);
  console.log("| Metric | Value |\n|---|---|");
  for (const [kind, { ms, chars }] of Object.entries(generators)) {
    console.log(row(`Generate ${kind}, 10M tokens (${(chars / 1e6).toFixed(1)} MB)`, `${ms.toFixed(0)} ms`));
  }
  console.log(
    row("Scripted S-NIAH 1M tokens, end to end (REPL start included)", `${endToEndMs.toFixed(0)} ms`),
  );
  console.log(row("  of which the RLM run", `${result.run.durationMs.toFixed(0)} ms`));
  console.log(row("  sub-calls / root iterations", `${result.run.subcalls} / ${result.run.iterations}`));
  writeBenchJson(json, figures);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
