import { randomBytes } from "node:crypto";
import { getPublicKey } from "@pylon/nostr";
import { Cleanup } from "@pylon/testkit";
import { fundedWallet, scriptedNode, startTestMint, startTestRelay } from "@pylon/testkit/market";
import { afterAll, describe, expect, it } from "vitest";
import { batchCharsFor, cashuTabStrategy, createSwarm, RunStore } from "../src/index.js";
import { ask } from "./harness.js";

// Real relay (WebSockets) with a small event limit, real mint (HTTP), one paid scripted node: a request
// carrying a tab deposit is larger than the relay takes; one without fits.
const cleanup = new Cleanup();
afterAll(() => cleanup.run(), 30_000);
/** Fits announcements, plain requests and results; not a request with a locked token aboard. */
const LIMIT = 2_600;

async function smallRelayMarket() {
  const relay = await startTestRelay(cleanup, { limits: { maxEventBytes: LIMIT } });
  const mint = await startTestMint(cleanup);
  const wallet = await fundedWallet(cleanup, mint.url, 500);
  const { node } = await scriptedNode(cleanup, {
    relays: [relay.url],
    mintUrl: mint.url,
    name: "small relay",
  });
  return { relay, mint, wallet, node };
}

describe("a deposit no relay takes (real relay with a 2,600-byte event limit, real mint)", () => {
  it("is not counted as delivered: the sub-call fails in the relay's words, the deposit stays the buyer's", async () => {
    const { relay, mint, wallet, node } = await smallRelayMarket();
    const secretKey = new Uint8Array(randomBytes(32));
    const store = cleanup.use(RunStore.open(":memory:"), (s) => s.close());
    // Two proofs (16 + 4, not rounded to one): the request carrying them is over the limit.
    const strategy = cashuTabStrategy({ wallet, mintUrl: mint.url, depositSats: 20, roundDeposits: false });
    const swarm = await createSwarm({
      relays: [relay.url],
      payment: strategy,
      store,
      secretKey,
      hedge: false,
      batch: false,
      maxAttempts: 3,
      backoff: { initialDelayMs: 10, maxDelayMs: 10 },
    });
    cleanup.add(() => swarm.close().catch(() => undefined));
    await swarm.directory.waitFor(1);

    const [result] = await swarm.complete(
      [ask("a question with a deposit aboard", 16)],
      new AbortController().signal,
    );
    expect(result?.ok).toBe(false);
    // The relay's own words reach the buyer.
    expect(result && !result.ok ? result.error : "").toMatch(/no relay accepted the request .*too large/);
    // One deposit was locked and sent again on each attempt (never a second one), and it never left.
    expect(strategy.lockedSats).toBe(20);
    expect(strategy.unsentSats).toBe(20);
    const buyer = getPublicKey(secretKey);
    const tab = store.tabs.list(buyer, mint.url)[0];
    expect(tab?.depositedMsats ?? 0).toBe(0);
    // Nothing reached the provider: the tab is not left open for the run's close to ask it back.
    expect(tab?.state).toBe("closed");
    expect(node.payments?.tabTotals().depositedMsats).toBe(0);
    // Its proofs are the buyer's still: pending (locked to the provider until the lock passes, then reclaimable).
    await wallet.checkPending();
    expect(wallet.balance().total.pending).toBeGreaterThanOrEqual(20);
    expect(wallet.balance().total.unspent + wallet.balance().total.pending).toBe(500);
  }, 30_000);

  it("with the relays' limit known, is not sent at all, and the error names the limit", async () => {
    const { relay, mint, wallet } = await smallRelayMarket();
    // Two proofs (16 + 4, not rounded to one): the request carrying them is over the limit.
    const strategy = cashuTabStrategy({ wallet, mintUrl: mint.url, depositSats: 20, roundDeposits: false });
    const swarm = await createSwarm({
      relays: [relay.url],
      payment: strategy,
      store: ":memory:",
      hedge: false,
      batch: false,
      maxAttempts: 2,
      backoff: { initialDelayMs: 10, maxDelayMs: 10 },
      limits: { maxMessageBytes: LIMIT },
    });
    cleanup.add(() => swarm.close().catch(() => undefined));
    await swarm.directory.waitFor(1);
    const [result] = await swarm.complete([ask("another question", 16)], new AbortController().signal);
    expect(result && !result.ok ? result.error : "").toMatch(
      new RegExp(
        `the request carrying the tab deposit is \\d+ bytes, over the relays' message limit of ${LIMIT} bytes`,
      ),
    );
    expect(strategy.unsentSats).toBe(20);
    expect(strategy.lockedSats).toBe(20);
  }, 30_000);

  it("sizes batches to the relays' limits with room for a deposit", () => {
    expect(batchCharsFor(undefined)).toBe(36_000);
    expect(batchCharsFor({ maxMessageBytes: 16_384 })).toBeLessThan(16_384 / 1.82);
    expect(batchCharsFor({ maxMessageBytes: 16_384, maxContentBytes: 8_192 })).toBeLessThan(8_192 / 1.82);
  });
});
