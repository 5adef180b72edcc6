/**
 * Streamed sub-calls (`SubcallRequest.onText`) over a real relay and real provider nodes on a SCRIPTED model
 * that takes 10 ms per 4-character token: text arrives as it is generated and makes the answer; a provider
 * that does not stream gives no text; an attempt killed mid-stream is retried elsewhere and the text goes on
 * when the retry agrees, else the sub-call fails naming why; a paid job streams once paid from a Cashu tab.
 */
import { createScriptedBackend } from "@pylon/inference/scripted";
import type { SubcallRequest } from "@pylon/rlm";
import { Cleanup } from "@pylon/testkit";
import { MODEL, type ScriptedNode, scriptedNode, startTestRelay } from "@pylon/testkit/market";
import { afterEach, describe, expect, it } from "vitest";
import { cashuTabStrategy } from "../src/index.js";
import { ask, NO_CHECKS, paidMarket, startSwarm } from "./harness.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const words = (tag: string) => Array.from({ length: 120 }, (_, i) => `${tag}${String(i).padStart(2, "0")} `);
const ANSWER = words("a").join("");
const OTHER = words("b").join("");

function node(relayUrl: string, reply: string, streaming = true): Promise<ScriptedNode> {
  return scriptedNode(cleanup, {
    relays: [relayUrl],
    backend: createScriptedBackend({ responses: () => reply, model: MODEL, tokenLatencyMs: 10, slots: 2 }),
    config: { streaming: { enabled: streaming } },
  });
}

function streamed(onFirst?: () => void): { request: SubcallRequest; deltas: string[] } {
  const deltas: string[] = [];
  const request: SubcallRequest = {
    ...ask("say it", 400),
    onText: (delta) => {
      deltas.push(delta);
      if (deltas.length === 1) onFirst?.();
    },
  };
  return { request, deltas };
}

describe("swarm sub-calls with onText (scripted model, 10 ms/token)", () => {
  it("forwards the answer as it is generated; the deltas make the whole answer", async () => {
    const relay = await startTestRelay(cleanup);
    await node(relay.url, ANSWER);
    const swarm = await startSwarm(cleanup, { relays: [relay.url], trust: NO_CHECKS, hedge: false }, 1);
    const started = performance.now();
    let firstMs: number | undefined;
    const { request, deltas } = streamed(() => {
      firstMs = performance.now() - started;
    });
    const [result] = await swarm.complete([request], new AbortController().signal);
    const totalMs = performance.now() - started;
    expect(result?.ok && result.text).toBe(ANSWER);
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join("")).toBe(ANSWER);
    expect(firstMs).toBeLessThan(totalMs / 2);

    // Two at once to a provider that takes batches: each goes alone and streams (batches are not streamed).
    const pair = [streamed(), streamed()];
    // (New prompts: "say it" again would be answered from the memo, with no text streamed.)
    pair.forEach((p, i) => {
      p.request.messages = [{ role: "user", content: `say it, ${i}` }];
    });
    const results = await swarm.complete(
      pair.map((p) => p.request),
      new AbortController().signal,
    );
    expect(swarm.counters.batchesSent).toBe(0);
    for (const [i, r] of results.entries()) {
      expect(r.ok && r.text).toBe(ANSWER);
      expect(pair[i]!.deltas.length).toBeGreaterThan(1);
      expect(pair[i]!.deltas.join("")).toBe(ANSWER);
    }
  });

  it("does not call onText when the provider does not stream (the caller sends the answer once)", async () => {
    const relay = await startTestRelay(cleanup);
    await node(relay.url, ANSWER, false);
    const swarm = await startSwarm(cleanup, { relays: [relay.url], trust: NO_CHECKS, hedge: false }, 1);
    const { request, deltas } = streamed();
    const [result] = await swarm.complete([request], new AbortController().signal);
    expect(result?.ok && result.text).toBe(ANSWER);
    expect(deltas).toEqual([]);
  });

  it("goes on with a retry's text beyond what was forwarded when the provider streaming it dies", async () => {
    const relay = await startTestRelay(cleanup);
    const nodes = [await node(relay.url, ANSWER), await node(relay.url, ANSWER)];
    const swarm = await startSwarm(cleanup, { relays: [relay.url], trust: NO_CHECKS, hedge: false }, 2);
    const { request, deltas } = streamed(() => {
      // Kill whichever node is streaming: its job fails, the sub-call goes to the other.
      for (const n of nodes) if (n.node.status().activeJobs > 0) void n.node.stop();
    });
    const [result] = await swarm.complete([request], new AbortController().signal);
    expect(result?.ok && result.text).toBe(ANSWER);
    expect(deltas.join("")).toBe(ANSWER);
    expect(nodes.reduce((sum, n) => sum + n.calls(), 0)).toBe(2);
  }, 30_000);

  it("fails the sub-call, naming why, when the retry's answer does not begin with the text forwarded", async () => {
    const relay = await startTestRelay(cleanup);
    const nodes = [await node(relay.url, ANSWER), await node(relay.url, OTHER)];
    const swarm = await startSwarm(cleanup, { relays: [relay.url], trust: NO_CHECKS, hedge: false }, 2);
    const { request, deltas } = streamed(() => {
      for (const n of nodes) if (n.node.status().activeJobs > 0) void n.node.stop();
    });
    const [result] = await swarm.complete([request], new AbortController().signal);
    expect(result?.ok).toBe(false);
    expect(!result?.ok && result?.error).toMatch(/does not begin with the \d+ characters already streamed/);
    const forwarded = deltas.join("");
    expect(forwarded.length).toBeGreaterThan(0);
    expect(ANSWER.startsWith(forwarded) || OTHER.startsWith(forwarded)).toBe(true);
  }, 30_000);

  it("streams a paid job (a Cashu tab on a real mint) and charges it", async () => {
    const market = await paidMarket(cleanup, {
      providers: 1,
      node: {
        backend: createScriptedBackend({ responses: () => ANSWER, model: MODEL, tokenLatencyMs: 10 }),
      },
    });
    const payment = cashuTabStrategy({
      wallet: market.buyer,
      mintUrl: market.mint.url,
      depositSats: 20,
      lockSeconds: 3_600,
      maxSpendSats: 100,
    });
    const swarm = await startSwarm(
      cleanup,
      { relays: [market.relayUrl], payment, trust: NO_CHECKS, hedge: false },
      1,
    );
    const { request, deltas } = streamed();
    const [result] = await swarm.complete([request], new AbortController().signal);
    expect(result?.ok && result.text).toBe(ANSWER);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(ANSWER);
    expect(result?.costSats).toBeGreaterThan(0);
  }, 30_000);
});
