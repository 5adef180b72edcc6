/**
 * Catching a cheater costs it its tab: on real parts (our relay, the test mint over HTTP, Cashu tabs, real
 * provider nodes on scripted LMs — four honest, one returning junk), the junk provider is caught, its tab
 * closed and refunded at once, it is paid for nothing more, and every sat still adds up: the buyer's
 * spending equals the providers' ecash plus mint fees, and each node's books agree with the buyer's tabs.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { Cleanup, tempDir, waitFor } from "@pylon/testkit";
import { type ScriptedNode, scriptedNode } from "@pylon/testkit/market";
import { ReputationBook } from "@pylon/trust";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cashuTabStrategy, createSwarm } from "../src/index.js";
import { ask, expectInvariant, expectProvidersSettled, type PaidMarket, paidMarket } from "./harness.js";

const cleanup = new Cleanup();
const FUNDED = 3_000;
let market: PaidMarket;
let cheater: ScriptedNode;

beforeAll(async () => {
  market = await paidMarket(cleanup, { providers: 4, fundSats: FUNDED, inputFeePpk: 100 });
  cheater = await scriptedNode(cleanup, {
    relays: [market.relayUrl],
    mintUrl: market.mint.url,
    responses: () => `zq${randomBytes(12).toString("hex")}`,
    name: "cheater",
  });
}, 30_000);
afterAll(() => cleanup.run(), 30_000);

describe("a caught provider's tab (scripted LMs, real mint, relay and nodes)", () => {
  it("is revoked and refunded at once; the cheater is paid nothing more; every sat accounted for", async () => {
    const dir = await tempDir(cleanup);
    const bookFile = path.join(dir, "trust.db");
    const strategy = cashuTabStrategy({
      wallet: market.buyer,
      mintUrl: market.mint.url,
      depositSats: 20,
      lockSeconds: 3_600,
      maxSpendSats: 1_500,
    });
    const swarm = await createSwarm({
      relays: [market.relayUrl],
      payment: strategy,
      store: path.join(dir, "run.db"),
      hedge: false,
      ackTimeoutMs: 10_000,
      trust: { book: bookFile },
    });
    let closed = false;
    cleanup.add(() => (closed ? undefined : swarm.close()));
    await swarm.directory.waitFor(5);

    const ask40 = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ask(`${tag} ${i}`, 16));
    const first = await swarm.complete(ask40("paid", 40), new AbortController().signal);
    first.forEach((r, i) => {
      expect(r.ok && r.text).toBe(`answer to: paid ${i}`);
    });
    const caught = swarm.trust().caught;
    expect(caught.map((c) => c.pubkey)).toEqual([cheater.node.pubkey]);
    expect(caught[0]!.paidMsats).toBeGreaterThan(0);
    expect(caught[0]!.paidForBadMsats).toBeGreaterThan(0);

    // Its tab is closed now, not at the end of the run, and the refund taken in.
    const cheaterTab = () => strategy.tabs().find((t) => t.provider === cheater.node.pubkey);
    await waitFor(() => cheaterTab()?.state === "closed", "the cheater's tab closed", 20_000);
    expect(strategy.revoked.has(cheater.node.pubkey)).toBe(true);
    expect(strategy.revokeErrors).toEqual([]);
    expect(strategy.accepts(swarm.directory.get(cheater.node.pubkey)!)).toBe(false);
    const chargedAtRevoke = cheater.node.payments!.tabTotals().chargedMsats;
    const callsAtRevoke = cheater.calls();

    const second = await swarm.complete(ask40("after", 20), new AbortController().signal);
    expect(second.every((r, i) => r.ok && r.text === `answer to: after ${i}`)).toBe(true);
    expect(cheater.calls()).toBe(callsAtRevoke);
    expect(cheater.node.payments!.tabTotals().chargedMsats).toBe(chargedAtRevoke);

    await swarm.close();
    closed = true;
    const tabs = strategy.tabs();
    expect(tabs.every((t) => t.state === "closed")).toBe(true);
    const { ecashSats } = await expectProvidersSettled([...market.nodes, cheater], tabs);
    await expectInvariant(market, FUNDED, ecashSats);

    // The book: what the cheater was paid, and what it gave back.
    const book = ReputationBook.open(bookFile);
    try {
      const record = book.get(cheater.node.pubkey)!;
      expect(record.blocked?.by).toBe("caught");
      expect(record.refundedMsats).toBeGreaterThan(0);
      expect(record.paidMsats).toBeGreaterThanOrEqual(record.paidForBadMsats);
      const mine = tabs.find((t) => t.provider === cheater.node.pubkey)!;
      expect(record.refundedMsats).toBe(mine.refundedMsats);
    } finally {
      book.close();
    }
  }, 120_000);
});
