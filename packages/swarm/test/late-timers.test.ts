/**
 * A deposit swap's gathering window whose timer comes late. A buyer saturated by its relays' traffic can
 * spend seconds in one turn of the event loop reading sockets, its timers waiting behind it (seen at 1,000
 * providers): a swap that fell due then starts with the next deposit asked for instead of waiting for its
 * timer, so tabs keep opening. (Job batches keep gathering until their timer: a late one only makes them
 * larger, which is fewer events.) The event loop is held here by a busy wait; the wallet records its swaps.
 */
import { describe, expect, it } from "vitest";
import { DepositBatcher, type DepositWallet } from "../src/deposit-batcher.js";
import { DepositTiming } from "../src/deposit-timing.js";
import type { ProviderEntry } from "../src/directory.js";

/** Keeps the event loop busy for `ms`: no timer can run meanwhile. */
function hold(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
}

function provider(pubkey: string): ProviderEntry {
  return {
    pubkey,
    relays: [],
    announcement: {
      models: [{ name: "m" }],
      encryption: [],
      capacity: { slots: 4, maxQueue: 4, maxBatch: 8 },
      payment: { p2pkPubkey: `02${pubkey.padStart(64, "0")}`, mints: [] },
    },
  } as unknown as ProviderEntry;
}

describe("a late gathering timer", () => {
  it("a deposit swap whose window passed starts with the next deposit asked for", async () => {
    const swaps: number[] = [];
    const wallet: DepositWallet = {
      createLockedPayments: async (requests) => {
        swaps.push(requests.length);
        return {
          payments: requests.map((r) => ({ pubkey: r.pubkey, amountSats: r.amountSats, token: "cashuB" })),
        };
      },
    };
    const batcher = new DepositBatcher({
      wallet,
      mintUrl: "http://127.0.0.1:1",
      windowMs: 20,
      maxPerSwap: () => 16,
      timing: new DepositTiming(),
      lockSeconds: () => 600,
      onSwapFailed: () => undefined,
    });
    const first = batcher.lock(provider("a"), 8);
    hold(40);
    expect(swaps).toEqual([]);
    const second = batcher.lock(provider("b"), 8);
    expect(swaps).toEqual([2]); // both in one swap, started at once
    await Promise.all([first, second]);
    expect(batcher.swaps).toBe(1);
  });
});
