/**
 * The crowd: a thousand-provider market on this machine (issue 18). Provider identities are packed many per
 * process (pack-child.ts), each a real provider node with its own key, data dir, relay connections,
 * announcement, heartbeat, intake and tab book, speaking to the relays exactly as separate nodes do. Two
 * Pylon relays and the foreign one run in their own processes, as does the mint, so each one's RSS and CPU
 * can be reported. Everything on 127.0.0.1 in a temp folder, undone by `close()`.
 */
import path from "node:path";
import type { MintStats } from "@pylon/mint";
import {
  type CashuTabStrategy,
  cashuTabStrategy,
  createSwarm,
  type Swarm,
  type SwarmOptions,
} from "@pylon/swarm";
import { Cleanup, tempDir, unusedPort } from "@pylon/testkit";
import { fundedWallet } from "@pylon/testkit/market";
import type { PylonWallet } from "@pylon/wallet";
import type { ProviderBooks } from "../soak/checks.js";
import { bounded, Child, childScript } from "./children.js";
import { planCrowd } from "./crowd-plan.js";
import { checkLatency, type LatencySpec } from "./latency.js";
import type { SwarmSpec } from "./market.js";
import type { PackSpec } from "./pack-child.js";

export type { LatencySpec } from "./latency.js";

export interface CrowdSpec {
  /** Provider identities, e.g. 1,000 (or 100 in npm test). */
  providers: number;
  /** Provider identities per process, default 50. */
  perPack?: number;
  /** Default 3: two Pylon relays (own processes) + the foreign one (own process). */
  relays?: 1 | 2 | 3;
  /** Share of providers announced on and listening to two relays, default 0.2. */
  twoRelayShare?: number;
  slots: number;
  queue: number;
  maxBatch?: number;
  latency: LatencySpec;
  /** Per job, e.g. { share: 0.05, factor: 10 }: that share of jobs take `factor` × their latency. */
  stragglers?: { share: number; factor: number };
  /** Providers at PRICES × factor, interleaved by share; default one tier × 1. */
  tiers?: Array<{ share: number; priceFactor: number }>;
  fundSats: number;
  /** Seed of the latency draws (the same seed, the same delays at each provider). Default 1. */
  seed?: number;
  /** Count each provider's generations over every life of its pack (report's `generated`). Default false:
   * it costs one IPC message per job in this process. */
  countGenerations?: boolean;
  /** Nodes a pack starts at once. Default 10. */
  startConcurrency?: number;
  /** Where the children's stderr lines go. Default console.error. */
  log?: (line: string) => void;
}

export interface CrowdProvider {
  pubkey: string;
  pack: number;
  relays: string[];
  tier: number;
}

/** What a provider says to `report` (provider-child.ts's shape, lab/soak/checks.ts's ProviderBooks). */
export interface CrowdProviderReport extends ProviderBooks {
  pubkey: string;
  /** Generations started over every life of its pack (with `countGenerations`). */
  generated?: number;
  /** Most generations its backend held at once (running or waiting for a slot) in this life of its pack. */
  peakInFlight?: number;
}

/** A child process's resident memory (bytes) and CPU (µs, user + system) so far; zeros while `down`. */
export interface ProcUsage {
  label: string;
  rss: number;
  cpuUs: number;
  down?: boolean;
  /** The foreign relay: the most subscriptions one connection (any client's) held open at once. */
  peakSubscriptions?: number;
}

export interface CrowdSwarmSpec extends SwarmSpec {
  /** Default false (as market.ts's swarms). */
  hedge?: SwarmOptions["hedge"];
  /** Live providers to wait for (default all). */
  waitFor?: number;
  maxPriceMsats?: number;
  /** SwarmOptions' (default 5,000 ms): longer on a crowded machine whose packs answer late. */
  ackTimeoutMs?: number;
  /** SwarmOptions' trust (default: spot checks on, a fresh reputation book, as a new buyer has). */
  trust?: SwarmOptions["trust"];
  /** SwarmOptions' spread rule (default "finish"). */
  spread?: SwarmOptions["spread"];
}

export interface Crowd {
  relayUrls: string[];
  mintUrl: string;
  wallet: PylonWallet;
  dir: string;
  providers: CrowdProvider[];
  /** ms from the first pack's fork to every provider announced (each pack's "ready"). */
  startMs: number;
  packs: number;
  /** A buyer swarm on every relay, paying by tabs; resolves once `waitFor` providers are live (default all). */
  swarm(options: CrowdSwarmSpec): Promise<{ swarm: Swarm; strategy: CashuTabStrategy; discoveryMs: number }>;
  /** SIGKILL: every provider in it dies at once, as crashed machines. */
  killPack(i: number): Promise<void>;
  /** Same data dirs and keys (a running pack is SIGKILLed first). */
  restartPack(i: number): Promise<void>;
  /** SIGKILL + restart on the same port and database. */
  restartRelay(i: number): Promise<void>;
  /** Every live pack's providers' reports (redeems what they hold first). */
  report(): Promise<CrowdProviderReport[]>;
  /** RSS (bytes) and CPU (µs user+system) of each child: relays, packs, mint. */
  usage(): Promise<{ relays: ProcUsage[]; packs: ProcUsage[]; mint: ProcUsage }>;
  /** @pylon/mint's stats. */
  mintStats(): Promise<MintStats>;
  /** Process ids of every child started (relays, mint, packs; the latest life of each), to check none is left. */
  pids(): number[];
  /**
   * Swarms from `swarm()` closed (given 30 s), packs stopped (SIGKILL after 5 s), relays and mint stopped,
   * files gone; every step runs whatever the others did, and their errors are thrown together at the end.
   */
  close(): Promise<void>;
}

const RELAY_KINDS = ["pylon", "pylon", "foreign"] as const;

export async function startCrowd(spec: CrowdSpec): Promise<Crowd> {
  const perPack = spec.perPack ?? 50;
  const relayCount = spec.relays ?? 3;
  checkLatency(spec.latency, spec.stragglers);
  const plan = planCrowd({
    providers: spec.providers,
    perPack,
    relays: relayCount,
    twoRelayShare: spec.twoRelayShare ?? 0.2,
    tiers: spec.tiers ?? [{ share: 1, priceFactor: 1 }],
  });
  const tiers = spec.tiers ?? [{ share: 1, priceFactor: 1 }];
  const log = spec.log ?? ((line: string) => console.error(`  [${line}]`));
  const cleanup = new Cleanup();
  try {
    const dir = await tempDir(cleanup, "pylon-crowd-");
    const relays = await Promise.all(
      RELAY_KINDS.slice(0, relayCount).map(
        async (kind, k) =>
          new Child(
            `relay-${k}`,
            childScript("relay"),
            { port: await unusedPort(), db: path.join(dir, `relay-${k}.db`), kind },
            () => {},
            log,
          ),
      ),
    );
    const mint = new Child("mint", childScript("mint"), { inputFeePpk: 0 }, () => {}, log);
    cleanup.add(() => Promise.allSettled([mint, ...relays].map((c) => c.stop(5_000))));
    const [mintReady, ...relayReady] = await Promise.all([mint.start(), ...relays.map((r) => r.start())]);
    const mintUrl = String(mintReady!.url);
    const relayUrls = relayReady.map((r) => String(r.url));
    const wallet = await fundedWallet(cleanup, mintUrl, spec.fundSats);

    const packCount = Math.ceil(spec.providers / perPack);
    const generated = Array.from({ length: packCount }, (_, i) =>
      new Array<number>(plan.filter((p) => p.pack === i).length).fill(0),
    );
    const packs = Array.from({ length: packCount }, (_, i) => {
      const packSpec: PackSpec = {
        pack: i,
        mintUrl,
        providers: plan
          .filter((p) => p.pack === i)
          .map((p) => ({
            index: p.index,
            dataDir: path.join(dir, "providers", String(p.index)),
            relays: p.relays.map((r) => relayUrls[r]!),
            priceFactor: tiers[p.tier]!.priceFactor,
          })),
        slots: spec.slots,
        queue: spec.queue,
        ...(spec.maxBatch !== undefined ? { maxBatch: spec.maxBatch } : {}),
        latency: spec.latency,
        ...(spec.stragglers ? { stragglers: spec.stragglers } : {}),
        seed: spec.seed ?? 1,
        countGenerations: spec.countGenerations ?? false,
        ...(spec.startConcurrency !== undefined ? { startConcurrency: spec.startConcurrency } : {}),
      };
      const onMessage = (message: { type: string; p?: unknown }) => {
        if (message.type === "generated" && typeof message.p === "number") generated[i]![message.p]!++;
      };
      // A pack of 50 loads the market through tsx and opens 50 nodes: minutes on a busy 2-core machine.
      return new Child(`pack-${i}`, childScript("pack"), packSpec, onMessage, log, 300_000);
    });
    cleanup.add(() => Promise.allSettled(packs.map((p) => p.stop(5_000))));
    const started = performance.now();
    const ready = await Promise.all(packs.map((p) => p.start()));
    const startMs = performance.now() - started;
    const pubkeys = ready.map((r) => r.pubkeys as string[]);
    const providers: CrowdProvider[] = plan.map((p) => ({
      pubkey: pubkeys[p.pack]![p.index - p.pack * perPack]!,
      pack: p.pack,
      relays: p.relays.map((r) => relayUrls[r]!),
      tier: p.tier,
    }));

    const at = <T>(list: T[], i: number, what: string): T => {
      const item = list[i];
      if (item === undefined) throw new RangeError(`no ${what} ${i} (there are ${list.length})`);
      return item;
    };
    const usageOf = async (child: Child): Promise<ProcUsage> => {
      if (!child.alive) return { label: child.label, rss: 0, cpuUs: 0, down: true };
      const { rss, cpuUs, peakSubscriptions } = await child.ask("usage", 30_000);
      return {
        label: child.label,
        rss: Number(rss),
        cpuUs: Number(cpuUs),
        ...(typeof peakSubscriptions === "number" ? { peakSubscriptions } : {}),
      };
    };

    return {
      relayUrls,
      mintUrl,
      wallet,
      dir,
      providers,
      startMs,
      packs: packCount,
      swarm: async (o) => {
        const strategy = cashuTabStrategy({
          wallet,
          mintUrl,
          depositSats: o.depositSats,
          lockSeconds: 3_600,
          ...(o.keepTabs ? { tabsAtClose: "keep" as const } : {}),
        });
        const began = performance.now();
        const swarm = await createSwarm({
          relays: relayUrls,
          payment: strategy,
          hedge: o.hedge ?? false,
          ...(o.store ? { store: o.store } : {}),
          ...(o.jobsPerSecond ? { jobsPerSecond: o.jobsPerSecond } : {}),
          ...(o.secretKey ? { secretKey: o.secretKey } : {}),
          ...(o.maxPriceMsats !== undefined ? { maxPriceMsats: o.maxPriceMsats } : {}),
          ...(o.ackTimeoutMs !== undefined ? { ackTimeoutMs: o.ackTimeoutMs } : {}),
          ...(o.trust !== undefined ? { trust: o.trust } : {}),
          ...(o.spread ? { spread: o.spread } : {}),
        });
        // Closed at the crowd's close unless the caller did (once: a second close would find it closed).
        const closeOnce = swarm.close.bind(swarm);
        let closing: Promise<void> | undefined;
        swarm.close = () => (closing ??= closeOnce());
        cleanup.add(() => bounded(swarm.close(), 30_000, "closing a crowd swarm (its tabs)"));
        await swarm.directory.waitFor(o.waitFor ?? providers.length, 60_000);
        return { swarm, strategy, discoveryMs: performance.now() - began };
      },
      killPack: (i) => at(packs, i, "pack").kill(),
      restartPack: async (i) => {
        const pack = at(packs, i, "pack");
        await pack.kill();
        const again = (await pack.start()).pubkeys as string[];
        if (again.join() !== pubkeys[i]!.join())
          throw new Error(`pack ${i} came back with other keys: its data dirs were not kept`);
      },
      restartRelay: async (i) => {
        const relay = at(relays, i, "relay");
        await relay.kill();
        await relay.start();
      },
      report: async () => {
        const live = packs.map((pack, i) => ({ pack, i })).filter(({ pack }) => pack.alive);
        const answers = await Promise.all(live.map(({ pack }) => pack.ask("report", 300_000)));
        return answers.flatMap((answer, k) => {
          const i = live[k]!.i;
          if (!Array.isArray(answer.reports))
            throw new Error(`pack ${i} did not report: ${String(answer.error ?? "no reports")}`);
          return (answer.reports as CrowdProviderReport[]).map((r, p) =>
            spec.countGenerations ? { ...r, generated: generated[i]![p]! } : r,
          );
        });
      },
      usage: async () => {
        const [mintUsage, ...rest] = await Promise.all([mint, ...relays, ...packs].map(usageOf));
        return { mint: mintUsage!, relays: rest.slice(0, relays.length), packs: rest.slice(relays.length) };
      },
      mintStats: async () => (await mint.ask("stats")).stats as MintStats,
      pids: () => [mint, ...relays, ...packs].flatMap((c) => (c.pid === undefined ? [] : [c.pid])),
      close: () => cleanup.run(),
    };
  } catch (error) {
    await cleanup.run().catch(() => undefined); // the start's error is the one to report
    throw error;
  }
}
