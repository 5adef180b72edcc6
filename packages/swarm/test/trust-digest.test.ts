/**
 * Model digests on real parts (our relay, real provider nodes on scripted LMs given a model identity, so
 * they announce a digest and refuse requests naming another): a buyer requiring a digest uses only the
 * providers announcing it, and a spot check of an answer goes only to a provider announcing the same digest.
 */
import type { Backend } from "@pylon/inference";
import { createScriptedBackend } from "@pylon/inference/scripted";
import { Cleanup } from "@pylon/testkit";
import { echoAnswer, MODEL, type ScriptedNode, scriptedNode, startLocalMarket } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSwarm, type Swarm, type SwarmOptions } from "../src/index.js";
import { ask } from "./harness.js";

const cleanup = new Cleanup();
const D = `sha256:${"d1".repeat(32)}`;
const E = `sha256:${"e2".repeat(32)}`;
let relayUrl: string;
let plain: ScriptedNode;
let withD: ScriptedNode[];
let withE: ScriptedNode;

/** A scripted LM that says it runs the model file with this digest. */
function identified(digest: string): Backend {
  const inner = createScriptedBackend({ responses: echoAnswer, model: MODEL, latencyMs: 5, slots: 2 });
  return {
    kind: inner.kind,
    identity: { digest, sizeBytes: 1_000, architecture: "llama", quantisation: "F32" },
    info: () => inner.info(),
    generate: (request, options) => inner.generate(request, options),
    close: () => inner.close(),
  };
}

beforeAll(async () => {
  const market = await startLocalMarket(cleanup, { providers: 1 });
  relayUrl = market.relay.url;
  plain = market.nodes[0]!;
  const node = (digest: string, name: string) =>
    scriptedNode(cleanup, { relays: [relayUrl], backend: identified(digest), name });
  withD = [await node(D, "d one"), await node(D, "d two")];
  withE = await node(E, "e");
}, 30_000);
afterAll(() => cleanup.run(), 30_000);

async function swarmOn(options: Partial<SwarmOptions>): Promise<Swarm> {
  const swarm = cleanup.use(await createSwarm({ relays: [relayUrl], hedge: false, ...options }), (s) =>
    s.close(),
  );
  await swarm.directory.waitFor(4);
  return swarm;
}

describe("model digests (scripted LMs with a model identity)", () => {
  it("a required digest: only providers announcing it serve, and they accept the requests naming it", async () => {
    const swarm = await swarmOn({ trust: { modelDigest: D } });
    expect(swarm.directory.get(withD[0]!.node.pubkey)?.announcement.models[0]?.digest).toBe(D);
    const results = await swarm.complete(
      Array.from({ length: 12 }, (_, i) => ask(`digest ${i}`, 16)),
      new AbortController().signal,
    );
    expect(results.every((r, i) => r.ok && r.text === `answer to: digest ${i}`)).toBe(true);
    const dKeys = withD.map((n) => n.node.pubkey);
    for (const job of swarm.store.jobs(swarm.runId)) expect(dKeys).toContain(job.provider);
    expect(swarm.counters.errors).toBe(0); // no provider refused the digest named
    expect(plain.calls() + withE.calls()).toBe(0);
  }, 60_000);

  it("a check of an answer goes only to a provider announcing the same digest", async () => {
    const swarm = await swarmOn({ trust: { checks: { random: () => 0 } } });
    await swarm.complete(
      Array.from({ length: 24 }, (_, i) => ask(`same digest ${i}`, 16)),
      new AbortController().signal,
    );
    const digestOf = (pubkey: string) => swarm.directory.get(pubkey)?.announcement.models[0]?.digest;
    const answeredBy = new Map(swarm.store.subcalls(swarm.runId).map((row) => [row.hash, row.provider]));
    const checks = swarm.store.jobs(swarm.runId).filter((job) => job.hash.endsWith(":check"));
    expect(checks.length).toBeGreaterThan(0);
    for (const check of checks) {
      const original = answeredBy.get(check.hash.slice(0, -":check".length));
      expect(original).toBeTruthy();
      expect(check.provider).not.toBe(original);
      const digest = digestOf(original!);
      if (digest !== undefined) expect(digestOf(check.provider)).toBe(digest);
    }
    // E's answers had nobody to check them: inconclusive, never struck.
    expect(swarm.trust().strikes).toBe(0);
  }, 60_000);
});
