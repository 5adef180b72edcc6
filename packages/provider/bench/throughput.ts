/**
 * Aggregate tokens/s of 1, 2, 4, 8 concurrent jobs through the whole Nostr path (JobClient → local relay →
 * provider node → llama backend → result back) against raw batched generation on a llama backend in this
 * process, same model and settings. Every job generates exactly --tokens tokens (EOS ignored; the node
 * honours the `ignore_eos` extension param). Raw and Nostr runs alternate, level by level, so that drift on
 * a shared machine hits both alike; each figure is the median of --repeats runs.
 *
 *   npm run bench -w packages/provider -- [--tokens 512] [--concurrency 1,2,4,8] [--repeats 3]
 *     [--threads N] [--model FILE.gguf | --shape tiny|medium-q8|...] [--json FILE]
 *   (= tsx bench/throughput.ts …)
 *
 * Without --model it generates a model of the named shape (@pylon/inference GENERATED_MODEL_SHAPES, default
 * tiny). Threads default to the node's own default (1 for tiny models, else one per core).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  type Backend,
  createLlamaBackend,
  type GenerateRequest,
  generatedModelShape,
  writeTinyGguf,
} from "@pylon/inference";
import { JobClient, RelayPool } from "@pylon/nostr";
import { startRelay } from "@pylon/relay";
import { benchArgs, writeBenchJson } from "@pylon/testkit/bench";
import { generateSecretKey } from "nostr-tools/pure";
import { type RunningProvider, startProvider } from "../src/provider.js";

// threads 0: the node's default; model "": a generated model of --shape.
const { values, json } = benchArgs({
  tokens: 512,
  concurrency: "1,2,4,8",
  repeats: 3,
  threads: 0,
  model: "",
  shape: "tiny",
});
const tokens = positiveInteger(values.tokens, "tokens");
const levels = values.concurrency.split(",").map((level) => positiveInteger(Number(level), "concurrency"));
const repeats = positiveInteger(values.repeats, "repeats");
const threadOption = values.threads === 0 ? {} : { threads: positiveInteger(values.threads, "threads") };
const modelFile = values.model || undefined;
const shape = generatedModelShape(values.shape);
const slots = Math.max(...levels);
const contextSize = tokens + 128;
const PROMPT = "Write a long story about a lighthouse keeper.";
let submitted = 0;

interface Run {
  seconds: number;
  tokensPerSecond: number;
}

const temp = await mkdtemp(path.join(os.tmpdir(), "pylon-provider-bench-"));
const closers: Array<() => unknown> = [() => rm(temp, { recursive: true, force: true })];
try {
  const modelPath = modelFile ?? path.join(temp, `${values.shape}.gguf`);
  if (!modelFile) await writeTinyGguf(modelPath, shape);

  const raw = await createLlamaBackend({ model: modelPath, gpu: false, ...threadOption, slots, contextSize });
  const threads = raw.info().threads;
  closers.push(() => raw.close());
  // verifyThreads 0: on a small machine, signature-verifying workers would compete with the decoder.
  const relay = await startRelay({ port: 0, db: ":memory:", verifyThreads: 0 });
  closers.push(() => relay.close());
  const node = await startProvider({
    relays: [relay.url],
    model: modelPath,
    dataDir: path.join(temp, "node"),
    gpu: false,
    ...threadOption,
    slots,
    queue: slots,
    contextSize,
    maxTokens: tokens,
    free: true,
  });
  closers.push(() => node.stop());
  const pool = new RelayPool([relay.url]);
  closers.push(() => pool.close());
  const client = new JobClient(pool, generateSecretKey(), { timeoutMs: 600_000 });

  // Warm-up: first decodes allocate buffers; the first job also connects everything.
  await rawLevel(raw, 1, 32);
  await nostrLevel(client, node, 1, 32);

  const runs = new Map<number, { raw: Run[]; nostr: Run[] }>(
    levels.map((level) => [level, { raw: [], nostr: [] }]),
  );
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const level of levels) {
      const entry = runs.get(level)!;
      entry.raw.push(await rawLevel(raw, level, tokens));
      entry.nostr.push(await nostrLevel(client, node, level, tokens));
    }
  }

  const rows = levels.map((level) => {
    const entry = runs.get(level)!;
    return { concurrency: level, raw: median(entry.raw), nostr: median(entry.nostr) };
  });
  const single = rows.find((row) => row.concurrency === 1) ?? rows[0]!;
  const table = rows.map((row) => ({
    concurrency: row.concurrency,
    tokens: row.concurrency * tokens,
    rawTokensPerSecond: row.raw.tokensPerSecond,
    nostrTokensPerSecond: row.nostr.tokensPerSecond,
    nostrToRaw: row.nostr.tokensPerSecond / row.raw.tokensPerSecond,
    rawVsSingle: row.raw.tokensPerSecond / single.raw.tokensPerSecond,
    nostrVsSingle: row.nostr.tokensPerSecond / single.nostr.tokensPerSecond,
  }));

  const cpu = os.cpus()[0]?.model ?? "?";
  console.log(
    `\nProvider throughput, ${raw.info().model} (${modelFile ?? `generated ${values.shape} GGUF`}), ${threads} thread(s), ` +
      `${tokens} tokens per job, median of ${repeats}, ${os.cpus().length} CPUs (${cpu}), Node ${process.version}\n`,
  );
  console.log(
    "| concurrent jobs | tokens | raw tok/s | Nostr path tok/s | Nostr / raw | raw vs 1 job | Nostr vs 1 job |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|");
  for (const row of table) {
    console.log(
      `| ${row.concurrency} | ${row.tokens} | ${row.rawTokensPerSecond.toFixed(0)} | ${row.nostrTokensPerSecond.toFixed(0)} | ` +
        `${row.nostrToRaw.toFixed(2)} | ${row.rawVsSingle.toFixed(2)}x | ${row.nostrVsSingle.toFixed(2)}x |`,
    );
  }
  writeBenchJson(json, {
    benchmark: "provider/throughput",
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: cpu, node: process.version },
    model: modelFile ?? `generated:${values.shape}`,
    threads,
    tokensPerJob: tokens,
    repeats,
    rows: table,
  });
} finally {
  for (const close of closers.reverse()) await close();
}

function request(maxTokens: number, seed: number): GenerateRequest {
  const content = `${PROMPT} (${++submitted})`; // the same prompt shape as the Nostr jobs
  return { messages: [{ role: "user", content }], maxTokens, ignoreEos: true, temperature: 1, seed };
}

async function rawLevel(backend: Backend, concurrency: number, maxTokens: number): Promise<Run> {
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: concurrency }, (_, job) => backend.generate(request(maxTokens, job + 1))),
  );
  const seconds = (performance.now() - started) / 1000;
  const generated = results.reduce((sum, result) => sum + result.usage.outputTokens, 0);
  if (generated !== concurrency * maxTokens)
    throw new Error(`raw: ${generated} tokens, expected ${concurrency * maxTokens}`);
  return { seconds, tokensPerSecond: generated / seconds };
}

async function nostrLevel(
  client: JobClient,
  node: RunningProvider,
  concurrency: number,
  maxTokens: number,
): Promise<Run> {
  const before = node.status().tokensGenerated;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, (_, job) =>
      client.submit({
        // Unique per job: an identical request in the same second would be the same event, i.e. the same job.
        prompt: `${PROMPT} (${++submitted})`,
        provider: node.pubkey,
        params: { maxTokens, temperature: 1, seed: job + 1 },
        extraParams: { ignore_eos: "true" },
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const generated = node.status().tokensGenerated - before;
  if (generated !== concurrency * maxTokens)
    throw new Error(`nostr: ${generated} tokens, expected ${concurrency * maxTokens}`);
  return { seconds, tokensPerSecond: generated / seconds };
}

function median(runs: Run[]): Run {
  const sorted = [...runs].sort((a, b) => a.tokensPerSecond - b.tokensPerSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a positive integer, got ${value}`);
  return value;
}
