/**
 * The market on a relay nobody here wrote (@nostr-relay/core on SQLite, testkit's startForeignRelay): a free
 * batch through the swarm, and a paid run of 240 sub-calls over 4 providers through Cashu tabs whose books
 * balance to the sat. Real relay over WebSockets, real mint over HTTP, real provider nodes on scripted backends.
 */
import path from "node:path";
import { cashuTabStrategy, createSwarm } from "@pylon/swarm";
import { Cleanup, sleep, tempDir, waitFor } from "@pylon/testkit";
import { type ForeignRelay, startLocalMarket } from "@pylon/testkit/market";
import { afterEach, describe, expect, it } from "vitest";
import { question } from "../market/jobs.js";
import { expectBalancedBooks } from "./books.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run(), 30_000);

const answerTo = (label: string, i: number) => `answer to: ${label} question ${i}`;

describe("the market on a foreign relay (@nostr-relay/core + SQLite)", () => {
  it("answers a free batch of 120 sub-calls over 3 providers, each with its own answer", async () => {
    const market = await startLocalMarket(cleanup, {
      relay: "foreign",
      providers: 3,
      node: { latencyMs: 5 },
    });
    const swarm = cleanup.use(await createSwarm({ relays: [market.relay.url], hedge: false }), (s) =>
      s.close(),
    );
    await swarm.directory.waitFor(3);
    const results = await swarm.complete(
      Array.from({ length: 120 }, (_, i) => question("free", i)),
      new AbortController().signal,
    );
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.map((r) => (r.ok ? r.text : r.error))).toEqual(results.map((_, i) => answerTo("free", i)));
    expect(new Set(results.map((r) => r.provider)).size).toBe(3);
    // Every job reached its own provider only: no node ran a job addressed to another (the relay's live
    // fan-out ignores #p; the nodes' clients filter).
    const calls = market.nodes.reduce((sum, n) => sum + n.calls(), 0);
    expect(calls).toBeLessThanOrEqual(swarm.counters.jobsSent);
  }, 60_000);

  it("pays 240 sub-calls over 4 providers through tabs; charged = earned, and the sats balance to the sat", async () => {
    const FUNDED = 2_000;
    const market = await startLocalMarket(cleanup, {
      relay: "foreign",
      providers: 4,
      paid: true,
      fundSats: FUNDED,
      inputFeePpk: 100,
    });
    const { mint, wallet: buyer, nodes } = market;
    if (!mint || !buyer) throw new Error("a paid market has a mint and a buyer wallet");
    const dir = await tempDir(cleanup);
    const strategy = cashuTabStrategy({
      wallet: buyer,
      mintUrl: mint.url,
      depositSats: 10,
      lockSeconds: 3_600,
      maxSpendSats: 500,
    });
    const swarm = await createSwarm({
      relays: [market.relay.url],
      payment: strategy,
      store: path.join(dir, "run.db"),
      hedge: false,
      jobsPerSecond: 200,
      ackTimeoutMs: 10_000,
    });
    let closed = false;
    cleanup.add(() => (closed ? undefined : swarm.close()));
    await swarm.directory.waitFor(4);

    const results = await swarm.complete(
      Array.from({ length: 240 }, (_, i) => question("paid", i)),
      new AbortController().signal,
    );
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.map((r) => (r.ok ? r.text : r.error))).toEqual(results.map((_, i) => answerTo("paid", i)));
    expect(new Set(results.map((r) => r.provider)).size).toBe(4);
    await swarm.close();
    closed = true;
    // Under the package's 20 per connection, past which it silently drops the oldest subscription.
    expect((market.relay as ForeignRelay).peakSubscriptions()).toBeLessThanOrEqual(20);

    expect(strategy.lockedSats).toBeLessThanOrEqual(500);
    const books = await expectBalancedBooks({ funded: FUNDED, mint, buyer, nodes, strategy });
    const { spent, earnedSats, chargedMsats, fees, reclaimable } = books;
    console.log(
      `foreign relay, 240 paid sub-calls: locked ${strategy.lockedSats} sats, refunded ${strategy.refundedSats}, ` +
        `charged ${chargedMsats} msats, spent ${spent} = providers ${earnedSats} + fees ${fees} + ` +
        `reclaimable ${reclaimable}; ${swarm.counters.jobsSent} jobs sent, ` +
        `${swarm.counters.redispatches} re-dispatched`,
    );
  }, 120_000);

  // The package neither stores nor forwards kind-5 deletions, but it does delete their target: the node
  // looks up the requests of jobs running for over 3 s every 2 s (provider/src/gone-requests.ts), and a
  // request gone from the relay it came from is its buyer's cancellation. On Pylon's relay the deletion
  // itself arrives at once.
  it.each(["pylon", "foreign"] as const)(
    "a job the buyer cancels mid-run, on the %s relay: cancelled at the node",
    async (relay) => {
      const SLOW_MS = 12_000; // the answer's first token; abortable
      const market = await startLocalMarket(cleanup, { relay, providers: 1, node: { latencyMs: SLOW_MS } });
      const { node } = market.nodes[0]!;
      const swarm = cleanup.use(await createSwarm({ relays: [market.relay.url], hedge: false }), (s) =>
        s.close(),
      );
      await swarm.directory.waitFor(1);
      const abort = new AbortController();
      const running = swarm.complete([question("cancel", 0)], abort.signal);
      await waitFor(() => node.status().activeJobs > 0, "the node to start the job", 10_000);
      const abortedAt = Date.now();
      abort.abort();
      await running.catch(() => undefined);
      await waitFor(() => node.status().jobs.cancelled === 1, "the node to cancel the job", SLOW_MS - 2_000);
      // Pylon's relay forwards the deletion; the foreign relay's cancellation waits for a lookup.
      if (relay === "pylon") expect(Date.now() - abortedAt).toBeLessThan(2_000);
      await sleep(500);
      expect(node.status().jobs.served).toBe(0);
    },
    30_000,
  );
});
