/**
 * Swarm throughput and hedging on one machine: a local relay and four provider nodes serving a SCRIPTED
 * backend (no model: this measures the market plumbing, not inference). Prints one line per scenario;
 * with `--json FILE` also writes the figures as JSON.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createScriptedBackend } from "@pylon/inference/scripted";
import { quietLogger, type RunningProvider, startProvider } from "@pylon/provider";
import { startRelay } from "@pylon/relay";
import type { SubcallRequest } from "@pylon/rlm";
import { createSwarm } from "../src/index.js";
import { machine, writeJson } from "./bench-util.js";

const dir = await mkdtemp(path.join(tmpdir(), "pylon-swarm-bench-"));
const jsonIndex = process.argv.indexOf("--json");
const jsonFile = jsonIndex >= 0 ? process.argv[jsonIndex + 1] : undefined;
const scenarios: Array<Record<string, unknown>> = [];
const relay = await startRelay({ port: 0, host: "127.0.0.1", db: ":memory:" });

async function node(i: number, latencyMs: number): Promise<RunningProvider> {
  return startProvider(
    {
      relays: [relay.url],
      model: { type: "scripted", echo: true },
      free: true,
      dataDir: path.join(dir, `node-${i}-${latencyMs}`),
      slots: 4,
      queue: 4,
      shutdownGraceSec: 0,
    },
    {
      backend: createScriptedBackend({
        responses: (r) => `answer: ${r.messages?.at(-1)?.content}`,
        latencyMs,
        slots: 4,
      }),
      log: quietLogger,
      allowPrivateRequestRelays: true,
    },
  );
}

const ask = (prompt: string): SubcallRequest => ({
  messages: [{ role: "user", content: prompt }],
  maxTokens: 64,
  depth: 1,
  runId: "bench",
});

async function scenario(
  label: string,
  count: number,
  hedge: boolean,
  expectProviders: number,
): Promise<void> {
  const swarm = await createSwarm({ relays: [relay.url], hedge: hedge ? { minMs: 300 } : false });
  await swarm.directory.waitFor(expectProviders);
  const started = performance.now();
  const results = await swarm.complete(
    Array.from({ length: count }, (_, i) => ask(`${label} ${i}`)),
    new AbortController().signal,
  );
  const seconds = (performance.now() - started) / 1000;
  const latencies = results.map((r) => r.latencyMs).sort((a, b) => a - b);
  const p = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
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

const nodes: RunningProvider[] = [];
try {
  for (const i of [0, 1, 2, 3]) nodes.push(await node(i, 20));
  await scenario("400 sub-calls, 4 providers x 8 places, 20 ms each", 400, false, 4);
  await nodes[3]!.stop();
  nodes.push(await node(9, 3_000));
  await scenario("96 sub-calls, 1 of 4 providers 3 s slow, hedged", 96, true, 4);
  await scenario("96 sub-calls, 1 of 4 providers 3 s slow, not hedged", 96, false, 4);
  writeJson(jsonFile, {
    benchmark: "swarm/dispatch",
    date: new Date().toISOString(),
    machine: machine(),
    scenarios,
  });
} finally {
  for (const n of nodes) await n.stop();
  await relay.close();
  await rm(dir, { recursive: true, force: true });
}
