// Streamed chat completions (server-sent events) with the official `openai` client and with raw fetch, over a
// SCRIPTED model service: deltas, usage, errors mid-stream, heartbeats, and a client that goes away.
import { Cleanup, sleep, waitFor } from "@pylon/testkit";
import OpenAI, { type APIError } from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { type Completion, type CompletionRequest, type ModelService, ServiceError } from "../src/index.js";
import { SCRIPTED_MODELS } from "./helpers/scripted-service.js";
import { startScripted, TOKEN } from "./helpers/start.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const ask = (content: string) => [{ role: "user" as const, content }];

/** A service whose answers the test writes (for what the scripted one cannot do: fail mid-stream, stall). */
function handWritten(complete: (request: CompletionRequest) => Promise<Completion>): ModelService {
  return { models: async () => SCRIPTED_MODELS, complete, close: async () => {} };
}

const done = (request: CompletionRequest, text: string): Completion => ({
  id: "hand-1",
  model: request.model,
  text,
  finishReason: "stop",
  usage: { promptTokens: 3, completionTokens: 4 },
  costSats: 2,
});

describe("streamed chat completions over a SCRIPTED service", () => {
  it("streams the answer as deltas that concatenate to it, then finish_reason, usage and [DONE]", async () => {
    const { client, lines } = await startScripted(cleanup, { scripted: { tokenLatencyMs: 2 } });
    const question = "stream this sentence back to me please";
    const stream = await client.chat.completions.create({
      model: "market/scripted",
      messages: ask(question),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    const contents = chunks.flatMap((c) => c.choices.map((choice) => choice.delta.content ?? ""));
    expect(contents.filter((c) => c !== "").length).toBeGreaterThan(3); // streamed, not one piece
    expect(contents.join("")).toBe(`echo: ${question}`);
    const finish = chunks.at(-2)!;
    expect(finish.choices[0]!.finish_reason).toBe("stop");
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage!.completion_tokens).toBe(contents.filter((c) => c !== "").length);
    const cost = (finish as unknown as { pylon: { cost_sats: number } }).pylon.cost_sats;
    expect(cost).toBe(usage.usage!.completion_tokens * 0.5);
    expect(lines).toEqual([expect.objectContaining({ status: 200, costSats: cost })]);
  });

  it("sends the whole answer as one delta when the service does not stream, and no usage chunk unasked", async () => {
    const { client } = await startScripted(cleanup, { scripted: { streams: false } });
    const stream = await client.chat.completions.create({
      model: "rlm",
      messages: ask("one piece"),
      stream: true,
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content)).toEqual(["", "echo: one piece", undefined]);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
    expect(chunks.some((c) => c.usage)).toBe(false);
  });

  it("writes the exact SSE bytes OpenAI's clients parse", async () => {
    const { server } = await startScripted(cleanup);
    const res = await fetch(`${server.baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "market/scripted", messages: ask("bytes"), stream: true }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const text = await res.text();
    expect(text.endsWith("\n\ndata: [DONE]\n\n")).toBe(true);
    const events = text.split("\n\n").slice(0, -1);
    for (const event of events) expect(event).toMatch(/^data: [^\n]+$/);
    const payloads = events.slice(0, -1).map((e) => JSON.parse(e.slice("data: ".length)));
    expect(payloads[0]).toMatchObject({
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
    });
    expect(payloads.map((p) => p.choices[0].delta.content ?? "").join("")).toBe("echo: bytes");
  });

  it("refuses before streaming with the request's own status (unknown model → NotFoundError)", async () => {
    const { client } = await startScripted(cleanup);
    const error = await client.chat.completions
      .create({ model: "market/none", messages: ask("hi"), stream: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("ends a stream that fails after its first text with an error event the SDK raises as an APIError", async () => {
    const service = handWritten(async (request) => {
      request.onText?.("half an answer");
      await sleep(20);
      throw new ServiceError("market", "every provider failed the job");
    });
    const { client, lines } = await startScripted(cleanup, { service });
    const stream = await client.chat.completions.create({ model: "rlm", messages: ask("hi"), stream: true });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? "");
    })().catch((e: unknown) => e);
    expect(seen.join("")).toBe("half an answer");
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as APIError).message).toContain("every provider failed the job");
    expect(lines).toEqual([
      expect.objectContaining({ status: 502, error: expect.stringContaining("market") }),
    ]);
  });

  it("sends keep-alive comments while a long run has nothing to say", async () => {
    const service = handWritten(async (request) => {
      await sleep(250);
      return done(request, "late answer");
    });
    const { server } = await startScripted(cleanup, { service, heartbeatMs: 40 });
    const res = await fetch(`${server.baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ model: "rlm", messages: ask("hi"), stream: true }),
    });
    const text = await res.text();
    const beats = text.split(": keep-alive\n\n").length - 1;
    expect(beats).toBeGreaterThanOrEqual(2);
    expect(text.lastIndexOf(": keep-alive")).toBeLessThan(text.indexOf("late answer"));
  });

  it("aborts the service's signal when the client goes away mid-stream, and releases the request's budget", async () => {
    const { client, service, lines } = await startScripted(cleanup, {
      scripted: { tokenLatencyMs: 30 },
      budgets: { perRequestSats: 100, perDaySats: 150 },
    });
    const stream = await client.chat.completions.create({
      model: "market/scripted",
      messages: ask("a long answer that takes a while to stream out, token by token, slowly"),
      stream: true,
    });
    let pieces = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) pieces++;
      if (pieces === 2) stream.controller.abort();
    }
    const signal = service.requests[0]!.signal;
    await waitFor(() => signal.aborted, "the service's signal to abort", 5_000);
    await waitFor(() => lines.length === 1, "the request's log line", 5_000);
    expect(lines[0]).toMatchObject({ status: 499 });
    // Its 100-sat hold is released: the next request gets the per-request budget again.
    await client.chat.completions.create({ model: "market/scripted", messages: ask("again") });
    expect(service.requests[1]!.budgetSats).toBe(100);
  });

  it("aborts the service's signal when a non-streamed request's client goes away", async () => {
    const { client, service } = await startScripted(cleanup, { scripted: { tokenLatencyMs: 30 } });
    const controller = new AbortController();
    const pending = client.chat.completions
      .create({ model: "market/scripted", messages: ask("x".repeat(400)) }, { signal: controller.signal })
      .catch((e: unknown) => e);
    await waitFor(() => service.requests.length === 1, "the request to reach the service", 5_000);
    controller.abort();
    expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
    await waitFor(() => service.requests[0]!.signal.aborted, "the service's signal to abort", 5_000);
  });
});
