import { Cleanup } from "@pylon/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { cashuTabStrategy, createSwarm } from "../src/index.js";
import { ask, NO_CHECKS, paidMarket } from "./harness.js";

// Real relay (WebSockets), real mint (HTTP), one paid scripted node that refuses deposits locked for less
// than its `minLockSec` (600 s): the job carrying the deposit is published, the node never takes it, and the
// close is answered "no tab is open here for this key".
const cleanup = new Cleanup();
afterAll(() => cleanup.run(), 30_000);

describe("a close answered 'no tab is open here' (real relay, real mint, a node that refused the deposit)", () => {
  it("takes the deposit back as never sent, closes the tab, and does not fail the close", async () => {
    const market = await paidMarket(cleanup, { providers: 1, fundSats: 200 });
    const { mint, buyer: wallet } = market;
    const node = market.nodes[0]!.node;
    const strategy = cashuTabStrategy({ wallet, mintUrl: mint.url, depositSats: 20, lockSeconds: 120 });
    const swarm = await createSwarm({
      relays: [market.relayUrl],
      payment: strategy,
      hedge: false,
      batch: false,
      maxAttempts: 1,
      trust: NO_CHECKS,
    });
    let closed = false;
    cleanup.add(() => (closed ? undefined : swarm.close().catch(() => undefined)));
    await swarm.directory.waitFor(1);

    const [result] = await swarm.complete(
      [ask("a deposit locked too briefly", 16)],
      new AbortController().signal,
    );
    expect(result?.ok).toBe(false);
    const locked = strategy.lockedSats;
    expect(locked).toBeGreaterThan(0);
    // Published with its job: on the buyer's record of the tab until the close learns otherwise.
    expect(strategy.tabs().find((t) => t.provider === node.pubkey)?.depositedMsats).toBe(locked * 1000);

    await swarm.close(); // resolves: nothing of ours is at the provider
    closed = true;
    const tab = strategy.tabs().find((t) => t.provider === node.pubkey);
    expect(tab?.state).toBe("closed");
    expect(tab?.depositedMsats).toBe(0);
    expect(strategy.unsentSats).toBe(locked);
    expect(node.payments!.tabTotals().depositedMsats).toBe(0);
    // Still the buyer's: locked to the node's key until its locktime, then reclaimed.
    await wallet.checkPending();
    expect(wallet.balance().total.pending).toBeGreaterThanOrEqual(locked);
  }, 60_000);
});
