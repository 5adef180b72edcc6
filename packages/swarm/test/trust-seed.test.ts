/**
 * Deterministic jobs, on real parts (our relay, real provider nodes on scripted LMs that record what they
 * were asked): every job carries the sub-call's seed and temperature 0 (greedy by default while checking),
 * and a spot check is the very same request at another provider.
 */
import { Cleanup } from "@pylon/testkit";
import { startLocalMarket } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSwarm, freeStrategy, seedOf, subcallKey } from "../src/index.js";
import { ask } from "./harness.js";

const cleanup = new Cleanup();
let relayUrl: string;
const asked: Array<{ prompt: string; seed: number | undefined; temperature: number | undefined }> = [];

beforeAll(async () => {
  const market = await startLocalMarket(cleanup, {
    providers: 3,
    node: {
      responses: (request) => {
        const prompt = request.messages?.at(-1)?.content ?? request.prompt ?? "";
        asked.push({ prompt, seed: request.seed, temperature: request.temperature });
        return `answer to: ${prompt}`;
      },
    },
  });
  relayUrl = market.relay.url;
}, 30_000);
afterAll(() => cleanup.run(), 30_000);

describe("deterministic jobs (scripted LMs that record their requests)", () => {
  it("every job carries the sub-call's seed and temperature 0; a check repeats it exactly", async () => {
    const swarm = cleanup.use(
      await createSwarm({
        relays: [relayUrl],
        hedge: false,
        batch: false,
        trust: { checks: { random: () => 0 } },
      }),
      (s) => s.close(),
    );
    await swarm.directory.waitFor(3);
    const requests = Array.from({ length: 6 }, (_, i) => ask(`seeded ${i}`, 16));
    const results = await swarm.complete(requests, new AbortController().signal);
    expect(results.every((r, i) => r.ok && r.text === `answer to: seeded ${i}`)).toBe(true);
    expect(swarm.trust().checks).toBe(6);
    for (const request of requests) {
      const prompt = request.messages[0]!.content;
      const seed = seedOf(subcallKey({ ...request, temperature: 0 }, undefined));
      const jobs = asked.filter((a) => a.prompt === prompt);
      expect(jobs.length).toBeGreaterThanOrEqual(2); // the original and its check
      for (const job of jobs) expect(job).toEqual({ prompt, seed, temperature: 0 });
    }
    // A sub-call that names its temperature keeps it.
    const warm = { ...ask("warm", 16), temperature: 0.7 };
    await swarm.complete([warm], new AbortController().signal);
    expect(asked.filter((a) => a.prompt === "warm").every((a) => a.temperature === 0.7)).toBe(true);
  }, 60_000);

  it("draws no check once less than a fifth of the payment budget is left", async () => {
    let left = 100;
    const swarm = cleanup.use(
      await createSwarm({
        relays: [relayUrl],
        hedge: false,
        payment: { ...freeStrategy, budget: () => ({ leftSats: left, totalSats: 100 }) },
        trust: { checks: { random: () => 0 } },
      }),
      (s) => s.close(),
    );
    await swarm.directory.waitFor(3);
    await swarm.complete([ask("budget 1", 16), ask("budget 2", 16)], new AbortController().signal);
    expect(swarm.trust().checks).toBe(2);
    left = 20;
    const low = await swarm.complete(
      [ask("budget 3", 16), ask("budget 4", 16)],
      new AbortController().signal,
    );
    expect(low.every((r) => r.ok)).toBe(true);
    expect(swarm.trust().checks).toBe(2);
  }, 60_000);
});
