import { Cleanup, waitFor } from "@pylon/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CashuTabStrategy,
  cashuTabStrategy,
  createSwarm,
  type PaymentJob,
  type SwarmOptions,
  type TabWallet,
} from "../src/index.js";
import {
  ask,
  expectInvariant,
  expectProvidersSettled,
  NO_CHECKS,
  type PaidMarket,
  paidMarket,
} from "./harness.js";

// Lazy tabs (docs/payments.md): real relay, real mint over HTTP (input fee 100 ppk), 12 paid scripted nodes
// of one slot and one queue place each, so a run needs every provider and opens every tab while it runs.
const cleanup = new Cleanup();
let relayUrl: string;
let theMint: PaidMarket["mint"];
let buyer: PaidMarket["buyer"];
let nodes: PaidMarket["nodes"];
const FUNDED = 4_000;
const PROVIDERS = 12;

beforeAll(async () => {
  ({
    relayUrl,
    mint: theMint,
    buyer,
    nodes,
  } = await paidMarket(cleanup, {
    providers: PROVIDERS,
    fundSats: FUNDED,
    inputFeePpk: 100,
    node: { slots: 1, queue: 1, latencyMs: 50 },
  }));
}, 60_000);
afterAll(() => cleanup.run(), 30_000);

/** The buyer wallet, noting each deposit swap's size and when it returned; `gate` holds swaps back. */
function watched(wallet: PaidMarket["buyer"], gate: { open: Promise<void> } = { open: Promise.resolve() }) {
  const swaps: Array<{ deposits: number; doneAt: number }> = [];
  let asked = 0;
  const tabWallet: TabWallet = {
    createLockedPayments: async (requests, opts) => {
      asked++;
      await gate.open;
      const locked = await wallet.createLockedPayments(requests, opts);
      swaps.push({ deposits: requests.length, doneAt: Date.now() });
      return locked;
    },
    receive: (token) => wallet.receive(token),
  };
  return { wallet: tabWallet, swaps, asked: () => asked };
}

/** A swarm closed by the test (or, should it fail first, at cleanup) once `providers` are live. */
async function startSwarm(options: SwarmOptions, providers: number) {
  const swarm = await createSwarm(options);
  let closed = false;
  cleanup.add(() => (closed ? undefined : swarm.close()));
  await swarm.directory.waitFor(providers);
  const close = async (): Promise<void> => {
    closed = true;
    await swarm.close();
  };
  return { swarm, close };
}

const job = (quoteMsats: number): PaymentJob => ({ quoteMsats, inputTokens: 16, maxTokens: 32 });

describe("lazy tabs: opened while the run goes on, a few at a time", () => {
  it("the first answers arrive before the last tab opened; the window keeps its bound; books to the sat", async () => {
    const { wallet, swaps } = watched(buyer);
    const strategy: CashuTabStrategy = cashuTabStrategy({
      wallet,
      mintUrl: theMint.url,
      depositSats: 30,
      openingWindow: 2,
      maxDepositsPerSwap: 4,
    });
    const { swarm, close } = await startSwarm(
      { relays: [relayUrl], payment: strategy, hedge: false, trust: NO_CHECKS, ackTimeoutMs: 10_000 },
      PROVIDERS,
    );
    const started = Date.now();
    const answeredAt: number[] = [];
    const requests = Array.from({ length: 96 }, (_, i) => ask(`lazy question ${i}`, 32));
    const results = await Promise.all(
      requests.map(async (request) => {
        const [result] = await swarm.complete([request], new AbortController().signal);
        answeredAt.push(Date.now());
        return result!;
      }),
    );
    expect(results.filter((r) => !r.ok)).toEqual([]);
    for (const [i, r] of results.entries()) expect(r.ok && r.text).toBe(`answer to: lazy question ${i}`);

    // Every provider got a tab, in several swaps: the first as small as the opening window, none larger
    // than its cap, and never more deposits in flight than two swaps' worth.
    expect(new Set(results.map((r) => r.provider)).size).toBe(PROVIDERS);
    expect(swaps.reduce((sum, s) => sum + s.deposits, 0)).toBeGreaterThanOrEqual(PROVIDERS);
    expect(swaps[0]!.deposits).toBeLessThanOrEqual(2);
    for (const s of swaps) expect(s.deposits).toBeLessThanOrEqual(4);
    expect(strategy.depositWindow().peak).toBeLessThanOrEqual(8);
    expect(strategy.depositWindow().inFlight).toBe(0);
    // Work started before the last tab was opened: no fixed stall while deposits are made.
    const lastTabAt = Math.max(...swaps.map((s) => s.doneAt));
    const firstAnswerAt = Math.min(...answeredAt);
    expect(firstAnswerAt).toBeLessThan(lastTabAt);

    await close();
    const tabs = strategy.tabs();
    expect(tabs).toHaveLength(PROVIDERS);
    expect(tabs.every((t) => t.state === "closed")).toBe(true);
    const { ecashSats } = await expectProvidersSettled(nodes, tabs);
    // Less deposits whose job never left (still locked, reclaimable): on no tab.
    expect((strategy.lockedSats - strategy.unsentSats) * 1000).toBe(
      tabs.reduce((sum, t) => sum + t.depositedMsats, 0),
    );
    await expectInvariant({ buyer, mint: theMint }, FUNDED, ecashSats);
    console.log(
      `lazy tabs: ${swaps.map((s) => s.deposits).join("+")} deposits in ${swaps.length} swaps; first answer ` +
        `${firstAnswerAt - started} ms, last tab ${lastTabAt - started} ms; locked ${strategy.lockedSats} sats`,
    );
  }, 120_000);

  it("readiness: an open tab is ready now, an opening one soon, none may start while the window is full", async () => {
    let openGate!: () => void;
    const gate = { open: new Promise<void>((resolve) => (openGate = resolve)) };
    const { wallet, asked } = watched(buyer, gate);
    // One deposit per swap: two in flight at most (one swap running, one gathering).
    const strategy = cashuTabStrategy({
      wallet,
      mintUrl: theMint.url,
      depositSats: 16,
      openingWindow: 1,
      maxDepositsPerSwap: 1,
      // The two deposits withdrawn below leave their tabs "open" in the run store with nothing at the
      // provider, whose close would fail: this test is about readiness, so the tabs stay as they are.
      tabsAtClose: "keep",
    });
    const allowed = nodes.slice(0, 3).map((n) => n.node.pubkey);
    const { swarm, close } = await startSwarm(
      {
        relays: [relayUrl],
        payment: strategy,
        hedge: false,
        trust: NO_CHECKS,
        directory: { allow: allowed },
      },
      3,
    );
    const [a, b, c] = allowed.map((pubkey) => swarm.directory.live().find((e) => e.pubkey === pubkey)!);
    // Nothing open yet: a deposit would be needed (a swap and a confirmation round away), and may start.
    for (const e of [a!, b!, c!]) {
      const ready = strategy.readiness!(e, job(1_000));
      expect(ready.mayStart).toBe(true);
      expect(ready.waitMs).toBeGreaterThan(0);
    }
    // Deposits to `a` and `b` fill the window while their swaps are held back.
    const jobA = job(1_000);
    const jobB = job(1_000);
    const paying = [strategy.prepare(a!, jobA), strategy.prepare(b!, jobB)];
    await waitFor(() => asked() > 0, "the first deposit swap to start");
    expect(strategy.depositWindow()).toMatchObject({ size: 2, inFlight: 2 });
    const opening = strategy.readiness!(a!, job(1_000));
    expect(opening.mayStart).toBe(true); // its jobs wait behind the deposit on its way
    expect(opening.waitMs).toBeGreaterThan(0);
    expect(strategy.readiness!(c!, job(1_000)).mayStart).toBe(false);
    openGate();
    const prepared = await Promise.all(paying);
    expect(prepared.every((p) => p.cashuToken !== undefined)).toBe(true);
    // Never published: both deposits stay the buyer's (sent again by the next job there), and free the window.
    for (const [entry, j] of [[a!, jobA] as const, [b!, jobB] as const])
      await strategy.settle(entry, j, { jobId: undefined, outcome: "failed", owedMsats: 0 });
    expect(strategy.depositWindow().inFlight).toBe(0);
    expect(strategy.readiness!(c!, job(1_000)).mayStart).toBe(true);

    const [result] = await swarm.complete([ask("ready question", 32)], new AbortController().signal);
    expect(result?.ok).toBe(true);
    const used = swarm.directory.live().find((e) => e.pubkey === result!.provider)!;
    expect(strategy.readiness!(used, job(1_000))).toEqual({ waitMs: 0, mayStart: true });
    // More than its whole balance: a top-up would be needed first.
    expect(strategy.readiness!(used, job(10_000_000)).waitMs).toBeGreaterThan(0);
    await close();
  }, 60_000);
});
