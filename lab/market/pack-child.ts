// A pack: ONE process hosting many provider identities of the crowd (crowd.ts), each a real provider node
// (testkit's scriptedNode: its own key and data dir, its own relay connections, NIP-89 announcement and
// heartbeat, intake subscription, Cashu tabs at its tier's prices), so a thousand fit on a small machine
// yet speak to the relays exactly as separate nodes do. Config as JSON in argv[2] (PackSpec). IPC:
//   → { type: "ready", pubkeys }     once every node announced (pubkeys in the spec's order)
//   → { type: "generated", p }       each time node `p` (its place in the spec) starts answering, if asked
//   ← { type: "report" }             → { type: "report", reports } after each node redeemed what it holds
//                                       (settle.ts: no redeem left half-done)
//                                       (per node: pubkey, earnings, tabs, jobs, peakInFlight)
//   ← { type: "usage" }              → { type: "usage", rss, cpuUs }
//   ← { type: "stop" }               graceful stop of every node, then exit
// It exits on its own when the parent goes away, so a crashed run leaves no pack behind.
import type { Backend } from "@pylon/inference";
import { createScriptedBackend } from "@pylon/inference/scripted";
import { Cleanup } from "@pylon/testkit";
import { echoAnswer, MODEL, PRICES, type ScriptedNode, scriptedNode } from "@pylon/testkit/market";
import { type LatencySpec, latencyFor, providerSeed, type Stragglers } from "./latency.js";
import { redeemAll, sideSats } from "./settle.js";

export interface PackProvider {
  /** Its place in the whole crowd (seeds its latency stream, names it). */
  index: number;
  /** Kept across restarts: the node's key lives there (provider.key), so it comes back as itself. */
  dataDir: string;
  relays: string[];
  priceFactor: number;
}

export interface PackSpec {
  pack: number;
  mintUrl: string;
  providers: PackProvider[];
  slots: number;
  queue: number;
  maxBatch?: number;
  latency: LatencySpec;
  stragglers?: Stragglers;
  seed: number;
  /** Nodes starting at once (key, SQLite, relay connections, first announcement). Default 10. */
  startConcurrency?: number;
  /** Send "generated" per generation (the soak counts them). */
  countGenerations: boolean;
}

const spec = JSON.parse(process.argv[2] ?? "{}") as PackSpec;
process.on("disconnect", () => process.exit(0));

const cleanup = new Cleanup();
const nodes: ScriptedNode[] = new Array(spec.providers.length);
/** Generations at each node's backend at once (running or waiting for a slot), now and at most so far. */
const inFlight = new Array<number>(spec.providers.length).fill(0);
const peakInFlight = new Array<number>(spec.providers.length).fill(0);

/** Counts what the node hands its backend, so a test can check it never had more than its capacity. */
function counted(backend: Backend, p: number): Backend {
  return {
    kind: backend.kind,
    info: () => backend.info(),
    generate: async (request, options) => {
      peakInFlight[p] = Math.max(peakInFlight[p]!, ++inFlight[p]!);
      try {
        return await backend.generate(request, options);
      } finally {
        inFlight[p]!--;
      }
    },
    close: () => backend.close(),
  };
}

async function startOne(p: number): Promise<void> {
  const provider = spec.providers[p]!;
  const f = provider.priceFactor;
  const backend = createScriptedBackend({
    model: MODEL,
    slots: spec.slots,
    maxQueue: 1_000, // the node's own queue limit is the one that applies (as scriptedNode's)
    latencyMs: latencyFor(spec.latency, spec.stragglers, providerSeed(spec.seed, provider.index)),
    // Told as the answer is made (after the scripted latency), so an answered job always counted first.
    responses: (request, callIndex) => {
      if (spec.countGenerations) process.send?.({ type: "generated", p });
      return echoAnswer(request, callIndex);
    },
  });
  nodes[p] = await scriptedNode(cleanup, {
    relays: provider.relays,
    mintUrl: spec.mintUrl,
    slots: spec.slots,
    queue: spec.queue,
    name: `crowd provider ${provider.index}`,
    backend: counted(backend, p),
    config: {
      dataDir: provider.dataDir,
      prices: {
        inputPer1k: Math.round(PRICES.inputPer1k * f),
        outputPer1k: Math.round(PRICES.outputPer1k * f),
        minimum: Math.round(PRICES.minimum * f),
      },
      ...(spec.maxBatch !== undefined ? { maxBatch: spec.maxBatch } : {}),
    },
  });
}

/** Starts every node, `startConcurrency` at a time: a burst of hundreds of sockets and SQLite opens at once
 * only slows each of them down. */
async function startAll(): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < spec.providers.length) await startOne(next++);
  };
  const width = Math.min(spec.startConcurrency ?? 10, spec.providers.length);
  await Promise.all(Array.from({ length: width }, worker));
}

async function report() {
  return Promise.all(
    nodes.map(async ({ node }, p) => {
      try {
        await redeemAll(node, spec.providers[p]!.dataDir);
        const status = node.status();
        return {
          pubkey: node.pubkey,
          earnings: status.earnings,
          tabs: node.payments?.tabTotals(),
          jobs: status.jobs,
          peakInFlight: peakInFlight[p],
          side: sideSats(node, spec.providers[p]!.dataDir),
        };
      } catch (error) {
        return { pubkey: node.pubkey, error: String(error) };
      }
    }),
  );
}

process.on("message", (message: { type?: string }) => {
  if (message?.type === "report") {
    void report().then((reports) => process.send?.({ type: "report", reports }));
  } else if (message?.type === "usage") {
    const cpu = process.cpuUsage();
    process.send?.({ type: "usage", rss: process.memoryUsage().rss, cpuUs: cpu.user + cpu.system });
  } else if (message?.type === "stop") {
    void cleanup.run().finally(() => process.exit(0));
  }
});

try {
  await startAll();
} catch (error) {
  console.error(`pack ${spec.pack}: a provider did not start: ${String(error)}`);
  process.exit(1);
}
process.send?.({ type: "ready", pubkeys: nodes.map(({ node }) => node.pubkey) });
