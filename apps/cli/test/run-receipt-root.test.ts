/**
 * The receipt's root turns: a root on the market metered apart from the sub-calls (paid jobs, sats, tokens,
 * providers, failovers), here behind a SCRIPTED backend with a price whose answers name the provider of
 * each turn.
 */
import { createScriptedBackend } from "@pylon/inference/scripted";
import { backendSubcalls, type RlmResult, type SubcallBackend, type SubcallRequest } from "@pylon/rlm";
import { describe, expect, it } from "vitest";
import { meteredSubcalls } from "../src/run/metered-subcalls.js";
import { buildReceipt, formatReceipt } from "../src/run/receipt.js";

/** Root turns answered by the providers in `order`, one per turn, each priced. */
function providers(order: string[]): SubcallBackend {
  const priced = backendSubcalls(createScriptedBackend({ responses: (_, i) => `turn ${i}` }), {
    price: { inputSatsPerMTok: 1_000_000, outputSatsPerMTok: 1_000_000 },
  });
  let turn = 0;
  return {
    ...priced,
    complete: async (requests, signal) =>
      (await priced.complete(requests, signal)).map((result) => ({ ...result, provider: order[turn++]! })),
  };
}

const request: SubcallRequest = {
  messages: [{ role: "user", content: "Question: q" }],
  maxTokens: 16,
  depth: 0,
  runId: "r",
  purpose: "root",
  affinity: "root:r",
};

describe("the receipt's root turns", () => {
  it("counts paid turns, sats, tokens and providers, and a failover each time the provider changes", async () => {
    const root = meteredSubcalls(providers(["a", "a", "b", "b"]));
    const sub = meteredSubcalls(providers([]));
    for (let i = 0; i < 4; i++) await root.complete([request], new AbortController().signal);
    const result = {
      answer: "x",
      stoppedBy: "final",
      runId: "rlm-1",
      iterations: 4,
      treeIterations: 4,
      subcalls: 0,
      usage: { inputTokens: 1, outputTokens: 1 },
      cost: { sats: root.meter.spentSats },
      durationMs: 10,
      logPath: null,
    } as unknown as RlmResult;
    const receipt = buildReceipt({
      result,
      run: "run-1",
      models: { root: "swarm:m", sub: "swarm:" },
      meter: sub.meter,
      rootMeter: root.meter,
      wallMs: 20,
    });
    expect(receipt.root).toMatchObject({ turns: 4, answered: 4, failed: 0, paid: 4, failovers: 1 });
    expect(receipt.root!.providers).toEqual([
      { provider: "a", answered: 2 },
      { provider: "b", answered: 2 },
    ]);
    expect(receipt.root!.sats).toBeGreaterThan(0);
    expect(receipt.root!.tokens.input).toBeGreaterThan(0);
    // Without a mint, what was spent is what the turns (and sub-calls) reported.
    expect(receipt.sats.spent).toBe(receipt.root!.sats);
    expect(formatReceipt(receipt)).toMatch(
      /root turns\s+4 on the market \(4 paid jobs, [\d.]+ sat, \d+ tokens; 0 failed\); providers a 2, b 2; 1 failover\(s\)/,
    );
  });
});
