/**
 * A whole local market for the market benchmarks, from testkit's pieces: a relay (WebSockets, signature
 * checks on worker threads), the testnet mint (HTTP), paid provider nodes at PRICES (Cashu tabs, NIP-44)
 * serving a SCRIPTED backend, and a funded buyer wallet. The nodes run in this process or, with
 * `processes`, each in its own (provider-child.ts), as separate machines would: then buyer and nodes do not
 * share one event loop. Everything on 127.0.0.1 in a temp folder, undone by `close()`.
 */

import path from "node:path";
import type { SubcallResult } from "@pylon/rlm";
import { type CashuTabStrategy, cashuTabStrategy, createSwarm, type Swarm } from "@pylon/swarm";
import { Cleanup, tempDir } from "@pylon/testkit";
import {
  fundedWallet,
  type MarketRelayChoice,
  scriptedNode,
  startMarketRelay,
  startTestMint,
} from "@pylon/testkit/market";
import type { PylonWallet } from "@pylon/wallet";
import { Child, childScript } from "./children.js";
import { question } from "./jobs.js";
import type { ProviderChildSpec } from "./provider-child.js";

export interface MarketSpec {
  providers: number;
  slots: number;
  queue: number;
  /** Scripted backend delay per job, ms (0: an instant backend, no model time). */
  latencyMs: number;
  fundSats: number;
  /** Each node in its own process. Default false. */
  processes?: boolean;
  /** The relay (relays.ts's relayChoice). Default: Pylon's, signatures checked on worker threads. */
  relay?: MarketRelayChoice;
}

export interface SwarmSpec {
  /** Sats per tab opening / top-up. */
  depositSats: number;
  store?: string;
  jobsPerSecond?: number | undefined;
  /** The buyer key (default: a fresh one); with the same store, tabs a previous run kept are reused. */
  secretKey?: Uint8Array;
  /** Leave the tabs open at close for a later run (default: close and refund them). */
  keepTabs?: boolean;
}

export interface Market {
  relayUrl: string;
  mintUrl: string;
  wallet: PylonWallet;
  /** A swarm paying through tabs, every provider known. */
  swarm(options: SwarmSpec): Promise<{ swarm: Swarm; strategy: CashuTabStrategy }>;
  /**
   * One batch of `count` sub-calls labelled `label` from such a swarm, closed afterwards. `wallSec` ends at
   * the last answer: closing the run's tabs afterwards is settlement, not dispatch.
   */
  batch(
    options: SwarmSpec,
    label: string,
    count: number,
  ): Promise<{ results: SubcallResult[]; wallSec: number }>;
  dir: string;
  close(): Promise<void>;
}

export async function startMarket(spec: MarketSpec): Promise<Market> {
  const cleanup = new Cleanup();
  try {
    const dir = await tempDir(cleanup, "pylon-lab-market-");
    // verifyThreads undefined: the relay's default, signatures checked on worker threads as deployed.
    const relay = await startMarketRelay(
      cleanup,
      spec.relay ?? { kind: "pylon", options: { verifyThreads: undefined } },
    );
    const mint = await startTestMint(cleanup);
    const wallet = await fundedWallet(cleanup, mint.url, spec.fundSats);
    if (spec.processes) {
      const children = Array.from({ length: spec.providers }, (_, i) =>
        childNode(relay.url, mint.url, dir, i, spec),
      );
      cleanup.add(() => Promise.allSettled(children.map((c) => c.stop(5_000))));
      await Promise.all(children.map((c) => c.start()));
    } else {
      for (let i = 0; i < spec.providers; i++)
        await scriptedNode(cleanup, {
          relays: [relay.url],
          mintUrl: mint.url,
          slots: spec.slots,
          queue: spec.queue,
          latencyMs: spec.latencyMs,
          name: `bench node ${i}`,
        });
    }
    const swarm: Market["swarm"] = async ({ depositSats, store, jobsPerSecond, secretKey, keepTabs }) => {
      const strategy = cashuTabStrategy({
        wallet,
        mintUrl: mint.url,
        depositSats,
        lockSeconds: 3_600,
        ...(keepTabs ? { tabsAtClose: "keep" as const } : {}),
      });
      const created = await createSwarm({
        relays: [relay.url],
        payment: strategy,
        hedge: false,
        ...(store ? { store } : {}),
        ...(jobsPerSecond ? { jobsPerSecond } : {}),
        ...(secretKey ? { secretKey } : {}),
      });
      await created.directory.waitFor(spec.providers);
      return { swarm: created, strategy };
    };
    return {
      relayUrl: relay.url,
      mintUrl: mint.url,
      wallet,
      dir,
      // A teardown failure is reported, not thrown: the figures are measured by then.
      close: () => cleanup.run().catch((error) => console.error(`closing the market: ${String(error)}`)),
      swarm,
      batch: async (options, label, count) => {
        const { swarm: once } = await swarm(options);
        try {
          const started = performance.now();
          const results = await once.complete(
            Array.from({ length: count }, (_, i) => question(label, i)),
            new AbortController().signal,
          );
          return { results, wallSec: (performance.now() - started) / 1000 };
        } finally {
          await once.close();
        }
      },
    };
  } catch (error) {
    await cleanup.run().catch(() => undefined); // the start's error is the one to report
    throw error;
  }
}

function childNode(relayUrl: string, mintUrl: string, dir: string, i: number, spec: MarketSpec): Child {
  return new Child(
    `node-${i}`,
    childScript("provider"),
    {
      relayUrl,
      mintUrl,
      dataDir: path.join(dir, `node-${i}`),
      slots: spec.slots,
      queue: spec.queue,
      latencyMs: spec.latencyMs,
      name: `bench node ${i}`,
      reportGenerations: false,
    } satisfies ProviderChildSpec,
    () => {},
    (line) => console.error(`  [${line}]`),
  );
}
