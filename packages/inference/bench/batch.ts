/**
 * Batched decoding throughput: aggregate tokens/s of 1, 2, 4, 8 concurrent jobs on one llama backend
 * (one context, one sequence per job), every job generating exactly --tokens tokens (EOS ignored).
 *
 *   npm run bench -w packages/inference -- [--tokens 128] [--concurrency 1,2,4,8] [--threads N]
 *     [--repeats 3] [--model FILE.gguf | --shape tiny|medium-q4|medium-q8|medium-f32] [--json FILE]
 *   (or `tsx bench/batch.ts …` in the package)
 *
 * Without --model it generates a model of the named shape (GENERATED_MODEL_SHAPES): "tiny" is the test model
 * (~0.5 MB, per-token overhead dominates); the "medium" ones hold 134M weights, far beyond the CPU caches.
 * Threads default (`--threads 0`) to the node's own default (1 for tiny models, else one per core).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { benchArgs, machine, writeBenchJson } from "@pylon/testkit/bench";
import type { Backend } from "../src/backend.js";
import { generatedModelShape } from "../src/gguf/shapes.js";
import { writeTinyGguf } from "../src/gguf/tiny-model.js";
import { createLlamaBackend } from "../src/llama/llama-backend.js";

interface Row {
  concurrency: number;
  tokens: number;
  seconds: number;
  tokensPerSecond: number;
  perJobTokensPerSecond: number;
  meanFirstTokenMs: number;
  ratioToSingle: number;
}

// `threads` 0: the backend's default; `model` "": a generated model of `shape`.
const { values, json } = benchArgs({
  tokens: 128,
  concurrency: "1,2,4,8",
  threads: 0,
  repeats: 3,
  model: "",
  shape: "tiny",
});

const tokens = positiveInteger(values.tokens, "tokens");
const levels = values.concurrency.split(",").map((level) => positiveInteger(Number(level), "concurrency"));
const threadOption = values.threads === 0 ? {} : { threads: positiveInteger(values.threads, "threads") };
const repeats = positiveInteger(values.repeats, "repeats");
const shape = generatedModelShape(values.shape);
const model = values.model || undefined;

const temp = await mkdtemp(path.join(os.tmpdir(), "pylon-bench-"));
try {
  const modelPath = model ?? path.join(temp, `${values.shape}.gguf`);
  const modelBytes = model ? undefined : await writeTinyGguf(modelPath, shape);
  const prompt = "the answer to the question is";
  const backend = await createLlamaBackend({
    model: modelPath,
    gpu: false,
    ...threadOption,
    slots: Math.max(...levels),
    contextSize: tokens + 64,
  });
  try {
    await runLevel(backend, 1, 16, prompt); // warm-up: first decode allocates buffers
    const rows: Row[] = [];
    for (const level of levels) {
      const runs: Array<Omit<Row, "ratioToSingle">> = [];
      for (let repeat = 0; repeat < repeats; repeat++)
        runs.push(await runLevel(backend, level, tokens, prompt));
      runs.sort((a, b) => a.tokensPerSecond - b.tokensPerSecond);
      const median = runs[Math.floor(runs.length / 2)]!;
      const single = rows.find((row) => row.concurrency === 1)?.tokensPerSecond ?? median.tokensPerSecond;
      rows.push({ ...median, ratioToSingle: median.tokensPerSecond / single });
    }

    const info = backend.info();
    console.log(
      `\nBatched decoding, ${info.model} (${modelBytes ? `${(modelBytes / 1e6).toFixed(1)} MB, generated` : modelPath}), ` +
        `${info.threads} thread(s), ${tokens} tokens per job, median of ${repeats}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"})\n`,
    );
    console.log(
      "| concurrent jobs | tokens | seconds | aggregate tok/s | per-job tok/s | mean first token ms | vs 1 job |",
    );
    console.log("|---:|---:|---:|---:|---:|---:|---:|");
    for (const row of rows) {
      console.log(
        `| ${row.concurrency} | ${row.tokens} | ${row.seconds.toFixed(3)} | ${row.tokensPerSecond.toFixed(0)} | ` +
          `${row.perJobTokensPerSecond.toFixed(0)} | ${row.meanFirstTokenMs.toFixed(1)} | ${row.ratioToSingle.toFixed(2)}x |`,
      );
    }
    writeBenchJson(json, {
      benchmark: "inference/batch",
      date: new Date().toISOString(),
      machine: machine(),
      model: { path: model ?? `generated:${values.shape}`, bytes: modelBytes, name: info.model },
      shape: model ? undefined : values.shape,
      threads: info.threads,
      tokensPerJob: tokens,
      repeats,
      rows,
    });
  } finally {
    await backend.close();
  }
} finally {
  await rm(temp, { recursive: true, force: true });
}

async function runLevel(
  backend: Backend,
  concurrency: number,
  maxTokens: number,
  prompt: string,
): Promise<Omit<Row, "ratioToSingle">> {
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: concurrency }, (_, job) =>
      backend.generate({ prompt, maxTokens, ignoreEos: true, temperature: 1, seed: job + 1 }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const generated = results.reduce((sum, result) => sum + result.usage.outputTokens, 0);
  if (results.some((result) => result.usage.outputTokens !== maxTokens))
    throw new Error("a job stopped early");
  const firstTokens = results.map((result) => result.timings.firstTokenMs ?? 0);
  return {
    concurrency,
    tokens: generated,
    seconds,
    tokensPerSecond: generated / seconds,
    perJobTokensPerSecond: maxTokens / seconds,
    meanFirstTokenMs: firstTokens.reduce((sum, ms) => sum + ms, 0) / firstTokens.length,
  };
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a positive integer, got ${value}`);
  return value;
}
