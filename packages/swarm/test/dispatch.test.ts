/**
 * Discovery, selection and dispatch against a real relay and four real provider nodes serving a SCRIPTED
 * backend: a batch the size of a big llm_batch, spread by capacity, all answered, none over capacity.
 */

import { Cleanup } from "@pylon/testkit";
import { MODEL, type ScriptedNode, startLocalMarket } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { createSwarm, Swarm } from "../src/index.js";
import { maxInFlight } from "../src/selection.js";
import { ask, NO_CHECKS, startSwarm, stored } from "./harness.js";

const cleanup = new Cleanup();
let relayUrl: string;
let nodes: Array<ScriptedNode["node"]>;

beforeAll(async () => {
  const market = await startLocalMarket(cleanup, { providers: 4, node: { latencyMs: 10 } });
  relayUrl = market.relay.url;
  nodes = market.nodes.map((n) => n.node);
});

afterAll(() => cleanup.run());

async function swarm(
  options: Parameters<typeof createSwarm>[0] = {},
  expected = nodes.length,
): Promise<Swarm> {
  return startSwarm(cleanup, { relays: [relayUrl], trust: NO_CHECKS, ...options }, expected);
}

describe("swarm dispatch over real scripted providers", () => {
  it("discovers every provider's announcement: model, context, price, capacity, encryption", async () => {
    const s = await swarm();
    const entries = s.directory.live();
    expect(entries.map((e) => e.pubkey).sort()).toEqual(nodes.map((n) => n.pubkey).sort());
    for (const entry of entries) {
      expect(entry.announcement.models[0]?.name).toBe(MODEL);
      expect(entry.announcement.models[0]?.contextLength).toBe(8192);
      expect(entry.announcement.capacity).toEqual({ slots: 2, maxQueue: 2, maxBatch: 64 });
      expect(entry.announcement.encryption).toContain("nip44");
      expect(entry.announcement.price?.outputMsatsPer1k).toBe(0);
      expect(maxInFlight(entry)).toBe(4);
    }
  });

  it("answers a 240-slot batch over 4 scripted providers, in order, never over any provider's capacity", async () => {
    const s = await swarm({ hedge: false });
    const prompts = Array.from({ length: 240 }, (_, i) => `question number ${i}`);
    // What the providers themselves report while the batch runs: never more than slots + queue.
    let providerPeak = 0;
    const sampler = setInterval(() => {
      for (const node of nodes) {
        const status = node.status();
        providerPeak = Math.max(providerPeak, status.activeJobs + status.queueDepth);
      }
    }, 5);
    const started = Date.now();
    const results = await s.complete(
      prompts.map((p) => ask(p)),
      new AbortController().signal,
    );
    clearInterval(sampler);
    const seconds = (Date.now() - started) / 1000;

    expect(results).toHaveLength(240);
    results.forEach((result, i) => {
      expect(result.ok, result.ok ? "" : result.error).toBe(true);
      if (result.ok) expect(result.text).toBe(`answer to: question number ${i}`);
    });
    const byProvider = new Map<string, number>();
    for (const r of results) byProvider.set(r.provider, (byProvider.get(r.provider) ?? 0) + 1);
    expect([...byProvider.keys()].sort()).toEqual(nodes.map((n) => n.pubkey).sort());
    for (const count of byProvider.values()) expect(count).toBeGreaterThanOrEqual(30); // spread, not piled up
    for (const [pubkey, health] of s.health.snapshot()) {
      expect(health.peakInFlight, pubkey).toBeLessThanOrEqual(4);
      expect(health.inFlight).toBe(0);
    }
    expect(providerPeak).toBeLessThanOrEqual(4);
    expect(nodes.reduce((n, node) => n + node.status().jobs.busy, 0)).toBe(0);
    expect(s.counters.jobsSent).toBe(240);
    expect(s.counters.failed).toBe(0);
    console.info(`[swarm] 240 sub-calls over 4 providers in ${seconds.toFixed(2)} s`);
  }, 120_000);

  it("filters by model, and honours allow and block lists", async () => {
    const [first, second] = nodes as [ScriptedNode["node"], ScriptedNode["node"]];
    const blocked = await swarm({ directory: { block: [first.pubkey] } }, 3);
    expect(blocked.directory.live().map((e) => e.pubkey)).not.toContain(first.pubkey);
    const pinned = await startSwarm(
      cleanup,
      { relays: [relayUrl], directory: { allow: [second.pubkey] }, trust: NO_CHECKS },
      1,
    );
    expect(pinned.directory.all().map((e) => e.pubkey)).toEqual([second.pubkey]);
    const [result] = await pinned.complete([ask("pinned")], new AbortController().signal);
    expect(result?.provider).toBe(second.pubkey);

    const wrongModel = await swarm({ model: "gpt-9" });
    const [refused] = await wrongModel.complete([ask("anyone?")], new AbortController().signal);
    expect(refused?.ok).toBe(false);
    if (refused && !refused.ok) expect(refused.error).toMatch(/no live provider serves/);
    expect(wrongModel.counters.jobsSent).toBe(0);
  });

  it("sends targeted, NIP-44 encrypted requests with a NIP-40 expiration, and reports per-slot cost", async () => {
    const s = await swarm();
    const [result] = await s.complete([ask("secret prompt")], new AbortController().signal);
    expect(result?.ok).toBe(true);
    expect(result?.costSats).toBe(0);
    const [job] = s.store.jobs(s.runId);
    const [request] = await stored(relayUrl, { ids: [job!.jobId] });
    expect(request?.tags).toContainEqual(["encrypted"]);
    expect(request?.tags).toContainEqual(["p", job!.provider]);
    expect(request?.content).not.toContain("secret prompt");
    const expiration = Number(request?.tags.find((t) => t[0] === "expiration")?.[1]);
    expect(expiration).toBeGreaterThan(Math.floor(Date.now() / 1000));
    expect(s.estimateCostSats?.(ask("x"))).toBe(0);
  });
});
