/**
 * Faults against a real relay and real provider nodes serving a SCRIPTED backend: a node stopped mid-run,
 * a provider that never answers, one that fails every job, and the overall deadline.
 */
import { Cleanup, waitFor } from "@pylon/testkit";
import { scriptedNode, startTestRelay } from "@pylon/testkit/market";
import { afterEach, describe, expect, it } from "vitest";
import type { Swarm, SwarmOptions } from "../src/index.js";
import { ask, NO_CHECKS, phantomProvider, startSwarm, stored } from "./harness.js";

let cleanup = new Cleanup();
afterEach(async () => {
  await cleanup.run();
  cleanup = new Cleanup();
});

async function swarm(
  relayUrl: string,
  expected: number,
  options: Partial<SwarmOptions> = {},
): Promise<Swarm> {
  return startSwarm(cleanup, { relays: [relayUrl], trust: NO_CHECKS, ...options }, expected);
}

const signal = () => new AbortController().signal;

describe("swarm faults with scripted providers", () => {
  it("re-dispatches the jobs of a provider stopped mid-run; every sub-call is answered", async () => {
    const relayUrl = (await startTestRelay(cleanup)).url;
    const nodes = await Promise.all(
      [0, 1, 2, 3].map(() =>
        scriptedNode(cleanup, { relays: [relayUrl], latencyMs: 150, slots: 2, queue: 2 }),
      ),
    );
    const victim = nodes[0]!.node;
    const s = await swarm(relayUrl, 4, { hedge: false });
    const batch = s.complete(
      Array.from({ length: 60 }, (_, i) => ask(`stop test ${i}`)),
      signal(),
    );
    await waitFor(
      () => victim.status().jobs.served >= 2 && victim.status().activeJobs > 0,
      "the victim to be busy",
    );
    await victim.stop();
    const results = await batch;

    results.forEach((result, i) => {
      expect(result.ok, result.ok ? "" : result.error).toBe(true);
      if (result.ok) expect(result.text).toBe(`answer to: stop test ${i}`);
    });
    const jobsAtVictim = s.store.jobs(s.runId).filter((job) => job.provider === victim.pubkey);
    const lost = jobsAtVictim.filter((job) => job.status !== "answered");
    expect(lost.length).toBeGreaterThan(0); // it had work when it stopped…
    expect(s.counters.redispatches).toBeGreaterThanOrEqual(lost.length); // …and all of it went elsewhere
    // The results say so: a re-dispatched sub-call took more than one job.
    expect(results.filter((r) => (r.attempts ?? 0) > 1).length).toBeGreaterThanOrEqual(lost.length);
    expect(results.every((r) => r.hedges === 0)).toBe(true);
    for (const job of lost) {
      const row = s.store.subcalls(s.runId).find((sub) => sub.hash === job.hash);
      expect(row?.status).toBe("answered");
      expect(row?.provider).not.toBe(victim.pubkey);
    }
    // Its `offline` announcement took it out of the directory.
    await waitFor(() => !s.directory.isLive(s.directory.get(victim.pubkey)!), "the victim to be offline");
  });

  it("gives up on a provider that never acknowledges, re-dispatches, cancels, and then avoids it", async () => {
    const relayUrl = (await startTestRelay(cleanup)).url;
    await Promise.all(
      [0, 1, 2].map(() => scriptedNode(cleanup, { relays: [relayUrl], latencyMs: 20, slots: 2, queue: 2 })),
    );
    const phantom = await phantomProvider(cleanup, relayUrl, { slots: 2, maxQueue: 2 });
    const s = await swarm(relayUrl, 4, { ackTimeoutMs: 800, hedge: false });

    const first = await s.complete(
      Array.from({ length: 30 }, (_, i) => ask(`phantom test ${i}`)),
      signal(),
    );
    expect(first.every((result) => result.ok)).toBe(true);
    expect(first.some((result) => result.provider === phantom)).toBe(false);
    const sentToPhantom = s.store.jobs(s.runId).filter((job) => job.provider === phantom);
    expect(sentToPhantom.length).toBeGreaterThan(0);
    expect(sentToPhantom.length).toBeLessThanOrEqual(4); // never more than its capacity, even unanswered
    for (const job of sentToPhantom) {
      expect(job.status).toBe("failed");
      expect(job.error).toMatch(/no acknowledgement/);
    }
    expect(s.counters.noAck).toBe(sentToPhantom.length);
    expect(s.health.avoidances(phantom)).toBeGreaterThanOrEqual(1);
    // Each abandoned job got a kind-5 cancellation from us.
    const cancels = await stored(relayUrl, { kinds: [5], authors: [s.pubkey] });
    const cancelled = new Set(
      cancels.flatMap((event) => event.tags.filter((t) => t[0] === "e").map((t) => t[1])),
    );
    for (const job of sentToPhantom) expect(cancelled.has(job.jobId)).toBe(true);

    // Avoided: a second batch sends it nothing.
    await s.complete(
      Array.from({ length: 20 }, (_, i) => ask(`after avoidance ${i}`)),
      signal(),
    );
    expect(s.store.jobs(s.runId).filter((job) => job.provider === phantom)).toHaveLength(
      sentToPhantom.length,
    );
  });

  it("retries a provider's error elsewhere, and avoids a provider that fails every job", async () => {
    const relayUrl = (await startTestRelay(cleanup)).url;
    const { node: broken } = await scriptedNode(cleanup, {
      relays: [relayUrl],
      fail: () => "internal",
      slots: 2,
      queue: 2,
    });
    await Promise.all(
      [0, 1].map(() => scriptedNode(cleanup, { relays: [relayUrl], latencyMs: 20, slots: 2, queue: 2 })),
    );
    const s = await swarm(relayUrl, 3, { hedge: false });
    const results = await s.complete(
      Array.from({ length: 30 }, (_, i) => ask(`error test ${i}`)),
      signal(),
    );
    expect(results.every((result) => result.ok && result.provider !== broken.pubkey)).toBe(true);
    expect(s.counters.errors).toBeGreaterThan(0);
    expect(s.health.avoidances(broken.pubkey)).toBeGreaterThanOrEqual(1);
    expect(broken.status().jobs.failed).toBe(s.counters.errors);
  });

  it("fails a sub-call as a value at its deadline when nobody answers", async () => {
    const relayUrl = (await startTestRelay(cleanup)).url;
    const phantom = await phantomProvider(cleanup, relayUrl);
    const s = await swarm(relayUrl, 1, { ackTimeoutMs: 300, deadlineMs: 1_500, hedge: false });
    const started = Date.now();
    const [result] = await s.complete([ask("is anyone there?")], signal());
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result?.ok).toBe(false);
    if (result && !result.ok) {
      expect(result.error).toMatch(/deadline|attempts failed/);
      expect(result.provider).toBe(phantom);
    }
    expect(s.store.subcalls(s.runId)[0]?.status).toBe("failed");
  });
});
