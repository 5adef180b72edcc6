/**
 * Spot checks end to end on real parts: our relay over WebSockets, real provider nodes (scripted LMs:
 * honest ones answer "answer to: <prompt>" deterministically, the cheater returns random junk), the swarm
 * with its reputation book in SQLite. What the RLM gets is the honest answer; the cheater is caught and
 * gets nothing more; no honest provider is ever struck.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { Cleanup, tempDir } from "@pylon/testkit";
import { type ScriptedNode, scriptedNode, startLocalMarket } from "@pylon/testkit/market";
import { ReputationBook } from "@pylon/trust";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSwarm, type Swarm, type SwarmOptions } from "../src/index.js";
import { ask } from "./harness.js";

const cleanup = new Cleanup();
let relayUrl: string;
let honest: ScriptedNode[];
let cheater: ScriptedNode;
const junk = (): string => `zq${randomBytes(12).toString("hex")}`;

beforeAll(async () => {
  const market = await startLocalMarket(cleanup, { providers: 4, node: { slots: 2, queue: 4 } });
  relayUrl = market.relay.url;
  honest = market.nodes;
  cheater = await scriptedNode(cleanup, { relays: [relayUrl], responses: junk, name: "cheater", queue: 4 });
}, 30_000);
afterAll(() => cleanup.run(), 30_000);

async function swarmOn(options: Partial<SwarmOptions>): Promise<Swarm> {
  const swarm = cleanup.use(
    await createSwarm({ relays: [relayUrl], hedge: false, ackTimeoutMs: 10_000, ...options }),
    (s) => s.close(),
  );
  await swarm.directory.waitFor(5);
  return swarm;
}

const questions = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ask(`${tag} ${i}`, 16));
const run = (swarm: Swarm, tag: string, n: number) =>
  swarm.complete(questions(tag, n), new AbortController().signal);

describe("spot checks (scripted LMs, real relay and provider nodes)", () => {
  it("catches an always-junk provider within 20 of its jobs; the caller only ever gets honest answers", async () => {
    const dir = await tempDir(cleanup);
    const bookFile = path.join(dir, "trust.db");
    const swarm = await swarmOn({ trust: { book: bookFile, publishVerdicts: true } });
    const results = await run(swarm, "first", 60);
    results.forEach((r, i) => {
      expect(r.ok && r.text).toBe(`answer to: first ${i}`);
      expect(r.provider).not.toBe(cheater.node.pubkey);
    });
    const report = swarm.trust();
    expect(report.caught.map((c) => c.pubkey)).toEqual([cheater.node.pubkey]);
    const caught = report.caught[0]!;
    expect(caught.jobsBeforeCaught).toBeLessThanOrEqual(20);
    expect(caught.strikes).toBeGreaterThanOrEqual(5);
    expect(caught.evidence).toHaveLength(caught.strikes);
    expect(caught.name).toBe("cheater");
    expect(report.deliveredFromCaught).toBe(0);
    // Checks under way when it was caught still end (and strike it): every strike is the cheater's (below).
    expect(report.strikes).toBeGreaterThanOrEqual(caught.strikes);
    expect(report.passes).toBeGreaterThan(0);
    expect(report.checks).toBeGreaterThan(0);
    expect(report.checkJobs).toBeGreaterThanOrEqual(report.checks);
    expect(swarm.counters.subcalls).toBe(60);

    // Caught: no more work for it.
    const callsAtCatch = cheater.calls();
    const later = await run(swarm, "later", 30);
    expect(later.every((r, i) => r.ok && r.text === `answer to: later ${i}`)).toBe(true);
    expect(cheater.calls()).toBe(callsAtCatch);
    await swarm.close();

    // The book remembers, honest providers unblemished.
    const book = ReputationBook.open(bookFile);
    try {
      expect(book.get(cheater.node.pubkey)?.blocked?.by).toBe("caught");
      expect(book.get(cheater.node.pubkey)?.checksFailed).toBe(report.strikes);
      for (const n of honest) {
        const record = book.get(n.node.pubkey);
        expect(record?.checksFailed ?? 0).toBe(0);
        expect(record?.blocked).toBeUndefined();
      }
    } finally {
      book.close();
    }

    // A second swarm on the same book: the cheater stays blocked and gets no job.
    const again = await swarmOn({ trust: { book: bookFile } });
    const third = await run(again, "third", 20);
    expect(third.every((r, i) => r.ok && r.text === `answer to: third ${i}`)).toBe(true);
    expect(cheater.calls()).toBe(callsAtCatch);
    expect(again.trust().caught).toEqual([]);
    expect(again.trust().strikes).toBe(0);

    // A buyer that trusts this one reads its NIP-32 verdict: the cheater is reported (checked on every job,
    // trust halved), though its own book never caught it.
    const fresh = ReputationBook.open(":memory:");
    cleanup.add(() => fresh.close());
    await swarmOn({ trust: { book: fresh, trustLabelsFrom: [swarm.pubkey] } });
    expect(fresh.get(cheater.node.pubkey)?.reports).toBe(1);
    expect(fresh.get(cheater.node.pubkey)?.blocked).toBeUndefined();
    for (const n of honest) expect(fresh.get(n.node.pubkey)?.reports ?? 0).toBe(0);
  }, 120_000);

  it("a suspect that selection no longer trusts with work is still caught: it checks credible answers", async () => {
    // The book already holds one strike against the junk node (a suspect: its trust is too low to win any
    // work) and three passes for each honest node (credible). Sub-calls go one at a time to honest nodes; only
    // the checks of their answers, routed to suspects first, can give the junk node jobs and catch it.
    const book = ReputationBook.open(":memory:");
    cleanup.add(() => book.close());
    book.recordCheck(cheater.node.pubkey, "earlier", "strike");
    for (const n of honest)
      for (const k of [1, 2, 3]) book.recordCheck(n.node.pubkey, `earlier ${k}`, "pass");
    const swarm = await swarmOn({ trust: { book } });
    for (let i = 0; i < 60 && swarm.trust().caught.length === 0; i++) {
      const [result] = await run(swarm, `one at a time ${i}`, 1);
      expect(result?.ok && result.text).toBe(`answer to: one at a time ${i} 0`);
      expect(result?.provider).not.toBe(cheater.node.pubkey);
    }
    const report = swarm.trust();
    expect(report.caught.map((c) => c.pubkey)).toEqual([cheater.node.pubkey]);
    // Its jobs were checks of others' answers: four more strikes, no answer of its own reached the caller.
    expect(report.caught[0]!.strikes).toBe(5);
    expect(report.deliveredFromCaught).toBe(0);
    for (const n of honest) expect(book.get(n.node.pubkey)?.checksFailed).toBe(0);
  }, 120_000);

  it("with checks off the cheater is never caught and some junk reaches the caller", async () => {
    const swarm = await swarmOn({ trust: { checks: false } });
    const results = await run(swarm, "unchecked", 40);
    expect(results.every((r) => r.ok)).toBe(true);
    const junkAnswers = results.filter((r, i) => r.ok && r.text !== `answer to: unchecked ${i}`);
    expect(junkAnswers.length).toBeGreaterThan(0);
    expect(junkAnswers.every((r) => r.provider === cheater.node.pubkey)).toBe(true);
    const report = swarm.trust();
    expect(report.caught).toEqual([]);
    expect(report.checks).toBe(0);
    expect(swarm.counters.checkJobs).toBe(0);
  }, 60_000);

  it("a required model digest leaves out providers that do not announce it, naming why", async () => {
    const digest = `sha256:${"0f".repeat(32)}`;
    const swarm = await swarmOn({ trust: { modelDigest: digest } });
    const [result] = await run(swarm, "digest", 1);
    expect(result?.ok).toBe(false);
    expect(!result?.ok && result?.error).toContain("does not announce model digest sha256:0f0f");
    expect(swarm.counters.jobsSent).toBe(0);
  }, 30_000);
});
