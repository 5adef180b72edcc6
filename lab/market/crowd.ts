/**
 * The crowd: a thousand-provider market on this machine (issue 18). Provider identities are packed many per
 * process (pack-child.ts), each a real provider node with its own key, data dir, relay connections,
 * announcement, heartbeat, intake and tab book, speaking to the relays exactly as separate nodes do. Two
 * Pylon relays and the foreign one run in their own processes, as does the mint, so each one's RSS and CPU
 * can be reported. Everything on 127.0.0.1 in a temp folder, undone by `close()`.
 */
import type { MintStats } from "@pylon/mint";
import type { CashuTabStrategy, Swarm, SwarmOptions } from "@pylon/swarm";
import type { PylonWallet } from "@pylon/wallet";
import type { ProviderBooks } from "../soak/checks.js";
import type { SwarmSpec } from "./market.js";

/** Scripted model time per job. */
export type LatencySpec =
  | { kind: "instant" } // no model time
  | { kind: "fixed"; ms: number }
  | { kind: "lognormal"; medianMs: number; sigma: number }; // per job

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
  /** Providers at PRICES × factor, in order of the shares; default one tier × 1. */
  tiers?: Array<{ share: number; priceFactor: number }>;
  fundSats: number;
  /** Seed of the latency draws (reproducible runs). Default 1. */
  seed?: number;
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
  /** Generations started in this life of its pack. */
  generated?: number;
}

/** A child process's resident memory (bytes) and CPU (µs, user + system) so far. */
export interface ProcUsage {
  label: string;
  rss: number;
  cpuUs: number;
}

export interface CrowdSwarmSpec extends SwarmSpec {
  hedge?: SwarmOptions["hedge"];
  /** Live providers to wait for (default all). */
  waitFor?: number;
  maxPriceMsats?: number;
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
  /** Same data dirs and keys. */
  restartPack(i: number): Promise<void>;
  /** SIGKILL + restart on the same port and database. */
  restartRelay(i: number): Promise<void>;
  /** Every live pack's providers' reports (redeems what they hold first). */
  report(): Promise<CrowdProviderReport[]>;
  /** RSS (bytes) and CPU (µs user+system) of each child: relays, packs, mint. */
  usage(): Promise<{ relays: ProcUsage[]; packs: ProcUsage[]; mint: ProcUsage }>;
  /** @pylon/mint's stats. */
  mintStats(): Promise<MintStats>;
  close(): Promise<void>;
}

export async function startCrowd(spec: CrowdSpec): Promise<Crowd> {
  void spec;
  throw new Error("startCrowd: not implemented yet (helper crowd commits it next)");
}
