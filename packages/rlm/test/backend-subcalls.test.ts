import { createScriptedBackend } from "@pylon/inference/scripted";
import { sleep } from "@pylon/testkit";
import { describe, expect, it } from "vitest";
import { parseModelSpec } from "../src/models/model-spec.js";
import { backendSubcalls } from "../src/subcalls/backend-subcalls.js";
import type { SubcallRequest } from "../src/subcalls/types.js";

const request = (content: string, maxTokens = 64): SubcallRequest => ({
  messages: [{ role: "user", content }],
  maxTokens,
  depth: 1,
  runId: "test",
});

describe("backendSubcalls", () => {
  it("answers a batch in order, with per-item failures as values and provider, model, usage, cost per item", async () => {
    const backend = createScriptedBackend({
      name: "echo",
      model: "echo-1",
      responses: (req) => `echo ${req.messages?.[0]?.content}`,
      fail: (req) => (req.messages?.[0]?.content === "bad" ? "upstream" : undefined),
      latencyMs: 5,
    });
    const sub = backendSubcalls(backend, {
      price: { inputSatsPerMTok: 1_000_000, outputSatsPerMTok: 2_000_000 },
    });
    const results = await sub.complete(
      [request("one"), request("bad"), request("three")],
      new AbortController().signal,
    );
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[0]).toMatchObject({
      ok: true,
      text: "echo one",
      provider: "scripted:echo",
      model: "echo-1",
    });
    expect(results[1]).toMatchObject({ ok: false, provider: "scripted:echo" });
    if (!results[1]!.ok) expect(results[1]!.error).toContain("upstream");
    const first = results[0]!;
    expect(first.usage.inputTokens).toBeGreaterThan(0);
    expect(first.costSats).toBe(first.usage.inputTokens + 2 * first.usage.outputTokens);
    expect(first.latencyMs).toBeGreaterThanOrEqual(4);
    expect(sub.estimateCostSats?.(request("abcd", 10))).toBeGreaterThanOrEqual(1 + 20);
    await backend.close();
  });

  it("keeps at most `concurrency` sub-calls in flight", async () => {
    let active = 0;
    let peak = 0;
    const backend = createScriptedBackend({
      slots: 16,
      responses: async () => {
        active++;
        peak = Math.max(peak, active);
        await sleep(10);
        active--;
        return "ok";
      },
    });
    const sub = backendSubcalls(backend, { concurrency: 3 });
    const results = await sub.complete(
      Array.from({ length: 12 }, (_, i) => request(`p${i}`)),
      new AbortController().signal,
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(peak).toBe(3);
    await backend.close();
  });

  it("fails the items still running when the signal aborts", async () => {
    const backend = createScriptedBackend({ responses: () => "late", latencyMs: 5_000 });
    const sub = backendSubcalls(backend, { ownsBackend: true });
    const controller = new AbortController();
    const pending = sub.complete([request("a"), request("b")], controller.signal);
    setTimeout(() => controller.abort(), 20);
    const started = performance.now();
    const results = await pending;
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(results).toMatchObject([
      { ok: false, error: "aborted" },
      { ok: false, error: "aborted" },
    ]);
    await sub.close?.();
  });
});

describe("parseModelSpec", () => {
  it("reads openai:, llama: and scripted, and refuses anything else", () => {
    expect(parseModelSpec("openai:gpt-5-mini")).toEqual({ kind: "openai", model: "gpt-5-mini" });
    expect(parseModelSpec("llama:/models/a:b.gguf")).toEqual({ kind: "llama", path: "/models/a:b.gguf" });
    expect(parseModelSpec("scripted")).toEqual({ kind: "scripted" });
    expect(() => parseModelSpec("gpt-5")).toThrow(/openai:MODEL/);
    expect(() => parseModelSpec("openai:")).toThrow();
  });
});
