import { rejection, unusedPort } from "@pylon/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "../src/backend.js";
import { BackendError } from "../src/errors.js";
import { createOpenAIBackend, type OpenAIBackendOptions } from "../src/openai/openai-backend.js";
import {
  contentChunk,
  finishChunk,
  type OpenAIFixture,
  sendJsonError,
  sendSse,
  startOpenAIFixture,
  usageChunk,
} from "./helpers/openai-fixture.js";

let fixture: OpenAIFixture;
const backends: Backend[] = [];

beforeAll(async () => {
  fixture = await startOpenAIFixture();
});
afterEach(async () => {
  await Promise.all(backends.splice(0).map((backend) => backend.close()));
});
afterAll(async () => {
  await fixture.close();
});

function backend(options: Partial<OpenAIBackendOptions> = {}): Backend {
  const created = createOpenAIBackend({
    baseURL: fixture.baseURL,
    apiKey: "sk-test",
    model: "fixture-model",
    retryDelayMs: 1,
    ...options,
  });
  backends.push(created);
  return created;
}

describe("openai backend against an OpenAI-format fixture server (stand-in for a foreign API)", () => {
  it("streams chat completions and reports the server's usage", async () => {
    fixture.reply((_request, response) =>
      sendSse(response, [
        contentChunk("Hel"),
        contentChunk("lo "),
        contentChunk("world"),
        finishChunk("stop"),
        usageChunk(11, 3),
      ]),
    );
    const chunks: string[] = [];
    const result = await backend().generate(
      {
        messages: [
          { role: "system", content: "be brief" },
          { role: "user", content: "hi" },
        ],
        maxTokens: 50,
        temperature: 0.2,
        topP: 0.9,
        topK: 20,
        seed: 7,
        stop: ["###"],
      },
      { onToken: (chunk) => chunks.push(chunk) },
    );

    expect(result).toMatchObject({ text: "Hello world", finishReason: "stop", model: "fixture-model" });
    expect(result.usage).toEqual({ inputTokens: 11, outputTokens: 3 });
    expect(chunks.join("")).toBe("Hello world");
    expect(chunks.length).toBeGreaterThanOrEqual(2);

    const [request] = fixture.requests;
    expect(request?.url).toBe("/v1/chat/completions");
    expect(request?.headers.authorization).toBe("Bearer sk-test");
    expect(request?.body).toEqual({
      model: "fixture-model",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
      ],
      max_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      top_p: 0.9,
      top_k: 20,
      seed: 7,
      stop: ["###"],
    });
  });

  it("sends a raw prompt as one user message and maps finish_reason length", async () => {
    fixture.reply((_request, response) => sendSse(response, [contentChunk("abc"), finishChunk("length")]));
    const result = await backend({ maxTokensField: "max_completion_tokens" }).generate({
      prompt: "go",
      maxTokens: 1,
    });
    expect(result.finishReason).toBe("length");
    expect(fixture.requests[0]?.body).toMatchObject({
      messages: [{ role: "user", content: "go" }],
      max_completion_tokens: 1,
    });
    // No usage chunk from this server: prompt chars / 4 and one token per streamed chunk.
    expect(result.usage).toEqual({ inputTokens: 1, outputTokens: 1 });
  });

  it("applies stop strings itself and hangs up instead of reading the rest", async () => {
    fixture.reply((_request, response) =>
      sendSse(response, [contentChunk("answer: 42"), contentChunk("\nEND"), contentChunk(" more")], {
        delayMs: 20,
      }),
    );
    const result = await backend().generate({ prompt: "q", stop: ["\nEND"] });
    expect(result).toMatchObject({ text: "answer: 42", finishReason: "stop" });
    await expect.poll(() => fixture.hangups).toBeGreaterThanOrEqual(1);
  });

  it("maps HTTP errors to codes without retrying client errors", async () => {
    fixture.reply((_request, response) => sendJsonError(response, 401, "bad key"));
    const auth = await rejection(backend().generate({ prompt: "x" }), BackendError);
    expect(auth).toMatchObject({ code: "auth", status: 401 });
    expect(auth.message).toMatch(/bad key/);
    expect(fixture.requests).toHaveLength(1);

    fixture.reply((_request, response) => sendJsonError(response, 400, "max_tokens is too large"));
    const bad = await rejection(backend().generate({ prompt: "x" }), BackendError);
    expect(bad.code).toBe("bad-request");
    expect(bad.message).toMatch(/max_tokens is too large/);

    fixture.reply((_request, response) => sendJsonError(response, 404, "no such model"));
    expect((await rejection(backend().generate({ prompt: "x" }), BackendError)).code).toBe("model-not-found");
  });

  it("retries 429 and 5xx a bounded number of times, honouring Retry-After", async () => {
    fixture.reply(
      (_request, response) => sendJsonError(response, 429, "slow down", { "retry-after": "0" }),
      (_request, response) => sendJsonError(response, 503, "overloaded"),
      (_request, response) => sendSse(response, [contentChunk("ok"), finishChunk("stop")]),
    );
    expect((await backend().generate({ prompt: "x" })).text).toBe("ok");
    expect(fixture.requests).toHaveLength(3);

    fixture.reply((_request, response) => sendJsonError(response, 502, "bad gateway"));
    const failed = await rejection(backend({ maxRetries: 2 }).generate({ prompt: "x" }), BackendError);
    expect(failed).toMatchObject({ code: "upstream", status: 502 });
    expect(fixture.requests).toHaveLength(3);

    fixture.reply((_request, response) => sendJsonError(response, 429, "quota"));
    expect((await rejection(backend({ maxRetries: 0 }).generate({ prompt: "x" }), BackendError)).code).toBe(
      "rate-limited",
    );
    expect(fixture.requests).toHaveLength(1);
  });

  it("aborts mid-stream: resolves with the partial text and closes the connection", async () => {
    fixture.reply((_request, response) =>
      sendSse(
        response,
        Array.from({ length: 200 }, (_, i) => contentChunk(`t${i} `)),
        { delayMs: 10 },
      ),
    );
    const controller = new AbortController();
    const chunks: string[] = [];
    const result = await backend().generate(
      { prompt: "long" },
      {
        signal: controller.signal,
        onToken: (chunk) => {
          chunks.push(chunk);
          if (chunks.length === 2) controller.abort();
        },
      },
    );
    expect(result.finishReason).toBe("abort");
    expect(result.text).toBe("t0 t1 ");
    expect(result.usage.outputTokens).toBe(2);
    await expect.poll(() => fixture.hangups).toBeGreaterThanOrEqual(1);
  });

  it("keeps partial text when the stream breaks, and rejects when it breaks before any text", async () => {
    fixture.reply(async (_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write(`data: ${JSON.stringify(contentChunk("partial"))}\n\n`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      response.destroy();
    });
    // Retries are allowed, but never once text has streamed: that would repeat it.
    const broken = await backend({ maxRetries: 2 }).generate({ prompt: "x" });
    expect(broken).toMatchObject({ text: "partial", finishReason: "error" });
    expect(broken.error?.code).toBe("upstream");
    expect(fixture.requests).toHaveLength(1);

    fixture.reply((_request, response) => sendSse(response, ["{not json"]));
    const malformed = await rejection(backend().generate({ prompt: "x" }), BackendError);
    expect(malformed.code).toBe("upstream");
    expect(malformed.message).toMatch(/malformed/);

    fixture.reply((_request, response) => sendSse(response, [{ error: { message: "model crashed" } }]));
    expect((await rejection(backend().generate({ prompt: "x" }), BackendError)).message).toMatch(
      /model crashed/,
    );
  });

  it("times out a server that goes silent", async () => {
    fixture.reply((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write(": connected\n\n"); // then nothing
    });
    const started = performance.now();
    const error = await rejection(
      backend({ timeoutMs: 150, maxRetries: 0 }).generate({ prompt: "x" }),
      BackendError,
    );
    expect(error.code).toBe("timeout");
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("reports an unreachable server as upstream after its retries", async () => {
    const port = await unusedPort();
    const unreachable = backend({ baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 1 });
    const error = await rejection(unreachable.generate({ prompt: "x" }), BackendError);
    expect(error.code).toBe("upstream");
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it("limits concurrency to its slots and refuses beyond the queue", async () => {
    fixture.reply((_request, response) =>
      sendSse(response, [contentChunk("a"), finishChunk("stop")], { delayMs: 30 }),
    );
    const limited = backend({ slots: 1, maxQueue: 1 });
    const first = limited.generate({ prompt: "1" });
    const second = limited.generate({ prompt: "2" });
    expect((await rejection(limited.generate({ prompt: "3" }), BackendError)).code).toBe("busy");
    expect((await first).text).toBe("a");
    expect((await second).text).toBe("a");
    expect(() => createOpenAIBackend({ baseURL: "ftp://x", model: "m" })).toThrow(BackendError);
  });
});
