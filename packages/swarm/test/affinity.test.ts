/**
 * Affinity on real parts (our relay over WebSockets, provider nodes serving a SCRIPTED backend): requests
 * with one affinity (an RLM run's root turns) stay with the provider that answered the last one while
 * faster providers are free, move to another when it stops, and stay there. A spot check of a conversation
 * sends the provider an exact duplicate of it.
 */
import type { ScriptedResponder } from "@pylon/inference/scripted";
import type { SubcallRequest } from "@pylon/rlm";
import { Cleanup } from "@pylon/testkit";
import { echoAnswer, type ScriptedNode, scriptedNode, startTestRelay } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ask, NO_CHECKS, startSwarm } from "./harness.js";

const cleanup = new Cleanup();
let relayUrl: string;
afterAll(() => cleanup.run(), 30_000);
beforeAll(async () => {
  relayUrl = (await startTestRelay(cleanup)).url;
});

/** Turn `n` of a root conversation: system, the opening question, then n − 1 exchanges. */
function turn(runId: string, n: number): SubcallRequest {
  const messages: SubcallRequest["messages"] = [
    { role: "system", content: "You are the root." },
    { role: "user", content: `Question: what is ${runId}?` },
  ];
  for (let i = 1; i < n; i++)
    messages.push({ role: "assistant", content: `step ${i}` }, { role: "user", content: `output ${i}` });
  return { messages, maxTokens: 32, depth: 0, runId, purpose: "root", affinity: `root:${runId}` };
}

const signal = new AbortController().signal;

describe("affinity: one provider for a run's root turns (scripted providers)", () => {
  it("sticks to the provider that answered while faster ones are free, and fails over to one that then sticks", async () => {
    const slow = await scriptedNode(cleanup, { relays: [relayUrl], latencyMs: 150, name: "slow" });
    const swarm = await startSwarm(
      cleanup,
      { relays: [relayUrl], hedge: false, ackTimeoutMs: 1_500, trust: NO_CHECKS, memoise: false },
      1,
    );
    const [first] = await swarm.complete([turn("a", 1)], signal);
    expect(first).toMatchObject({ ok: true, provider: slow.node.pubkey });

    const fast = await Promise.all(
      ["fast 1", "fast 2"].map((name) => scriptedNode(cleanup, { relays: [relayUrl], latencyMs: 5, name })),
    );
    await swarm.directory.waitFor(3);
    // Everyone's latency is known: without affinity the fast providers win.
    const warm = await swarm.complete(
      Array.from({ length: 12 }, (_, i) => ask(`warm ${i}`)),
      signal,
    );
    expect(warm.every((r) => r.ok)).toBe(true);
    const [plain] = await swarm.complete([ask("plain")], signal);
    expect(plain?.provider).not.toBe(slow.node.pubkey);

    for (let n = 2; n <= 4; n++) {
      const [result] = await swarm.complete([turn("a", n)], signal);
      expect(result).toMatchObject({
        ok: true,
        provider: slow.node.pubkey,
        text: `answer to: output ${n - 1}`,
      });
    }
    expect(swarm.affinities.preferred("root:a")).toBe(slow.node.pubkey);

    await slow.node.stop();
    const [moved] = await swarm.complete([turn("a", 5)], signal);
    expect(moved?.ok).toBe(true);
    const successor = moved!.provider;
    expect(fast.map((f) => f.node.pubkey)).toContain(successor);
    for (let n = 6; n <= 8; n++) {
      const [result] = await swarm.complete([turn("a", n)], signal);
      expect(result).toMatchObject({ ok: true, provider: successor });
    }
    expect(swarm.affinities.preferred("root:a")).toBe(successor);
    // Another run's root turns keep their own provider, independent of this one.
    expect(swarm.affinities.preferred("root:b")).toBeUndefined();
  }, 60_000);

  it("spot-checks a root turn with an exact duplicate of its conversation", async () => {
    const seen = new Map<string, string[]>();
    const recording =
      (name: string): ScriptedResponder =>
      (request, index) => {
        seen.set(name, [...(seen.get(name) ?? []), JSON.stringify(request.messages)]);
        return echoAnswer(request, index);
      };
    const nodes: ScriptedNode[] = [];
    for (const name of ["c1", "c2", "c3"])
      nodes.push(await scriptedNode(cleanup, { relays: [relayUrl], responses: recording(name), name }));
    const swarm = await startSwarm(
      cleanup,
      {
        relays: [relayUrl],
        hedge: false,
        directory: { allow: nodes.map((n) => n.node.pubkey) },
        trust: { checks: { random: () => 0 } },
      },
      3,
    );
    const request = turn("checked", 3);
    const [result] = await swarm.complete([request], signal);
    expect(result).toMatchObject({ ok: true, text: "answer to: output 2" });
    expect(swarm.trust().checks).toBe(1);
    expect(swarm.trust().strikes).toBe(0);
    // Two providers ran the same conversation, roles and all (the check repeated it exactly).
    const runs = [...seen.values()].flat();
    expect(runs).toHaveLength(2);
    expect(runs[0]).toBe(runs[1]);
    expect(JSON.parse(runs[0]!)).toEqual(request.messages);
    expect(new Set([...seen.keys()]).size).toBe(2);
  }, 60_000);
});
