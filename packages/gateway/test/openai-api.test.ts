// The OpenAI-compatible API with the official `openai` client, over real HTTP on 127.0.0.1, in front of a
// SCRIPTED model service: models, completions, auth, routes and request validation.
import { Cleanup } from "@pylon/testkit";
import OpenAI, { type APIError } from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { SCRIPTED_MODELS } from "./helpers/scripted-service.js";
import { errorOf, startScripted, TOKEN } from "./helpers/start.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe("OpenAI-compatible API over a SCRIPTED service", () => {
  it("lists and retrieves the service's models in OpenAI's shape, with the market's figures under pylon", async () => {
    const { client, server } = await startScripted(cleanup);
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(SCRIPTED_MODELS.map((m) => m.id));
    const market = page.data[0] as OpenAI.Model & { pylon?: Record<string, unknown> };
    expect(market).toMatchObject({ object: "model", created: 1_700_000_000, owned_by: "pylon-market" });
    expect(market.pylon).toEqual({ providers: 2, price_msats_per_1k_output: 500_000, streaming: true });

    const one = await client.models.retrieve("market/scripted");
    expect(one.id).toBe("market/scripted");
    for (const path of ["market/scripted", "market%2Fscripted"]) {
      const res = await fetch(`${server.baseURL}/models/${path}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(((await res.json()) as { id: string }).id).toBe("market/scripted");
    }
    const missing = await client.models.retrieve("market/nope").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as APIError).code).toBe("model_not_found");
  });

  it("answers a chat completion with usage, the cost in sats and the receipt, passing the request through", async () => {
    const { client, service, lines } = await startScripted(cleanup);
    const reply = await client.chat.completions.create({
      model: "market/scripted",
      messages: [
        { role: "developer", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "what is the tallest tree" }] },
      ],
      max_completion_tokens: 50,
      temperature: 0.3,
      stop: "never-appears",
      user: "someone",
    });
    expect(reply.object).toBe("chat.completion");
    expect(reply.id).toMatch(/^chatcmpl-/);
    expect(reply.choices).toHaveLength(1);
    expect(reply.choices[0]!.message).toMatchObject({
      role: "assistant",
      content: "echo: what is the tallest tree",
    });
    expect(reply.choices[0]!.finish_reason).toBe("stop");
    const usage = reply.usage!;
    expect(usage.completion_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    const pylon = (reply as unknown as { pylon: { cost_sats: number; receipt: string; id: string } }).pylon;
    expect(pylon.cost_sats).toBe(usage.completion_tokens * 0.5);
    expect(pylon.receipt).toBe(`/tmp/receipts/${pylon.id}.json`);

    const seen = service.requests[0]!;
    expect(seen.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "what is the tallest tree" },
    ]);
    expect(seen).toMatchObject({ maxTokens: 50, temperature: 0.3, stop: ["never-appears"], budgetSats: 100 });
    expect(lines).toEqual([
      expect.objectContaining({
        id: pylon.id,
        model: "market/scripted",
        status: 200,
        costSats: pylon.cost_sats,
      }),
    ]);
  });

  it("reports a cut answer as finish_reason length, and passes pylon_context to the service", async () => {
    const { client, service } = await startScripted(cleanup);
    const reply = await client.chat.completions.create({
      model: "rlm",
      messages: [{ role: "user", content: "a question long enough to be cut" }],
      max_tokens: 2,
      // @ts-expect-error: Pylon's documented extension field
      pylon_context: ["doc one", "doc two"],
    });
    expect(reply.choices[0]!.finish_reason).toBe("length");
    expect(reply.usage!.completion_tokens).toBe(2);
    expect(service.requests[0]!.context).toEqual(["doc one", "doc two"]);
  });

  it("takes a large explicit context (megabytes of pylon_context) and listens on loopback by default", async () => {
    const { client, service, server } = await startScripted(cleanup);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.baseURL).toBe(`${server.url}/v1`);
    const context = "a line of a long document\n".repeat(200_000); // 5.2 MB
    await client.chat.completions.create({
      model: "rlm",
      messages: [{ role: "user", content: "what is in it" }],
      // @ts-expect-error: Pylon's documented extension field
      pylon_context: context,
    });
    expect(service.requests[0]!.context).toBe(context);
  });

  it("refuses a wrong or missing token with 401 invalid_api_key, before the service is asked", async () => {
    const { server, service } = await startScripted(cleanup);
    const wrong = new OpenAI({ baseURL: server.baseURL, apiKey: `${TOKEN}x`, maxRetries: 0 });
    const error = await wrong.models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as APIError).status).toBe(401);
    expect((error as APIError).code).toBe("invalid_api_key");
    const chat = await wrong.chat.completions
      .create({ model: "market/scripted", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(chat).toBeInstanceOf(OpenAI.AuthenticationError);

    const missing = await fetch(`${server.baseURL}/models`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({
      error: {
        message: expect.stringContaining("API key"),
        type: "invalid_request_error",
        param: null,
        code: "invalid_api_key",
      },
    });
    expect(service.requests).toHaveLength(0);
  });

  it("names an unknown model with 404 model_not_found", async () => {
    const { client } = await startScripted(cleanup);
    const error = await client.chat.completions
      .create({ model: "market/unheard-of", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as APIError).code).toBe("model_not_found");
    expect((error as APIError).message).toContain("market/unheard-of");
  });

  it("refuses bad requests with 400 naming the field, and keeps serving", async () => {
    const { client, server, service } = await startScripted(cleanup);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ messages: [{ role: "user", content: "hi" }] }, "model"],
      [{ model: "rlm", messages: [] }, "messages"],
      [{ model: "rlm", messages: [{ role: "wizard", content: "hi" }] }, "messages[0].role"],
      [{ model: "rlm", messages: [{ role: "tool", content: "42", tool_call_id: "x" }] }, "messages[0].role"],
      [
        {
          model: "rlm",
          messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }],
        },
        "messages[0].content[0].type",
      ],
      [{ model: "rlm", messages: [{ role: "user", content: "hi" }], temperature: 7 }, "temperature"],
      [{ model: "rlm", messages: [{ role: "user", content: "hi" }], n: 2 }, "n"],
      [{ model: "rlm", messages: [{ role: "user", content: "hi" }], max_tokens: -1 }, "max_tokens"],
      [{ model: "rlm", messages: [{ role: "user", content: "hi" }], pylon_context: 5 }, "pylon_context"],
    ];
    for (const [body, param] of cases) {
      const error = await client.chat.completions
        .create(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming)
        .catch((e: unknown) => e);
      expect(error, param).toBeInstanceOf(OpenAI.BadRequestError);
      expect((error as APIError).param, JSON.stringify(body)).toBe(param);
    }
    const part = await client.chat.completions
      .create({ model: "rlm", messages: [{ role: "user", content: [{ type: "input_audio" } as never] }] })
      .catch((e: unknown) => e);
    expect((part as APIError).message).toContain("input_audio");

    const malformed = await fetch(`${server.baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: '{"model": "rlm", "messages": [',
    });
    expect(malformed.status).toBe(400);
    expect(await errorOf(malformed)).toMatchObject({ type: "invalid_request_error", param: null });
    expect(service.requests).toHaveLength(0);
    const after = await client.chat.completions.create({
      model: "rlm",
      messages: [{ role: "user", content: "still up?" }],
    });
    expect(after.choices[0]!.message.content).toBe("echo: still up?");
  });

  it("answers unknown paths with 404 and wrong methods with 405, in OpenAI's error shape", async () => {
    const { server } = await startScripted(cleanup);
    const headers = { authorization: `Bearer ${TOKEN}` };
    const notFound = await fetch(`${server.baseURL}/embeddings`, { method: "POST", headers, body: "{}" });
    expect(notFound.status).toBe(404);
    expect(await errorOf(notFound)).toEqual({
      message: "Invalid URL (POST /v1/embeddings)",
      type: "invalid_request_error",
      param: null,
      code: null,
    });
    const wrongMethod = await fetch(`${server.baseURL}/chat/completions`, { headers });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    expect((await errorOf(wrongMethod)).message).toBe("Invalid method for URL (GET /v1/chat/completions)");
  });
});
