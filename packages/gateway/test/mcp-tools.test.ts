/**
 * The MCP server's tools through the SDK's own Client (in-memory transport), over a SCRIPTED RLM service: a
 * real RLM run in a Pyodide REPL whose models are deterministic stand-ins.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { generateSniah } from "@pylon/rlm/tasks";
import { afterAll, describe, expect, it } from "vitest";
import { ServiceError } from "../src/index.js";
import { McpHarness, textOf } from "./mcp-harness.js";

const harness = new McpHarness();
afterAll(() => harness.cleanup.run());

describe("pylon's MCP tools, over a SCRIPTED RLM service", () => {
  it("lists rlm_query and market_models with their input and output schemas", async () => {
    const root = await harness.dir();
    const { client } = await harness.connect({ roots: [root], budgetSats: 7 });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(["market_models", "rlm_query"]);
    const query = tools.find((tool) => tool.name === "rlm_query")!;
    expect(query.description).toMatch(/Recursive Language Model/);
    expect(query.description).toContain(root); // the model is told which folders it may name
    expect(query.description).toContain("at most 7 per call");
    expect(query.inputSchema.required).toEqual(["question"]);
    expect(Object.keys(query.inputSchema.properties ?? {}).sort()).toEqual(["paths", "question", "text"]);
    expect(Object.keys(query.outputSchema?.properties ?? {})).toEqual(
      expect.arrayContaining(["answer", "costSats", "usage", "receiptFile", "logFile"]),
    );
    const models = tools.find((tool) => tool.name === "market_models")!;
    expect(models.outputSchema?.properties).toHaveProperty("models");
  });

  it("rlm_query answers over a folder inside the allowed root and returns the receipt", async () => {
    const root = await harness.dir();
    const task = generateSniah(4_000, 16);
    // The haystack cut into three files: the folder is read as a list of documents.
    const third = Math.ceil(task.context.length / 3);
    for (let i = 0; i < 3; i++)
      await writeFile(path.join(root, `part-${i}.txt`), task.context.slice(i * third, (i + 1) * third));
    const { client, service } = await harness.connect({ roots: [root] });

    const result = await client.callTool({
      name: "rlm_query",
      arguments: { question: task.question, paths: [root] },
    });

    expect(result.isError, textOf(result)).toBeFalsy();
    const receipt = result.structuredContent as Record<string, unknown> & { usage: { promptTokens: number } };
    expect(task.score(String(receipt.answer))).toBe(1);
    expect(textOf(result)).toContain(task.value);
    expect(receipt.costSats).toBeGreaterThan(0);
    expect(receipt.usage.promptTokens).toBeGreaterThan(0);
    expect(receipt.context).toEqual({ documents: 3, chars: task.context.length });
    expect(JSON.parse(await readFile(String(receipt.receiptFile), "utf8"))).toMatchObject({ id: receipt.id });
    expect(textOf(result)).toMatch(
      /Receipt: rlm, [\d.]+ sats; \d+ prompt \+ \d+ completion tokens; [\d.]+ s; receipt /,
    );
    expect(textOf(result)).toContain(String(receipt.receiptFile));
    expect(service.requests).toHaveLength(1);
    expect(service.requests[0]).toMatchObject({ model: "rlm", budgetSats: 50 });
    expect(service.requests[0]!.messages).toEqual([{ role: "user", content: task.question }]);
  });

  it("rlm_query takes text without any allowed folder", async () => {
    const task = generateSniah(2_000, 3);
    const { client, service } = await harness.connect({ roots: [] });
    const result = await client.callTool({
      name: "rlm_query",
      arguments: { question: task.question, text: [task.context, "another document"] },
    });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(task.score(String((result.structuredContent as { answer: string }).answer))).toBe(1);
    expect(service.requests[0]!.context).toEqual([task.context, "another document"]);
  });

  it("a service failure is a tool error naming its cause, not a protocol error", async () => {
    const { client } = await harness.connect({
      override: async () => {
        throw new ServiceError("budget", "the budget of 50 sats cannot cover the first sub-call (80 sats)");
      },
    });
    const result = await client.callTool({
      name: "rlm_query",
      arguments: { question: "q?", text: "some text" },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      "rlm_query failed (budget): the budget of 50 sats cannot cover the first sub-call (80 sats)",
    );
  });

  it("a call with neither paths nor text, or malformed arguments, is refused before the service is asked", async () => {
    const { client, service } = await harness.connect();
    const result = await client.callTool({ name: "rlm_query", arguments: { question: "what is in it?" } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/needs a context: give paths .* or text/);
    const malformed = await client.callTool({ name: "rlm_query", arguments: { paths: 3 } });
    expect(malformed.isError).toBe(true);
    expect(textOf(malformed)).toMatch(/Input validation error: .*question[\s\S]*paths/);
    expect(service.requests).toHaveLength(0);
  });

  it("the client's cancellation aborts the service call, and progress is reported while it runs", async () => {
    let aborted!: () => void;
    const abortSeen = new Promise<void>((resolve) => {
      aborted = resolve;
    });
    const { client, service } = await harness.connect({
      progressIntervalMs: 20,
      override: (request) =>
        new Promise((_, reject) => {
          request.signal.addEventListener("abort", () => {
            aborted();
            reject(new ServiceError("timeout", "cancelled"));
          });
        }),
    });
    const cancel = new AbortController();
    const progress: string[] = [];
    const call = client.callTool({ name: "rlm_query", arguments: { question: "q?", text: "t" } }, undefined, {
      signal: cancel.signal,
      onprogress: (update) => {
        progress.push(update.message ?? "");
        if (progress.length === 3) cancel.abort("the user pressed stop");
      },
    });
    await expect(call).rejects.toThrow(/the user pressed stop/);
    await abortSeen;
    expect(service.requests[0]!.signal.aborted).toBe(true);
    expect(progress[0]).toMatch(/^RLM running, \d+ s$/);
  });

  it("market_models lists the service's models as text and structured content", async () => {
    const { client } = await harness.connect();
    const result = await client.callTool({ name: "market_models", arguments: {} });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(textOf(result).split("\n")).toEqual([
      "market/tiny: 2 providers, 120 msats per 1k output tokens, streams",
      "rlm",
    ]);
    const { models } = result.structuredContent as { models: Array<{ id: string; providers?: number }> };
    expect(models.map((model) => [model.id, model.providers])).toEqual([
      ["market/tiny", 2],
      ["rlm", undefined],
    ]);
  });
});
