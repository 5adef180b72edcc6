/**
 * Swarm throughput and hedging on one machine: a local relay and four free provider nodes serving a
 * SCRIPTED backend (no model: this measures the market plumbing, not inference). Prints one line per
 * scenario; with `--json FILE` also writes the figures as JSON.
 *
 *   tsx lab/bench/dispatch.ts [--json FILE]
 */
import type { SubcallRequest } from "@pylon/rlm";
import { createSwarm } from "@pylon/swarm";
import { Cleanup } from "@pylon/testkit";
import { benchArgs, machine, percentile, writeBenchJson } from "@pylon/testkit/bench";
import { type ScriptedNode, scriptedNode, startTestRelay } from "@pylon/testkit/market";

const { json } = benchArgs({});
const scenarios: Array<Record<string, unknown>> = [];
const cleanup = new Cleanup();

const ask = (prompt: string): SubcallRequest => ({
  messages: [{ role: "user", content: prompt }],
  maxTokens: 64,
  depth: 1,
  runId: "bench",
});

async function scenario(
  relayUrl: string,
  label: string,
  count: number,
  hedge: boolean,
  expectProviders: number,
): Promise<void> {
  const swarm = await createSwarm({ relays: [relayUrl], hedge: hedge ? { minMs: 300 } : false });
  await swarm.directory.waitFor(expectProviders);
  const started = performance.now();
  const results = await swarm.complete(
    Array.from({ length: count }, (_, i) => ask(`${label} ${i}`)),
    new AbortController().signal,
  );
  const seconds = (performance.now() - started) / 1000;
  const latencies = results.map((r) => r.latencyMs);
  const p = (q: number) => Math.round(percentile(latencies, q));
  const ok = results.filter((r) => r.ok).length;
  console.log(
    `${label}: ${ok}/${count} answered in ${seconds.toFixed(2)} s (${(count / seconds).toFixed(1)} sub-calls/s); ` +
      `latency p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, max ${p(1)} ms; jobs ${swarm.counters.jobsSent}, hedges ${swarm.counters.hedges}`,
  );
  scenarios.push({
    label,
    subcalls: count,
    answered: ok,
    hedged: hedge,
    wallSec: seconds,
    perSecond: count / seconds,
    latencyP50Ms: p(0.5),
    latencyP95Ms: p(0.95),
    latencyMaxMs: p(1),
    jobsSent: swarm.counters.jobsSent,
    hedges: swarm.counters.hedges,
  });
  await swarm.close();
}

try {
  // verifyThreads undefined: the relay's default, signatures checked on worker threads as deployed.
  const relay = await startTestRelay(cleanup, { verifyThreads: undefined });
  const node = (latencyMs: number): Promise<ScriptedNode> =>
    scriptedNode(cleanup, { relays: [relay.url], latencyMs, slots: 4, queue: 4 });
  const nodes: ScriptedNode[] = [];
  for (let i = 0; i < 4; i++) nodes.push(await node(20));
  await scenario(relay.url, "400 sub-calls, 4 providers x 8 places, 20 ms each", 400, false, 4);
  await nodes[3]!.node.stop();
  await node(3_000);
  await scenario(relay.url, "96 sub-calls, 1 of 4 providers 3 s slow, hedged", 96, true, 4);
  await scenario(relay.url, "96 sub-calls, 1 of 4 providers 3 s slow, not hedged", 96, false, 4);
  writeBenchJson(json, {
    benchmark: "swarm/dispatch",
    date: new Date().toISOString(),
    machine: machine(),
    scenarios,
  });
} finally {
  await cleanup.run();
}
