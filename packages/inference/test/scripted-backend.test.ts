import { rejection } from "@pylon/testkit";
import { describe, expect, it } from "vitest";
import type { GenerateRequest } from "../src/backend.js";
import { createBackend } from "../src/config.js";
import { BackendError } from "../src/errors.js";
import { createScriptedBackend } from "../src/scripted/scripted-backend.js";

describe("scripted backend", () => {
  it("declares itself scripted and consumes a list of replies in order", async () => {
    const backend = createScriptedBackend({ responses: ["first", "second"], name: "list" });
    expect(backend.kind).toBe("scripted");
    expect(backend.info().name).toContain("scripted");
    expect((await backend.generate({ prompt: "a" })).text).toBe("first");
    expect((await backend.generate({ prompt: "b" })).text).toBe("second");
    const exhausted = await rejection(backend.generate({ prompt: "c" }), BackendError);
    expect(exhausted.code).toBe("internal");
    expect(exhausted.message).toMatch(/ran out of responses after 2/);
    await backend.close();
  });

  it("answers deterministically from a function of the request", async () => {
    const seen: GenerateRequest[] = [];
    const backend = createScriptedBackend({
      responses: (request) => {
        seen.push(request);
        return `echo: ${request.messages?.at(-1)?.content ?? request.prompt}`;
      },
    });
    const request = { messages: [{ role: "user" as const, content: "ping" }], seed: 3 };
    const first = await backend.generate(request);
    const second = await backend.generate(request);
    expect(first.text).toBe("echo: ping");
    expect(second.text).toBe(first.text);
    expect(seen[0]).toMatchObject({ seed: 3, messages: [{ role: "user", content: "ping" }] });
    await backend.close();
  });

  it("streams 4-character tokens and estimates usage at 4 characters per token", async () => {
    const backend = createScriptedBackend({ responses: () => "abcdefghij" });
    const chunks: string[] = [];
    const result = await backend.generate({ prompt: "12345" }, { onToken: (chunk) => chunks.push(chunk) });
    expect(chunks).toEqual(["abcd", "efgh", "ij"]);
    expect(result.usage).toEqual({ inputTokens: 2, outputTokens: 3 });
    expect(result.finishReason).toBe("stop");
    expect(result.timings.firstTokenMs).not.toBeNull();
    expect(result.timings.firstTokenMs!).toBeLessThanOrEqual(result.timings.totalMs);
    await backend.close();
  });

  it("honours maxTokens and stop strings like a model would", async () => {
    const backend = createScriptedBackend({ responses: () => "The answer is 42. Anything else?" });
    const short = await backend.generate({ prompt: "q", maxTokens: 2 });
    expect(short).toMatchObject({ text: "The answ", finishReason: "length", usage: { outputTokens: 2 } });
    const stopped = await backend.generate({ prompt: "q", stop: [". "] });
    expect(stopped).toMatchObject({ text: "The answer is 42", finishReason: "stop" });
    await backend.close();
  });

  it("waits the fixed latency, and an abort during it ends the job at once", async () => {
    const backend = createScriptedBackend({ responses: () => "late", latencyMs: 60 });
    const timed = await backend.generate({ prompt: "q" });
    expect(timed.timings.totalMs).toBeGreaterThanOrEqual(55);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    const started = performance.now();
    const aborted = await backend.generate({ prompt: "q" }, { signal: controller.signal });
    expect(aborted).toMatchObject({ text: "", finishReason: "abort" });
    expect(performance.now() - started).toBeLessThan(55);
    await backend.close();
  });

  it("draws the latency per call when given a function of the request", async () => {
    const asked: Array<[string | undefined, number]> = [];
    const backend = createScriptedBackend({
      responses: () => "drawn",
      latencyMs: (request, call) => {
        asked.push([request.prompt, call]);
        return request.prompt === "slow" ? 80 : 0;
      },
    });
    const fast = await backend.generate({ prompt: "fast" });
    const slow = await backend.generate({ prompt: "slow" });
    expect(asked).toEqual([
      ["fast", 0],
      ["slow", 1],
    ]);
    expect(slow.timings.totalMs).toBeGreaterThanOrEqual(75);
    expect(fast.timings.totalMs).toBeLessThan(slow.timings.totalMs);
    expect(slow.text).toBe("drawn");
    await backend.close();
  });

  it("injects failures by call", async () => {
    const backend = createScriptedBackend({
      responses: () => "fine",
      fail: (_request, call) => (call === 1 ? "upstream" : undefined),
    });
    expect((await backend.generate({ prompt: "a" })).text).toBe("fine");
    const failed = await rejection(backend.generate({ prompt: "b" }), BackendError);
    expect(failed.code).toBe("upstream");
    expect(failed.retryable).toBe(true);
    expect((await backend.generate({ prompt: "c" })).text).toBe("fine");
    await backend.close();
  });

  it("survives an onToken callback that throws", async () => {
    const backend = createScriptedBackend({ responses: () => "abcdefgh" });
    const result = await backend.generate(
      { prompt: "q" },
      {
        onToken: () => {
          throw new Error("consumer bug");
        },
      },
    );
    expect(result.finishReason).toBe("error");
    expect(result.error?.code).toBe("internal");
    expect(result.error?.message).toMatch(/consumer bug/);
    expect(result.text).toBe("abcd");
    expect(backend.info().active).toBe(0);
    expect((await backend.generate({ prompt: "q" })).text).toBe("abcdefgh");
    await backend.close();
  });

  it("queues beyond its slots, refuses beyond its queue, and closes cleanly", async () => {
    const backend = createScriptedBackend({
      responses: () => "slow reply",
      latencyMs: 30,
      slots: 1,
      maxQueue: 1,
    });
    const running = backend.generate({ prompt: "1" });
    const queued = backend.generate({ prompt: "2" });
    expect((await rejection(backend.generate({ prompt: "3" }), BackendError)).code).toBe("busy");
    expect(backend.info()).toMatchObject({ active: 1, queued: 1, slots: 1, maxQueue: 1 });
    await Promise.all([running, queued]);

    const blocked = backend.generate({ prompt: "4" });
    const waiting = backend.generate({ prompt: "5" });
    await backend.close();
    expect((await rejection(waiting, BackendError)).code).toBe("closed");
    await rejection(blocked, BackendError).then((error) => expect(error.code).toBe("closed"));
    expect((await rejection(backend.generate({ prompt: "6" }), BackendError)).code).toBe("closed");
  });

  it("is built by createBackend from a config object, which refuses unknown types", async () => {
    const backend = await createBackend({ type: "scripted", responses: ["configured"] });
    expect((await backend.generate({ prompt: "x" })).text).toBe("configured");
    await backend.close();
    const unknown = await rejection(createBackend({ type: "magic" } as never), BackendError);
    expect(unknown.code).toBe("bad-request");
  });

  it("rejects invalid requests before taking a slot", async () => {
    const backend = createScriptedBackend({ responses: () => "x" });
    const error = await rejection(backend.generate({ prompt: "a", temperature: 9 }), BackendError);
    expect(error.code).toBe("bad-request");
    expect(backend.info().active).toBe(0);
    await backend.close();
  });
});
