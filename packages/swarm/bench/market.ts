/**
 * A whole local market for the swarm benchmarks: a relay (WebSockets, signature checks on worker threads),
 * the testnet mint (HTTP), paid provider nodes (Cashu tabs, NIP-44) serving a SCRIPTED backend, and a funded
 * buyer wallet. The nodes run in this process or, with `processes`, each in its own (the soak's
 * provider-child.mjs), as separate machines would: then buyer and nodes do not share one event loop.
 * Everything on 127.0.0.1 in a temp folder, removed by `close()`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createScriptedBackend } from "@pylon/inference/scripted";
import { startMint } from "@pylon/mint";
import { quietLogger, type RunningProvider, startProvider } from "@pylon/provider";
import { startRelay } from "@pylon/relay";
import type { SubcallRequest } from "@pylon/rlm";
import { openWallet, type PylonWallet } from "@pylon/wallet";
import { Child, soakScript } from "../soak/children.js";
import { type CashuTabStrategy, cashuTabStrategy, createSwarm, type Swarm } from "../src/index.js";

export const MODEL = "scripted-sub";
/** msats per 1k tokens, as the swarm tests use. */
export const PRICES = { inputPer1k: 10_000, outputPer1k: 20_000, minimum: 0 };
export const MAX_TOKENS = 32;

export interface MarketSpec {
  providers: number;
  slots: number;
  queue: number;
  /** Scripted backend delay per job, ms (0: an instant backend, no model time). */
  latencyMs: number;
  fundSats: number;
  /** Each node in its own process. Default false. */
  processes?: boolean;
}

export interface Market {
  relayUrl: string;
  mintUrl: string;
  wallet: PylonWallet;
  /** A swarm paying through tabs, every provider known; `depositSats` per tab opening / top-up. */
  swarm(options: {
    depositSats: number;
    store?: string;
    jobsPerSecond?: number;
    /** The buyer key (default: a fresh one); with the same store, tabs a previous run kept are reused. */
    secretKey?: Uint8Array;
    /** Leave the tabs open at close for a later run (default: close and refund them). */
    keepTabs?: boolean;
  }): Promise<{ swarm: Swarm; strategy: CashuTabStrategy }>;
  dir: string;
  close(): Promise<void>;
}

export const question = (label: string, i: number): SubcallRequest => ({
  messages: [{ role: "user", content: `${label} question ${i}` }],
  maxTokens: MAX_TOKENS,
  depth: 1,
  runId: "bench",
});

export async function startMarket(spec: MarketSpec): Promise<Market> {
  const dir = await mkdtemp(path.join(tmpdir(), "pylon-swarm-bench-"));
  const cleanups: Array<() => Promise<unknown> | unknown> = [() => rm(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const task of cleanups.splice(0).reverse()) {
      try {
        await task();
      } catch {
        // keep closing the rest
      }
    }
  };
  try {
    const relay = await startRelay({ port: 0, host: "127.0.0.1", db: ":memory:" });
    cleanups.push(() => relay.close());
    const mint = await startMint({ port: 0, db: ":memory:", host: "127.0.0.1" });
    cleanups.push(() => mint.close());
    const wallet = await openWallet({
      dbPath: path.join(dir, "buyer.db"),
      seedPath: path.join(dir, "buyer.seed"),
      mintUrls: [mint.url],
    });
    cleanups.push(() => wallet.close());
    await wallet.fund(spec.fundSats);
    if (spec.processes) {
      const children = Array.from({ length: spec.providers }, (_, i) =>
        childNode(relay.url, mint.url, dir, i, spec),
      );
      cleanups.push(() => Promise.allSettled(children.map((c) => c.stop(5_000))));
      await Promise.all(children.map((c) => c.start()));
    } else {
      const nodes: RunningProvider[] = [];
      cleanups.push(() => Promise.allSettled(nodes.map((n) => n.stop())));
      for (let i = 0; i < spec.providers; i++) nodes.push(await paidNode(relay.url, mint.url, dir, i, spec));
    }
    return {
      relayUrl: relay.url,
      mintUrl: mint.url,
      wallet,
      dir,
      close,
      swarm: async ({ depositSats, store, jobsPerSecond, secretKey, keepTabs }) => {
        const strategy = cashuTabStrategy({
          wallet,
          mintUrl: mint.url,
          depositSats,
          lockSeconds: 3_600,
          ...(keepTabs ? { tabsAtClose: "keep" as const } : {}),
        });
        const swarm = await createSwarm({
          relays: [relay.url],
          payment: strategy,
          hedge: false,
          ...(store ? { store } : {}),
          ...(jobsPerSecond ? { jobsPerSecond } : {}),
          ...(secretKey ? { secretKey } : {}),
        });
        await swarm.directory.waitFor(spec.providers);
        return { swarm, strategy };
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function paidNode(
  relayUrl: string,
  mintUrl: string,
  dir: string,
  i: number,
  spec: MarketSpec,
): Promise<RunningProvider> {
  return startProvider(
    {
      relays: [relayUrl],
      model: { type: "scripted", echo: true },
      free: false,
      prices: PRICES,
      allowedMints: [mintUrl],
      dataDir: path.join(dir, `node-${i}`),
      slots: spec.slots,
      queue: spec.queue,
      shutdownGraceSec: 0,
      name: `bench node ${i}`,
    },
    {
      backend: createScriptedBackend({
        responses: (r) => `answer to: ${r.messages?.at(-1)?.content ?? ""}`,
        model: MODEL,
        latencyMs: spec.latencyMs,
        slots: spec.slots,
        maxQueue: 100_000,
      }),
      log: quietLogger,
      allowPrivateRequestRelays: true,
    },
  );
}

function childNode(relayUrl: string, mintUrl: string, dir: string, i: number, spec: MarketSpec): Child {
  return new Child(
    `node-${i}`,
    soakScript("provider-child.mjs"),
    {
      relayUrl,
      mintUrl,
      dataDir: path.join(dir, `node-${i}`),
      slots: spec.slots,
      queue: spec.queue,
      latencyMs: spec.latencyMs,
      model: MODEL,
      prices: PRICES,
      name: `bench node ${i}`,
      reportGenerations: false,
    },
    () => {},
    (line) => console.error(`  [${line}]`),
  );
}

/** Sats a tab needs to pay `jobs` jobs at their worst-case quote, with room to spare. */
export function depositFor(jobs: number, providers: number): number {
  const worstJobMsats = 64 * (PRICES.inputPer1k / 1000) + MAX_TOKENS * (PRICES.outputPer1k / 1000);
  return Math.ceil(((jobs / providers) * worstJobMsats * 1.5) / 1000) + 10;
}
