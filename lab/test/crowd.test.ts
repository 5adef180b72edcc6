/**
 * The crowd lab at 100 providers (the thousand-provider lab's npm-test size): 4 packs of 25 provider nodes,
 * two Pylon relays and the foreign one, the mint, each in its own process. The buyer discovers every
 * provider, a paid batch is answered each with its own answer, the jobs are spread, no provider's backend
 * held more than its capacity, the books balance to the sat, and every process is gone at the end. The
 * foreign relay runs in its child: its peak subscriptions per connection come back over IPC (`usage`).
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Crowd, startCrowd } from "../market/crowd.js";
import { question } from "../market/jobs.js";
import { expectBalancedReports } from "./books.js";

const PROVIDERS = 100;
const SUBCALLS = 200;
const SLOTS = 2;
const QUEUE = 2;
const FUNDED = 6_000;

let crowd: Crowd | undefined;
afterEach(async () => {
  await crowd?.close();
  crowd = undefined;
}, 60_000);

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("the crowd: 100 provider identities in 4 packs over 3 relays", () => {
  it("discovers every provider, pays a batch spread over them, balances the books and leaves no process", async () => {
    crowd = await startCrowd({
      providers: PROVIDERS,
      perPack: 25,
      relays: 3,
      slots: SLOTS,
      queue: QUEUE,
      latency: { kind: "lognormal", medianMs: 20, sigma: 0.5 },
      stragglers: { share: 0.05, factor: 5 },
      fundSats: FUNDED,
      countGenerations: true,
    });
    expect(crowd.packs).toBe(4);
    expect(new Set(crowd.providers.map((p) => p.pubkey)).size).toBe(PROVIDERS);
    // Round-robin over the relays, a fifth on two.
    expect(crowd.providers.filter((p) => p.relays.length === 2)).toHaveLength(20);
    for (const url of crowd.relayUrls)
      expect(crowd.providers.filter((p) => p.relays.includes(url)).length).toBeGreaterThanOrEqual(33);

    // A power of two: one blind signature per deposit (100 tabs open at once).
    const { swarm, strategy, discoveryMs } = await crowd.swarm({ depositSats: 32, ackTimeoutMs: 15_000 });
    const live = new Set(swarm.directory.live().map((e) => e.pubkey));
    expect(crowd.providers.filter((p) => !live.has(p.pubkey))).toEqual([]);

    const results = await swarm.complete(
      Array.from({ length: SUBCALLS }, (_, i) => question("crowd", i)),
      new AbortController().signal,
    );
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.map((r) => (r.ok ? r.text : r.error))).toEqual(
      results.map((_, i) => `answer to: crowd question ${i}`),
    );
    await swarm.close();

    const reports = await crowd.report();
    expect(reports.map((r) => r.pubkey).sort()).toEqual(crowd.providers.map((p) => p.pubkey).sort());
    const served = reports.map((r) => r.generated ?? 0);
    // Tabs open lazily (a few per swap, more while jobs run), so instant jobs pile onto the first tabs rather
    // than spread over all 100; the window still grew past its first two swaps (4 + 4 deposits), and no
    // provider held more than its slots and queue at once.
    expect(served.filter((n) => n > 0).length).toBeGreaterThan(8);
    expect(served.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(SUBCALLS);
    expect(Math.max(...reports.map((r) => r.peakInFlight ?? Number.POSITIVE_INFINITY))).toBeLessThanOrEqual(
      SLOTS + QUEUE,
    );
    await expectBalancedReports({
      funded: FUNDED,
      mintStats: () => crowd!.mintStats(),
      buyer: crowd.wallet,
      reports,
      strategy,
    });

    const usage = await crowd.usage();
    const foreign = usage.relays[2]!;
    // Every client's subscriptions (the buyer's and each node's) under the package's 20 per connection,
    // past which it silently drops the oldest.
    expect(foreign.peakSubscriptions).toBeGreaterThan(0);
    expect(foreign.peakSubscriptions).toBeLessThanOrEqual(20);
    expect(usage.packs.every((p) => p.rss > 0 && !p.down)).toBe(true);
    console.log(
      `crowd, ${PROVIDERS} providers: started in ${Math.round(crowd.startMs)} ms, discovered in ` +
        `${Math.round(discoveryMs)} ms; ${served.filter((n) => n > 0).length} worked, at most ` +
        `${Math.max(...served)} jobs each; packs ${usage.packs.map((p) => Math.round(p.rss / 2 ** 20)).join("/")} MB`,
    );

    const pids = crowd.pids();
    expect(pids).toHaveLength(3 + 1 + 4);
    await crowd.close();
    crowd = undefined;
    expect(pids.filter(alive)).toEqual([]);
  }, 180_000); // ~40 s alone; generous for a loaded 2-core CI box running another suite beside it
});
