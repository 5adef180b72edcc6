import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeTinyGguf } from "@pylon/inference";
import { foldTrajectory, readTrajectory } from "@pylon/rlm";
import { generateSniah } from "@pylon/rlm/tasks";
import { Cleanup, tempDir } from "@pylon/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CliHarness, expectListed } from "./run-cli.js";

const files = new Cleanup();
const harness = new CliHarness();
let dir: string;
let tinyModel: string;

beforeAll(async () => {
  dir = await tempDir(files, "pylon-run-");
  tinyModel = join(dir, "tiny.gguf");
  // The generated random-weight model: it babbles, so this proves the llama path, not answers.
  await writeTinyGguf(tinyModel, { contextLength: 8192 });
});

afterEach(() => harness.cleanup.run());
afterAll(() => files.run());

/** Runs `pylon …` to its end, all runs sharing one data dir. */
function pylon(args: string[], stdin?: string) {
  return harness.run(args, {
    env: { PYLON_HOME: join(dir, "home") },
    ...(stdin === undefined ? {} : { stdin }),
  });
}

/** Runs `pylon run … --json`, which must succeed, and reads its receipt. */
async function receiptOf<T>(args: string[]): Promise<{ receipt: T; stderr: string }> {
  const { code, stdout, stderr } = await pylon(["run", ...args, "--json"]);
  expect(code, stderr).toBe(0);
  return { receipt: JSON.parse(stdout) as T, stderr };
}

function logLines(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const llamaFlags = () => ["--gpu", "off", "--threads", "1", "--context-size", "8192"];

describe("pylon run", () => {
  it("runs root and sub on a real llama model (the tiny GGUF) and stops cleanly at the iteration cap", async () => {
    const context = join(dir, "notes.txt");
    writeFileSync(context, generateSniah(1024, 3).context.slice(0, 3000));
    const log = join(dir, "llama.jsonl");
    const model = `llama:${tinyModel}`;
    const { receipt, stderr } = await receiptOf<Record<string, unknown>>([
      "What is the special magic number?",
      "--context",
      context,
      "--root",
      model,
      "--sub",
      model,
      ...llamaFlags(),
      "--max-iterations",
      "2",
      "--root-max-tokens",
      "32",
      "--sub-max-tokens",
      "16",
      "--log",
      log,
    ]);
    expect(["max-iterations", "final"]).toContain(receipt.stoppedBy);
    expect(typeof receipt.answer).toBe("string");
    expect(receipt.models).toEqual({ root: model, sub: model });
    expect(receipt.logPath).toBe(log);
    expect(stderr).toMatch(/iteration 1: /);

    const lines = logLines(log);
    expect(lines[0]).toMatchObject({
      type: "run",
      depth: 0,
      models: { root: "llama:tiny", sub: "llama:tiny" },
    });
    expect(lines.at(-1)).toMatchObject({
      type: "final",
      stoppedBy: receipt.stoppedBy,
      answer: receipt.answer,
    });
    const iterations = lines.filter((line) => line.type === "iteration");
    expect(iterations.length).toBeGreaterThanOrEqual(1);
    for (const iteration of iterations) {
      const usage = iteration.usage as { inputTokens: number; outputTokens: number };
      expect(usage.inputTokens).toBeGreaterThan(500); // the real tokenizer counted the whole prompt
      expect(usage.outputTokens).toBeGreaterThan(0);
      expect(usage.outputTokens).toBeLessThanOrEqual(32);
    }
  }, 90_000);

  it("sends sub-calls to a real llama model, with a folder as a list context and a receipt", async () => {
    const folder = join(dir, "docs");
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, "a.txt"), "The quiet harbor keeps its lantern lit.");
    writeFileSync(join(folder, "b.txt"), "One of the special magic numbers for teal-yak is: 4455667.");
    writeFileSync(join(folder, ".hidden"), "skipped");
    const log = join(dir, "scripted-llama.jsonl");
    const { receipt } = await receiptOf<{
      subcalls: number;
      stoppedBy: string;
      usage: { outputTokens: number };
      items: { answered: number };
      providers: { top: unknown[]; each: unknown[] };
    }>([
      "What is the special magic number for teal-yak?",
      "--context",
      folder,
      "--root",
      "scripted",
      "--sub",
      `llama:${tinyModel}`,
      ...llamaFlags(),
      "--sub-max-tokens",
      "8",
      "--log",
      log,
    ]);
    expect(receipt.stoppedBy).toBe("final");
    expect(receipt.subcalls).toBeGreaterThan(0);
    const lines = logLines(log);
    expect(lines[0]).toMatchObject({ context: { type: "list", parts: 2 } });
    // Read back through the shared reader: its sub-calls are the receipt's, answered by the same model.
    const fold = foldTrajectory(await readTrajectory(log));
    expect(fold.subcalls.length).toBe(receipt.subcalls);
    for (const call of fold.subcalls) {
      expect(call).toMatchObject({ provider: "llama:tiny", ok: true, depth: 1 });
      expect(call.usage.outputTokens).toBeGreaterThan(0);
    }
    expect(fold.providers.get("llama:tiny")?.answered).toBe(receipt.items.answered);
    // The receipt's per-provider lines are the log's fold, and agree with its meter.
    expect(receipt.providers.each).toEqual([
      expect.objectContaining({
        provider: "llama:tiny",
        answered: receipt.items.answered,
        failed: 0,
        sats: 0,
      }),
    ]);
    expect(receipt.providers.top).toEqual([{ provider: "llama:tiny", answered: receipt.items.answered }]);
  }, 90_000);

  it("reads the context from stdin and prints only the answer on stdout", async () => {
    const { code, stdout } = await pylon(
      [
        "run",
        "What is the special magic number for ochre-ibis?",
        "--context",
        "-",
        "--root",
        "scripted",
        "--quiet",
      ],
      "Filler text. One of the special magic numbers for ochre-ibis is: 1234567. More filler.",
    );
    expect(code).toBe(0);
    expect(stdout).toBe("One of the special magic numbers for ochre-ibis is: 1234567.\n");
  }, 60_000);

  it("prints the answer and then a receipt; --resume <run> runs it again from its saved question and context", async () => {
    const context = join(dir, "resume.txt");
    writeFileSync(
      context,
      "Filler. One of the special magic numbers for amber-owl is: 7654321. More filler.",
    );
    const question = "What is the special magic number for amber-owl?";
    const first = await pylon(["run", question, "--context", context, "--root", "scripted"]);
    expect(first.code, first.stderr).toBe(0);
    const [answer, blank, ...receipt] = first.stdout.trimEnd().split("\n");
    expect(answer).toBe("One of the special magic numbers for amber-owl is: 7654321.");
    expect(blank).toBe("");
    expect(receipt[0]).toBe("--- receipt ---");
    expect(receipt.map((line) => line.split(/\s{2,}/)[0])).toEqual([
      "--- receipt ---",
      "run",
      "stopped by",
      "sub-calls",
      "providers",
      "sats",
      "time",
      "log",
    ]);
    const runId = /^run\s+(\S+) \(resume: pylon run --resume \1\)$/m.exec(first.stdout)?.[1];
    expect(runId).toBeDefined();
    expect(first.stdout).toMatch(/^stopped by\s+final after 3 root iteration\(s\)/m);
    expect(first.stdout).toMatch(/^sub-calls\s+1 \(1 dispatched here: 1 answered, 0 failed\)$/m);
    expect(first.stderr).toMatch(/^pylon: [\d.]+s \| iteration \d \| sub-calls \d+ dispatched/m);
    const logPath = /^log\s+(\S+)$/m.exec(first.stdout)?.[1];

    // Only the run id: the question, the context file and the log come from the run's manifest.
    const again = await pylon(["run", "--resume", runId!, "--json"]);
    expect(again.code, again.stderr).toBe(0);
    const resumed = JSON.parse(again.stdout) as { answer: string; run: string; logPath: string };
    expect(resumed).toMatchObject({ answer, run: runId, logPath });
  }, 120_000);

  it("lists the market flags in --help and refuses a resume of an unknown run without a question", async () => {
    const help = await pylon(["run", "--help"]);
    expect(help.code).toBe(0);
    expectListed(help.stdout, [
      "--relay <url>",
      "--mint <url>",
      "--budget <sats>",
      "--max-price <sats>",
      "--resume <run>",
    ]);
    expect(help.stdout).not.toContain("--swarm-run"); // the old name still works, unlisted
    const unknown = await pylon(["run", "--resume", "no-such-run", "--context", "-"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("a question is needed");
  });

  it("stops before any work when no root model is named: no scripted stand-in answers a real question", async () => {
    const context = join(dir, "no-root.txt");
    writeFileSync(context, "One of the special magic numbers for grey-heron is: 1122334.");
    const home = join(dir, "no-root-home");
    const { code, stdout, stderr } = await harness.run(["run", "What is the number?", "--context", context], {
      env: { PYLON_HOME: home },
    });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    const lines = stderr.trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(/^pylon: no root model: name one with --root openai:MODEL/),
    ]);
    expect(lines[0]).toContain("--root llama:PATH (a local GGUF file)");
    expect(lines[0]).toContain("--root scripted");
    expect(stderr).not.toContain("resume with");
    expect(existsSync(join(home, "runs"))).toBe(false); // no run recorded, nothing started
  });

  it("offers no resume for a run that never started (its model could not be opened)", async () => {
    const missing = join(dir, "no-such-model.gguf");
    const { code, stderr } = await pylon(
      ["run", "q", "--context", "-", "--root", `llama:${missing}`],
      "text",
    );
    expect(code).toBe(1);
    expect(stderr).toContain(missing);
    expect(stderr).not.toContain("resume with");
  });

  it("rejects an unknown model spec before doing any work", async () => {
    const { code, stderr } = await pylon(["run", "q", "--context", "-", "--root", "gpt-5"]);
    expect(code).not.toBe(0);
    expect(stderr).toContain("openai:MODEL, llama:PATH, swarm:MODEL (swarm: = any) or scripted");
  });
});

describe("pylon bench rlm", () => {
  it("generates S-NIAH and OOLONG-Pairs tasks and scores scripted runs against the exact gold", async () => {
    const sniah = await pylon([
      "bench",
      "rlm",
      "--task",
      "sniah",
      "--size",
      "32k",
      "--samples",
      "2",
      "--seed",
      "5",
      "--json",
      "--quiet",
    ]);
    expect(sniah.code, sniah.stderr).toBe(0);
    const report = JSON.parse(sniah.stdout) as {
      meanScore: number;
      runs: Array<{ seed: number; score: number; subcalls: number }>;
    };
    expect(report.runs.map((r) => r.seed)).toEqual([5, 6]);
    expect(report.meanScore).toBe(1);
    expect(report.runs.every((r) => r.subcalls >= 2)).toBe(true);

    const pairs = await pylon(["bench", "rlm", "--task", "pairs", "--size", "16k", "--seed", "3", "--quiet"]);
    expect(pairs.code, pairs.stderr).toBe(0);
    expect(pairs.stdout).toMatch(/pairs 16384 seed 3: score 1\.000 \|/);
    expect(pairs.stdout).toMatch(/mean score 1\.000 over 1 task/);
  }, 90_000);
});
