/**
 * The soak on the crowd (lab/market/crowd.ts): providers packed `perPack` to a process over two Pylon relays
 * and the foreign one. A kill wave's unit is a pack, SIGKILLed whole (50 providers dying at once, as a rack
 * losing power) and restarted later with the same keys and data dirs.
 *
 * Relay restarts go round the Pylon relays only. The foreign relay stays up: it stands for a relay someone
 * else runs, whose durability across a crash is its operator's (and @nostr-relay/core's), not something
 * Pylon can fix; what the soak asks is whether the buyer and the providers ride out one of the relays they
 * use going away and coming back, and a Pylon relay's SIGKILL (its SQLite database reopened) asks it.
 */

import type { Cleanup } from "@pylon/testkit";
import { type Crowd, startCrowd } from "../market/crowd.js";
import type { ProviderReport } from "./checks.js";
import type { SoakOptions } from "./soak-core.js";
import type { KillUnit, SoakMarket } from "./soak-market.js";

export async function crowdMarket(o: SoakOptions, fundSats: number, cleanup: Cleanup): Promise<SoakMarket> {
  const relays = Math.min(3, Math.max(1, Math.round(o.relays))) as 1 | 2 | 3;
  const crowd: Crowd = await startCrowd({
    providers: o.providers,
    perPack: o.perPack,
    relays,
    slots: o.slots,
    queue: o.queue,
    latency: o.latencyMs > 0 ? { kind: "fixed", ms: o.latencyMs } : { kind: "instant" },
    fundSats,
    seed: o.seed,
    // Each provider's generations over every life of its pack (one IPC message a job), for the checks.
    countGenerations: true,
    log: (line) => o.log(`    [${line}]`),
  });
  cleanup.add(() => crowd.close());
  o.log(
    `crowd: ${o.providers} providers in ${crowd.packs} packs, announced in ${crowd.startMs.toFixed(0)} ms`,
  );
  const sizes = new Array<number>(crowd.packs).fill(0);
  for (const p of crowd.providers) sizes[p.pack]!++;
  const down = new Set<number>();
  const units: KillUnit[] = sizes.map((size, i) => ({
    label: `pack-${i}`,
    providers: size,
    get alive() {
      return !down.has(i);
    },
    kill: async () => {
      down.add(i);
      await crowd.killPack(i);
    },
    restart: async () => {
      await crowd.restartPack(i);
      down.delete(i);
    },
  }));
  // The Pylon relays come first in relayUrls: two at 3 relays (the third is the foreign one).
  const pylonRelays = relays === 3 ? 2 : relays;
  return {
    relayUrls: crowd.relayUrls,
    mintUrl: crowd.mintUrl,
    wallet: crowd.wallet,
    description:
      `${o.providers} paid providers in ${crowd.packs} packs (processes of ≤ ${o.perPack}), ` +
      `${crowd.relayUrls.length} relays`,
    units,
    generations: () => 0, // told only in the reports; progress is by finished batches
    killRelay: async (n) => {
      const i = (n - 1) % pylonRelays;
      await crowd.restartRelay(i); // SIGKILL and restart on the same port and database, in one step
      return { label: `relay ${i} (${crowd.relayUrls[i]})` };
    },
    everyoneUp: async () => {
      for (const [i, unit] of units.entries()) if (down.has(i)) await unit.restart();
    },
    reports: async () => {
      const packOf = new Map(crowd.providers.map((p) => [p.pubkey, p.pack]));
      return (await crowd.report()).map((r): ProviderReport => {
        const pack = packOf.get(r.pubkey) ?? -1;
        return {
          label: `pack-${pack}/${r.pubkey.slice(0, 8)}`,
          pubkey: r.pubkey,
          generated: r.generated ?? 0,
          everyLife: r.generated !== undefined, // counted by the crowd, in this process, over every life
          report: r,
        };
      });
    },
    mintStats: () => crowd.mintStats(),
    usage: () => crowd.usage(),
  };
}
