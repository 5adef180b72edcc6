/**
 * Batched dispatch against a real relay and real provider nodes serving a SCRIPTED echo backend: sub-calls
 * for one provider travel as one batched request, every item gets its own answer, providers that take no
 * batches get plain jobs, and an interrupted run reads its in-flight batch back instead of sending it again.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { RelayPool } from "@pylon/nostr";
import { Cleanup, tempDir, waitFor } from "@pylon/testkit";
import { scriptedNode, startLocalMarket, startTestRelay } from "@pylon/testkit/market";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSwarm } from "../src/index.js";
import { ask, NO_CHECKS, startSwarm, stored } from "./harness.js";

const cleanup = new Cleanup();
let relayUrl: string;
const batchers: string[] = [];

beforeAll(async () => {
  const market = await startLocalMarket(cleanup, {
    providers: 4,
    node: { latencyMs: 5, slots: 4, queue: 100 },
  });
  relayUrl = market.relay.url;
  for (const { node } of market.nodes) batchers.push(node.pubkey);
});

afterAll(() => cleanup.run());

describe("batched dispatch (scripted providers)", () => {
  it("answers 400 sub-calls with a few batched requests, each item in its place", async () => {
    const swarm = await createSwarm({ relays: [relayUrl], hedge: false, trust: NO_CHECKS, memoise: false });
    cleanup.add(() => swarm.close());
    await swarm.directory.waitFor(4);
    const prompts = Array.from({ length: 400 }, (_, i) => ask(`batched ${i}`));
    const results = await swarm.complete(prompts, new AbortController().signal);
    expect(results.map((r) => r.ok && r.text)).toEqual(prompts.map((_, i) => `answer to: batched ${i}`));
    expect(swarm.counters.jobsSent).toBe(400);
    // Capacity spreads the 400 over the 4 providers; each batch carries many of them.
    expect(swarm.counters.batchesSent).toBeGreaterThanOrEqual(4);
    expect(swarm.counters.batchesSent).toBeLessThanOrEqual(40);
    const requests = await stored(relayUrl, { kinds: [5050], authors: [swarm.pubkey] });
    expect(requests).toHaveLength(swarm.counters.batchesSent);
    const replies = await stored(relayUrl, { kinds: [6050, 7000], "#p": [swarm.pubkey] });
    // One acknowledgement and one result per batch, not per sub-call.
    expect(replies.length).toBe(2 * requests.length);
    expect(new Set(results.map((r) => r.provider)).size).toBe(4);
  }, 60_000);

  it("keeps each batched request inside the relay's event size: long prompts are split over several", async () => {
    const own = await startTestRelay(cleanup);
    await scriptedNode(cleanup, { relays: [own.url], slots: 4, queue: 60 });
    const swarm = await createSwarm({ relays: [own.url], hedge: false, trust: NO_CHECKS });
    cleanup.add(() => swarm.close());
    await swarm.directory.waitFor(1);
    const long = (i: number) => `${i} ${"context ".repeat(750)}end`; // ~6,000 characters each
    const results = await swarm.complete(
      Array.from({ length: 24 }, (_, i) => ask(long(i))),
      new AbortController().signal,
    );
    // (the scripted echo stops at max_tokens, so only the start of each answer is compared)
    for (const [i, r] of results.entries())
      expect(r.ok && r.text.startsWith(`answer to: ${i} context`)).toBe(true);
    // 24 × 6,000 characters cannot travel in one 64 KiB event: at most 5 of them per request.
    const requests = await stored(own.url, { kinds: [5050], authors: [swarm.pubkey] });
    expect(requests.length).toBeGreaterThanOrEqual(5);
    for (const request of requests) expect(JSON.stringify(request).length).toBeLessThan(65_536);
  }, 60_000);

  it("sends plain jobs to a provider that takes no batches, and when batching is off", async () => {
    const own = await startTestRelay(cleanup);
    const { node: plain } = await scriptedNode(cleanup, {
      relays: [own.url],
      slots: 4,
      queue: 20,
      config: { maxBatch: 0 },
    });
    const swarm = await createSwarm({ relays: [own.url], hedge: false, trust: NO_CHECKS });
    cleanup.add(() => swarm.close());
    await swarm.directory.waitFor(1);
    expect(swarm.directory.get(plain.pubkey)?.announcement.capacity?.maxBatch).toBeUndefined();
    const results = await swarm.complete(
      Array.from({ length: 12 }, (_, i) => ask(`plain ${i}`)),
      new AbortController().signal,
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(swarm.counters.batchesSent).toBe(0);
    expect(await stored(own.url, { kinds: [5050], authors: [swarm.pubkey] })).toHaveLength(12);

    const unbatched = await createSwarm({ relays: [relayUrl], hedge: false, trust: NO_CHECKS, batch: false });
    cleanup.add(() => unbatched.close());
    await unbatched.directory.waitFor(4);
    const more = await unbatched.complete(
      Array.from({ length: 12 }, (_, i) => ask(`one by one ${i}`)),
      new AbortController().signal,
    );
    expect(more.every((r) => r.ok)).toBe(true);
    expect(unbatched.counters.batchesSent).toBe(0);
    expect(await stored(relayUrl, { kinds: [5050], authors: [unbatched.pubkey] })).toHaveLength(12);
  }, 60_000);

  it("reads an interrupted run's in-flight batch back from the relay instead of sending it again", async () => {
    const own = await startTestRelay(cleanup);
    await scriptedNode(cleanup, { relays: [own.url], latencyMs: 600, slots: 8, queue: 8 });
    const secretKey = new Uint8Array(randomBytes(32));
    const file = path.join(await tempDir(cleanup), "batch-crash.db");
    const prompts = Array.from({ length: 8 }, (_, i) => ask(`in flight ${i}`));
    const pool = new RelayPool([own.url]);
    const first = await createSwarm({
      pool,
      store: file,
      runId: "crash",
      secretKey,
      hedge: false,
      trust: NO_CHECKS,
    });
    await first.directory.waitFor(1);
    void first.complete(prompts, new AbortController().signal);
    await waitFor(() => first.counters.batchesSent === 1, "the batch to go out");
    // A crash: the connection drops before anything is recorded or cancelled...
    pool.close();
    await first.close();
    // ...and the store is left as a crash leaves it: the batch's jobs sent, their outcome unknown.
    const db = new Database(file);
    db.exec(`UPDATE jobs SET status = 'sent', ended_at = NULL; UPDATE subcalls SET status = 'dispatched';`);
    db.close();

    const resumed = await startSwarm(
      cleanup,
      { relays: [own.url], store: file, runId: "crash", secretKey, hedge: false, trust: NO_CHECKS },
      1,
    );
    const results = await resumed.complete(prompts, new AbortController().signal);
    expect(results.map((r) => r.ok && r.text)).toEqual(prompts.map((_, i) => `answer to: in flight ${i}`));
    expect(resumed.counters.recovered).toBe(8);
    expect(resumed.counters.jobsSent).toBe(0);
    expect(await stored(own.url, { kinds: [5050], authors: [resumed.pubkey] })).toHaveLength(1);
  }, 60_000);
});
