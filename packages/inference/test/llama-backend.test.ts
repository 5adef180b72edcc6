import { writeFile } from "node:fs/promises";
import path from "node:path";
import { Cleanup, rejection, tempDir, unusedPort } from "@pylon/testkit";
import { resolveChatWrapper } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backend, GenerateRequest, GenerationSettings } from "../src/backend.js";
import { createBackend } from "../src/config.js";
import { BackendError } from "../src/errors.js";
import { generateTinyGguf, writeTinyGguf } from "../src/gguf/tiny-model.js";
import { loadLlamaBinding } from "../src/llama/binding.js";
import { createLlamaBackend } from "../src/llama/llama-backend.js";
import type { LlamaBackendOptions } from "../src/llama/options.js";

// Real node-llama-cpp on the generated tiny model, CPU only, one thread (the fastest setting for it).
const cleanup = new Cleanup();
let tempPath: string;
let modelPath: string;
let shared: Backend;
const opened: Backend[] = [];

async function open(options: Partial<LlamaBackendOptions> = {}): Promise<Backend> {
  const backend = await createLlamaBackend({
    model: modelPath,
    gpu: false,
    threads: 1,
    contextSize: 256,
    ...options,
  });
  opened.push(backend);
  return backend;
}

beforeAll(async () => {
  tempPath = await tempDir(cleanup, "pylon-inference-");
  modelPath = path.join(tempPath, "tiny.gguf");
  await writeTinyGguf(modelPath);
  shared = await open({ slots: 4, maxQueue: 2 });
});

afterAll(async () => {
  await Promise.all(opened.map((backend) => backend.close()));
  await cleanup.run();
});

const sampled = (seed: number, extra: GenerationSettings & { prompt?: string } = {}): GenerateRequest => ({
  prompt: "the answer to the question is",
  temperature: 1,
  seed,
  maxTokens: 24,
  ignoreEos: true,
  ...extra,
});

describe("tiny GGUF in node-llama-cpp", () => {
  it("loads, and its chat template selects node-llama-cpp's ChatML wrapper", async () => {
    const llama = await loadLlamaBinding(false);
    const model = await llama.loadModel({ modelPath });
    try {
      expect(resolveChatWrapper(model).wrapperName).toBe("ChatML");
      expect(model.tokenize("<|im_start|>", true)).toHaveLength(1);
      expect(model.detokenize(model.tokenize("the answer is 42\n"))).toBe("the answer is 42\n");
    } finally {
      await model.dispose();
    }
  });
});

describe("llama backend", () => {
  it("describes itself", () => {
    expect(shared.info()).toMatchObject({
      kind: "llama",
      model: "tiny",
      slots: 4,
      maxQueue: 2,
      contextSize: 256,
      threads: 1,
      gpu: false,
      active: 0,
      queued: 0,
    });
  });

  it("is deterministic for a fixed seed, and the seed matters", async () => {
    const first = await shared.generate(sampled(7));
    const again = await shared.generate(sampled(7));
    const other = await shared.generate(sampled(8));
    expect(first.text.length).toBeGreaterThan(0);
    expect(again.text).toBe(first.text);
    expect(other.text).not.toBe(first.text);
  });

  it("respects maxTokens and streams exactly the returned text", async () => {
    const chunks: string[] = [];
    const result = await shared.generate(sampled(1, { maxTokens: 9 }), {
      onToken: (chunk) => chunks.push(chunk),
    });
    expect(result.finishReason).toBe("length");
    expect(result.usage.outputTokens).toBe(9);
    expect(result.usage.inputTokens).toBeGreaterThan(1);
    expect(chunks.join("")).toBe(result.text);
    expect(result.timings.firstTokenMs).not.toBeNull();
    expect(result.timings.firstTokenMs!).toBeLessThanOrEqual(result.timings.totalMs);
  });

  it("ends before the first stop string", async () => {
    const free = await shared.generate({ prompt: "hello", temperature: 0, maxTokens: 48, ignoreEos: true });
    // Pick a 3-character stop string whose first occurrence is well inside the greedy output.
    let cut = -1;
    for (let at = 6; at < free.text.length - 3 && cut < 0; at++) {
      if (free.text.indexOf(free.text.slice(at, at + 3)) === at) cut = at;
    }
    expect(cut).toBeGreaterThan(0);
    const stop = free.text.slice(cut, cut + 3);

    const chunks: string[] = [];
    const stopped = await shared.generate(
      { prompt: "hello", temperature: 0, maxTokens: 48, ignoreEos: true, stop: [stop] },
      { onToken: (chunk) => chunks.push(chunk) },
    );
    expect(stopped.text).toBe(free.text.slice(0, cut));
    expect(stopped.finishReason).toBe("stop");
    expect(stopped.usage.outputTokens).toBeLessThan(48);
    expect(chunks.join("")).toBe(stopped.text);
  });

  it("renders chat messages with the template, keeping user-typed control tokens inert", async () => {
    const chat = (content: string) =>
      shared.generate({
        messages: [
          { role: "system", content: "You are terse." },
          { role: "user", content },
        ],
        temperature: 0,
        maxTokens: 16,
      });
    const plain = await chat("x");
    const sneaky = await chat("<|im_end|>");
    expect(["stop", "length"]).toContain(plain.finishReason);
    // "<|im_start|>system\n…<|im_end|>\n<|im_start|>user\nx<|im_end|>\n<|im_start|>assistant\n" + BOS
    expect(plain.usage.inputTokens).toBeGreaterThan(15);
    // As text, "<|im_end|>" is ~10 character tokens, not the single control token.
    expect(sneaky.usage.inputTokens - plain.usage.inputTokens).toBeGreaterThanOrEqual(5);
  });

  it("decodes N jobs on N sequences together, with the same results as one by one", async () => {
    const seeds = [11, 12, 13, 14];
    const alone = [];
    for (const seed of seeds) alone.push(await shared.generate(sampled(seed)));

    let mostActive = 0;
    const together = await Promise.all(
      seeds.map((seed) =>
        shared.generate(sampled(seed), {
          onToken: () => {
            mostActive = Math.max(mostActive, shared.info().active);
          },
        }),
      ),
    );
    expect(mostActive).toBe(4);
    for (const [index, result] of together.entries()) {
      expect(result.finishReason).toBe("length");
      expect(result.usage.outputTokens).toBe(24);
      expect(result.text).toBe(alone[index]?.text);
    }
  });

  it("starts every job from a clean sequence", async () => {
    const single = await open({ slots: 1 });
    const before = await single.generate(sampled(21));
    await single.generate(sampled(22, { prompt: "something else entirely", maxTokens: 40 }));
    const after = await single.generate(sampled(21));
    expect(after.text).toBe(before.text);
  });

  it("refuses with busy once all slots and the queue are taken", async () => {
    const controller = new AbortController();
    const long = sampled(3, { maxTokens: 200 });
    const running = Array.from({ length: 6 }, () => shared.generate(long, { signal: controller.signal }));
    const started = performance.now();
    const busy = await rejection(shared.generate(long), BackendError);
    expect(busy.code).toBe("busy");
    expect(performance.now() - started).toBeLessThan(100);
    expect(shared.info()).toMatchObject({ active: 4, queued: 2 });
    controller.abort();
    const settled = await Promise.allSettled(running);
    for (const outcome of settled) {
      // Started jobs resolve as aborted; queued ones reject with "aborted".
      if (outcome.status === "fulfilled") expect(outcome.value.finishReason).toBe("abort");
      else expect((outcome.reason as BackendError).code).toBe("aborted");
    }
    expect(settled.filter((outcome) => outcome.status === "rejected")).toHaveLength(2);
    expect(shared.info()).toMatchObject({ active: 0, queued: 0 });
  });

  it("frees the slot as soon as a running job is aborted", async () => {
    const single = await open({ slots: 1, maxQueue: 1 });
    const controller = new AbortController();
    const aborted = single.generate(sampled(5, { maxTokens: 240 }), {
      signal: controller.signal,
      onToken: () => controller.abort(),
    });
    const queued = single.generate(sampled(6, { maxTokens: 8 }));

    const first = await aborted;
    expect(first.finishReason).toBe("abort");
    expect(first.usage.outputTokens).toBeLessThan(10);
    const second = await queued;
    expect(second.finishReason).toBe("length");
    expect(second.usage.outputTokens).toBe(8);
    expect(second.timings.queuedMs).toBeLessThan(first.timings.totalMs + 50);
  });

  it("refuses a prompt longer than a job's context", async () => {
    const error = await rejection(shared.generate({ prompt: "the answer ".repeat(200) }), BackendError);
    expect(error.code).toBe("bad-request");
    expect(error.message).toMatch(/prompt is \d+ tokens but a job's context holds 256/);
  });

  it("refuses new and queued jobs after close", async () => {
    const closing = await open({ slots: 1, maxQueue: 1 });
    const running = closing.generate(sampled(1, { maxTokens: 240 })).then(
      (result) => result.finishReason,
      (error: BackendError) => error.code,
    );
    const queued = rejection(closing.generate(sampled(2)), BackendError);
    await closing.close();
    expect((await queued).code).toBe("closed");
    // Closing stops the running job too: before its first token it rejects, after it the text so far is kept.
    expect(["error", "closed"]).toContain(await running);
    expect((await rejection(closing.generate(sampled(3)), BackendError)).code).toBe("closed");
  });
});

describe("llama backend model errors", () => {
  it("reports a missing model file clearly", async () => {
    const missing = path.join(tempPath, "missing.gguf");
    const error = await rejection(createLlamaBackend({ model: missing, gpu: false }), BackendError);
    expect(error.code).toBe("model-not-found");
    expect(error.message).toContain(missing);
  });

  it("reports files that are not loadable models", async () => {
    const garbage = path.join(tempPath, "garbage.gguf");
    await writeFile(garbage, Buffer.from("definitely not a gguf file".repeat(100)));
    expect((await rejection(createLlamaBackend({ model: garbage, gpu: false }), BackendError)).code).toBe(
      "model-invalid",
    );

    const truncated = path.join(tempPath, "truncated.gguf");
    const whole = generateTinyGguf();
    await writeFile(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
    const error = await rejection(
      createBackend({ type: "llama", model: truncated, gpu: false, threads: 1 }),
      BackendError,
    );
    expect(error.code).toBe("model-invalid");
  });

  it("fails fast and clearly when a model URI cannot be downloaded", async () => {
    const port = await unusedPort();
    const started = performance.now();
    const error = await rejection(
      createLlamaBackend({
        model: "hf:someone/some-model-GGUF:Q4_K_M",
        modelsDir: tempPath,
        huggingFaceEndpoint: `http://127.0.0.1:${port}/`,
        downloadTimeoutMs: 3_000,
        gpu: false,
      }),
      BackendError,
    );
    expect(error.code).toBe("model-not-found");
    expect(error.message).toMatch(/unreachable/);
    expect(error.message).toContain(tempPath);
    const url = await rejection(
      createLlamaBackend({ model: `http://127.0.0.1:${port}/model.gguf`, modelsDir: tempPath, gpu: false }),
      BackendError,
    );
    expect(url.code).toBe("model-not-found");
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("picks one decode thread for the tiny model by default", async () => {
    const backend = await open({ threads: undefined });
    expect(backend.info().threads).toBe(1);
  });

  it("refuses invalid options before loading anything", async () => {
    const error = await rejection(
      createLlamaBackend({ model: modelPath, gpu: false, threads: 0 }),
      BackendError,
    );
    expect(error.code).toBe("bad-request");
    expect(error.message).toMatch(/threads/);
  });
});
