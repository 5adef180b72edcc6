/**
 * The viewer's market page: a standing provider directory on the relays (watchProviders), each provider with
 * its announced models, digests, price, capacity and heartbeat load, and this buyer's trust in it from the
 * reputation book (<data dir>/trust.db), read fresh on each look so verdicts show as they land.
 */
import type { ProviderSummary, ProviderWatch } from "@pylon/swarm";
import type { MarketProvider, MarketSnapshot } from "@pylon/view";
import * as nip19 from "nostr-tools/nip19";
import { openBookIfAny } from "../trust/book-file.js";
import { trustOf } from "../trust/provider-trust.js";

export interface MarketSource {
  snapshot: () => Promise<MarketSnapshot>;
  /** A provider's announced name, once the directory has heard of it. */
  name: (pubkey: string) => string | undefined;
  close: () => void;
}

/** Starts watching at once but does not wait for the relays: the viewer is up while they answer. */
export async function marketSource(relays: string[], home: string): Promise<MarketSource> {
  const { watchProviders } = await import("@pylon/swarm");
  const watching = watchProviders({ relays, timeoutMs: 5_000 });
  let watch: ProviderWatch | undefined;
  watching.then(
    (started) => {
      watch = started;
    },
    () => {}, // each look reports it
  );
  return {
    snapshot: async () => snapshotOf(await watching, home),
    name: (pubkey) => watch?.providers().find((p) => p.pubkey === pubkey)?.name,
    close: () => {
      void watching.then(
        (started) => started.close(),
        () => {},
      );
    },
  };
}

function snapshotOf(watch: ProviderWatch, home: string): MarketSnapshot {
  const book = openBookIfAny(home);
  try {
    const relays = watch.relays();
    return {
      relays: relays.map((r) => ({
        url: r.relay,
        connected: r.state === "open",
        ...(r.lastError && r.state !== "open" ? { error: r.lastError } : {}),
      })),
      providers: watch.providers().map((p) => {
        const trust = trustOf(book, p.pubkey);
        return marketProvider(
          p,
          trust.score,
          trust.blocked,
          relays.map((r) => r.relay),
        );
      }),
      at: Date.now(),
    };
  } finally {
    book?.close();
  }
}

function marketProvider(
  p: ProviderSummary,
  trust: number,
  blocked: boolean,
  relays: string[],
): MarketProvider {
  const room = p.capacity ? p.capacity.slots + p.capacity.queue : 0;
  return {
    pubkey: p.pubkey,
    npub: nip19.npubEncode(p.pubkey),
    name: p.name,
    models: p.models.map((m) => ({ name: m.name, ...(m.digest ? { digest: m.digest } : {}) })),
    ...(p.price ? { priceMsatsPer1kOutput: p.price.outputPer1k } : {}),
    ...(p.capacity ? { capacity: { slots: p.capacity.slots, queue: p.capacity.queue } } : {}),
    // Busy share of what it takes at once (its slots and queue), from its heartbeat.
    ...(p.load && room > 0 ? { load: Math.min(1, (p.load.active + p.load.queued) / room) } : {}),
    ...(p.load ? { jobs: { active: p.load.active, queued: p.load.queued } } : {}),
    trust,
    ...(blocked ? { blocked } : {}),
    live: p.live,
    lastSeenAt: Date.now() - p.lastSeenSec * 1000,
    relays,
  };
}
