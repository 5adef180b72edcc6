/**
 * Probation and the buyer's own reference (`verifyLocal`), on real parts: our relay, real provider nodes on
 * scripted LMs, and a scripted local model as the reference. A stranger holds at most its quota of
 * unverified jobs (in flight + awaiting a verdict) until its first checks pass; an always-junk stranger
 * gets only a handful of jobs before it is caught.
 */
import { randomBytes } from "node:crypto";
import type { SubcallRequest } from "@pylon/rlm";
import { Cleanup } from "@pylon/testkit";
import { scriptedNode, startLocalMarket } from "@pylon/testkit/market";
import { DEFAULT_SCHEDULE } from "@pylon/trust";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSwarm, type Swarm, type SwarmOptions } from "../src/index.js";
import { ask } from "./harness.js";

const cleanup = new Cleanup();
let relayUrl: string;
let honestKey: string;
let cheaterKey: string;

beforeAll(async () => {
  const market = await startLocalMarket(cleanup, { providers: 1, node: { slots: 8, queue: 8 } });
  relayUrl = market.relay.url;
  honestKey = market.nodes[0]!.node.pubkey;
  const cheater = await scriptedNode(cleanup, {
    relays: [relayUrl],
    responses: () => `zq${randomBytes(12).toString("hex")}`,
    slots: 8,
    queue: 8,
    name: "cheater",
  });
  cheaterKey = cheater.node.pubkey;
}, 30_000);
afterAll(() => cleanup.run(), 30_000);

/** The scripted local model: what an honest provider answers. */
const localAnswer = (request: SubcallRequest): string =>
  `answer to: ${request.messages.at(-1)?.content ?? ""}`;

async function swarmOn(allow: string, options: Partial<SwarmOptions>): Promise<Swarm> {
  const swarm = cleanup.use(
    await createSwarm({ relays: [relayUrl], hedge: false, directory: { allow: [allow] }, ...options }),
    (s) => s.close(),
  );
  await swarm.directory.waitFor(1);
  return swarm;
}

const questions = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ask(`${tag} ${i}`, 16));

describe("probation (scripted LMs and a scripted local reference)", () => {
  it("a stranger holds at most its quota of unverified jobs until its first checks pass", async () => {
    const quota = DEFAULT_SCHEDULE.probationUnverified;
    const seen: Array<{ unverified: number; passed: number }> = [];
    let checking = 0;
    let passed = 0;
    let swarm: Swarm | undefined;
    const verifyLocal = async (request: SubcallRequest): Promise<string> => {
      checking++;
      seen.push({ unverified: checking + (swarm?.health.of(honestKey).inFlight ?? 0), passed });
      await new Promise((resolve) => setTimeout(resolve, 300));
      checking--;
      passed++;
      return localAnswer(request);
    };
    // random 0: every answer drawn for a check (a young provider's rate is ~1 anyway; this makes it exact).
    swarm = await swarmOn(honestKey, { trust: { verifyLocal, checks: { random: () => 0 } } });
    const results = await swarm.complete(questions("probation", 12), new AbortController().signal);
    expect(results.every((r, i) => r.ok && r.text === `answer to: probation ${i}`)).toBe(true);
    // Every answer is checked; the provider's capacity (16) is not what held it back.
    expect(seen).toHaveLength(12);
    const early = seen.filter((s) => s.passed < DEFAULT_SCHEDULE.probationPasses);
    expect(early.length).toBeGreaterThan(0);
    for (const s of early) expect(s.unverified).toBeLessThanOrEqual(quota);
    // Out of probation, it takes more at once.
    expect(Math.max(...seen.map((s) => s.unverified))).toBeGreaterThan(quota);
    expect(swarm.trust().passes).toBe(12);
  }, 60_000);

  it("verifyLocal: an always-junk stranger is struck by the reference and caught within a handful of jobs", async () => {
    const swarm = await swarmOn(cheaterKey, {
      trust: { verifyLocal: async (request) => localAnswer(request) },
    });
    const results = await swarm.complete(questions("local", 16), new AbortController().signal);
    const report = swarm.trust();
    expect(report.caught.map((c) => c.pubkey)).toEqual([cheaterKey]);
    expect(report.caught[0]!.jobsBeforeCaught).toBeLessThanOrEqual(2 * DEFAULT_SCHEDULE.probationUnverified);
    // No junk reached the caller: struck answers were replaced by the reference; once it was caught and
    // nobody else serves, sub-calls fail, naming the block.
    results.forEach((r, i) => {
      if (r.ok) expect(r.text).toBe(`answer to: local ${i}`);
      else expect(r.error).toContain("blocked by the reputation book");
    });
    expect(results.some((r) => !r.ok)).toBe(true);
    expect(report.inconclusive).toBe(0);
  }, 60_000);
});
