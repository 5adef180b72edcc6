/**
 * A standing look at the market for a viewer (`pylon view`'s market page): a live ProviderDirectory on the
 * relays, summarised on demand, with the relays' connection state. Unlike listProviders it stays subscribed,
 * so each look costs nothing and heartbeats show as they arrive.
 */
import { randomBytes } from "node:crypto";
import { initFastVerify, RelayPool, type RelayStatus } from "@pylon/nostr";
import { type DirectoryOptions, ProviderDirectory } from "./directory.js";
import { type ProviderSummary, summariseProvider } from "./provider-list.js";

export interface WatchProvidersOptions extends Omit<DirectoryOptions, "onChange"> {
  relays: string[];
  /** How long the first read of stored announcements may take, ms. Default 5,000. */
  timeoutMs?: number;
}

export interface ProviderWatch {
  /** Every provider seen, live ones first, most recently heard from first. */
  providers(): ProviderSummary[];
  relays(): RelayStatus[];
  close(): void;
}

/** Connects and reads what the relays hold (resolving when that read is done), then keeps listening. */
export async function watchProviders(options: WatchProvidersOptions): Promise<ProviderWatch> {
  await initFastVerify();
  const { relays, timeoutMs, ...directoryOptions } = options;
  // A throwaway key, only to answer the AUTH of relays that serve authenticated readers alone.
  const pool = new RelayPool(relays, {
    connectTimeoutMs: timeoutMs ?? 5_000,
    signer: new Uint8Array(randomBytes(32)),
  });
  const directory = new ProviderDirectory(pool, directoryOptions);
  await directory.start({ eoseTimeoutMs: timeoutMs ?? 5_000 });
  return {
    providers() {
      const now = Math.floor(Date.now() / 1000);
      return directory
        .all()
        .map((entry) => summariseProvider(entry, directory.isLive(entry), now))
        .sort((a, b) => Number(b.live) - Number(a.live) || a.lastSeenSec - b.lastSeenSec);
    },
    relays: () => pool.status(),
    close() {
      directory.stop();
      pool.close();
    },
  };
}
