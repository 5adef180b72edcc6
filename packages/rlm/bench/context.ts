/**
 * Benchmark of the sandboxed REPL with a 10M-token (≈40 MB) context.
 *
 *   tsx bench/context.ts               prints a markdown table
 *   tsx bench/context.ts --json FILE   also writes the figures to FILE as JSON
 *
 * Needs the built package (npm run build): the REPL child runs from dist/.
 *
 * Measures REPL start, context load, trivial-cell round trip (p50 of 50), a cell that scans the whole context,
 * the child's peak RSS, and llm_batch against sequential llm_query for 100 sub-calls of 20 ms each.
 */
import { sleep } from "@pylon/testkit";
import { benchArgs, percentile, writeBenchJson } from "@pylon/testkit/bench";
import { PythonSandbox } from "../src/sandbox/host.js";
import type { BridgeRequest } from "../src/sandbox/types.js";

const CONTEXT_BYTES = 40_000_000;
const TRIVIAL_CELLS = 50;
const SUBCALLS = 100;
const SUBCALL_LATENCY_MS = 20;
const MB = 1024 * 1024;

/** Filler text with one needle in the middle, like an S-NIAH haystack. */
function makeContext(): string {
  const filler = "The quick brown fox jumps over the lazy dog by the river bank. ";
  const half = filler.repeat(Math.ceil(CONTEXT_BYTES / 2 / filler.length));
  return `${half}One of the special magic numbers for blue-otter is: 7203417. ${half}`;
}

/** Every item takes a fixed latency; items of one batch run concurrently, as a real backend would. */
async function fixedLatencyBackend(request: BridgeRequest): Promise<string[]> {
  return Promise.all(
    request.prompts.map(async (prompt) => {
      await sleep(SUBCALL_LATENCY_MS);
      return `answer to ${prompt}`;
    }),
  );
}

async function timed<T>(action: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await action();
  return [value, performance.now() - started];
}

async function expectClean(repl: PythonSandbox, code: string): Promise<string> {
  const result = await repl.run(code);
  if (result.error) throw new Error(`benchmark cell failed: ${result.error.type}: ${result.error.message}`);
  return result.stdout;
}

async function main(): Promise<void> {
  const { json } = benchArgs({});

  const [repl, startMs] = await timed(() => PythonSandbox.start({ onSubcall: fixedLatencyBackend }));
  try {
    const context = makeContext();
    const [info, loadMs] = await timed(() => repl.setContext(context));

    const trivial: number[] = [];
    for (let i = 0; i < TRIVIAL_CELLS; i++) {
      const [, ms] = await timed(() => expectClean(repl, "x = 1"));
      trivial.push(ms);
    }

    const scanCode =
      "import re\nm = re.search(r'magic numbers for blue-otter is: (\\d+)', context)\nprint(m.group(1), context.count('fox'))";
    const [scanOut, scanMs] = await timed(() => expectClean(repl, scanCode));
    if (!scanOut.startsWith("7203417 ")) throw new Error(`scan cell found the wrong needle: ${scanOut}`);

    const prompts = `[f'question {i}' for i in range(${SUBCALLS})]`;
    const [, sequentialMs] = await timed(() => expectClean(repl, `seq = [llm_query(p) for p in ${prompts}]`));
    const [, batchMs] = await timed(() => expectClean(repl, `par = llm_batch(${prompts})`));
    if ((await expectClean(repl, "print(seq == par)")) !== "True\n")
      throw new Error("batch and sequential differ");

    const peakRssMb = repl.stats().peakRssBytes / MB;
    const figures = {
      contextBytes: info.bytes,
      contextChars: info.length,
      startMs,
      loadMs,
      trivialCellP50Ms: percentile(trivial, 0.5),
      trivialCellP95Ms: percentile(trivial, 0.95),
      scanCellMs: scanMs,
      peakRssMb,
      sequentialLlmQueryMs: sequentialMs,
      llmBatchMs: batchMs,
      batchSpeedup: sequentialMs / batchMs,
      networkNamespace: repl.isolation.networkNamespace,
      node: process.version,
    };

    const row = (metric: string, value: string, target = "", ok?: boolean) =>
      `| ${metric} | ${value} | ${target} | ${ok === undefined ? "" : ok ? "yes" : "NO"} |`;
    console.log(
      `Sandboxed Pyodide REPL, ${(info.bytes / 1e6).toFixed(1)} MB context (≈10M tokens), Node ${process.version}\n`,
    );
    console.log("| Metric | Value | Target | Met |\n|---|---|---|---|");
    console.log(row("REPL start", `${startMs.toFixed(0)} ms`));
    console.log(row("Context load (40 MB str)", `${loadMs.toFixed(0)} ms`, "< 5000 ms", loadMs < 5000));
    console.log(
      row(
        "Trivial cell round trip, p50 of 50",
        `${figures.trivialCellP50Ms.toFixed(2)} ms`,
        "< 20 ms",
        figures.trivialCellP50Ms < 20,
      ),
    );
    console.log(row("Trivial cell round trip, p95", `${figures.trivialCellP95Ms.toFixed(2)} ms`));
    console.log(row("Cell scanning the context (regex + count)", `${scanMs.toFixed(0)} ms`));
    console.log(
      row("Peak RSS of the REPL process", `${peakRssMb.toFixed(0)} MB`, "< 1024 MB", peakRssMb < 1024),
    );
    console.log(
      row(
        `${SUBCALLS} × llm_query, sequential (${SUBCALL_LATENCY_MS} ms each)`,
        `${sequentialMs.toFixed(0)} ms`,
      ),
    );
    console.log(row(`llm_batch of ${SUBCALLS}`, `${batchMs.toFixed(0)} ms`));
    console.log(row("llm_batch speed-up", `${figures.batchSpeedup.toFixed(1)}×`));
    writeBenchJson(json, figures);
  } finally {
    await repl.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
