/**
 * A one-shot look at the market: the providers the relays announce, summarised for people and scripts
 * (`pylon providers`). Not for dispatch, which keeps a live ProviderDirectory instead.
 */
import { randomBytes } from "node:crypto";
import { describeRelayTrouble, initFastVerify, RelayPool } from "@pylon/nostr";
import { type DirectoryOptions, ProviderDirectory, type ProviderEntry } from "./directory.js";
import { capacityOf } from "./selection.js";

export interface ProviderSummary {
  pubkey: string;
  name: string;
  /** Online, unexpired and heard from recently: jobs may go there. */
  live: boolean;
  status: "online" | "offline";
  /** Each model offered; `digest`, `size`, `arch`, `quant`: its GGUF's identity, where announced. */
  models: {
    name: string;
    context?: number;
    maxOutput?: number;
    digest?: string;
    size?: number;
    arch?: string;
    quant?: string;
  }[];
  /** Msats per 1,000 input / output tokens and per-job minimum; null when it names no price. */
  price: { inputPer1k: number; outputPer1k: number; minimum: number } | null;
  /** Jobs it runs at once and holds waiting; null when it does not say (the swarm then sends one at a time). */
  capacity: { slots: number; queue: number } | null;
  load: { active: number; queued: number } | null;
  encryption: string[];
  payment: string[];
  /** Seconds since its last heartbeat. */
  lastSeenSec: number;
  version: string | null;
}

/** A directory entry as `pylon providers` and `pylon view` show it. */
export function summariseProvider(entry: ProviderEntry, live: boolean, nowSec: number): ProviderSummary {
  const a = entry.announcement;
  const price = a.price ?? a.models[0]?.price;
  const capacity = a.capacity ? capacityOf(entry) : undefined;
  return {
    pubkey: entry.pubkey,
    name: a.name,
    live,
    status: a.status,
    models: a.models.map((model) => ({
      name: model.name,
      ...(model.contextLength === undefined ? {} : { context: model.contextLength }),
      ...(model.maxOutputTokens === undefined ? {} : { maxOutput: model.maxOutputTokens }),
      ...(model.digest === undefined ? {} : { digest: model.digest }),
      ...(model.sizeBytes === undefined ? {} : { size: model.sizeBytes }),
      ...(model.architecture === undefined ? {} : { arch: model.architecture }),
      ...(model.quantisation === undefined ? {} : { quant: model.quantisation }),
    })),
    price: price
      ? {
          inputPer1k: price.inputMsatsPer1k,
          outputPer1k: price.outputMsatsPer1k,
          minimum: price.minimumMsats ?? 0,
        }
      : null,
    capacity: capacity ? { slots: capacity.slots, queue: capacity.maxQueue } : null,
    load: a.load ?? null,
    encryption: [...a.encryption],
    payment: [...a.payment.methods],
    lastSeenSec: Math.max(0, nowSec - a.heartbeat),
    version: a.version ?? null,
  };
}

export interface ListProvidersOptions extends Omit<DirectoryOptions, "onChange"> {
  relays: string[];
  /** How long to wait for the relays' stored announcements, ms. Default 5,000. */
  timeoutMs?: number;
  /** Include offline and stale providers. Default false. */
  all?: boolean;
  /** Told which relays could not be read (URL and error, one line each), when any could not. */
  onRelayTrouble?: (lines: string[]) => void;
}

/** Connects, reads every announcement the relays hold, and disconnects. Live providers first. */
export async function listProviders(options: ListProvidersOptions): Promise<ProviderSummary[]> {
  await initFastVerify();
  const { relays, timeoutMs, all, onRelayTrouble, ...directoryOptions } = options;
  // A throwaway key, only to answer the AUTH of relays that serve authenticated readers alone.
  const pool = new RelayPool(relays, {
    connectTimeoutMs: timeoutMs ?? 5_000,
    signer: new Uint8Array(randomBytes(32)),
  });
  const directory = new ProviderDirectory(pool, directoryOptions);
  try {
    await directory.start({ eoseTimeoutMs: timeoutMs ?? 5_000 });
    const trouble = describeRelayTrouble(pool.status());
    if (trouble.length > 0) onRelayTrouble?.(trouble);
    const now = Math.floor(Date.now() / 1000);
    return directory
      .all()
      .map((entry) => summariseProvider(entry, directory.isLive(entry), now))
      .filter((summary) => all || summary.live)
      .sort((a, b) => Number(b.live) - Number(a.live) || a.lastSeenSec - b.lastSeenSec);
  } finally {
    directory.stop();
    pool.close();
  }
}
