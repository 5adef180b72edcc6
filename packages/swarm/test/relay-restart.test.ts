import path from "node:path";
import { RelayPool } from "@pylon/nostr";
import { type RelayOptions, type RunningRelay, startRelay } from "@pylon/relay";
import { Cleanup, tempDir, unusedPort, waitFor } from "@pylon/testkit";
import { fundedWallet, type ScriptedNode, scriptedNode, startTestMint } from "@pylon/testkit/market";
import type { PylonWallet } from "@pylon/wallet";
import { afterEach, describe, expect, it } from "vitest";
import { cashuTabStrategy, createSwarm } from "../src/index.js";
import { ask, expectInvariant, expectProvidersSettled, NO_CHECKS } from "./harness.js";

// Per case: a real relay on a SQLite FILE (events survive its restart) on a fixed port, a real mint (HTTP,
// input fee 100 ppk), 3 paid provider nodes whose scripted backends take 40 ms an answer, and a swarm
// paying through Cashu tabs. After 30 answers the relay is closed and started again 1 s later.
const LATENCY_MS = 40;
const SUBCALLS = 120;
const RESTART_AFTER = 30;
const DOWN_MS = 1_000;
const FUNDED = 3_000;
/** The most one of these jobs may cost: its quote (short prompt, 32 output tokens at PRICES). */
const MAX_JOB_MSATS = 700;

let cleanup = new Cleanup();
afterEach(async () => {
  await cleanup.run();
  cleanup = new Cleanup();
}, 30_000);

/** The relay, restartable on the same port and database file. */
interface RestartableRelay {
  readonly url: string;
  current(): RunningRelay;
  stop(): Promise<void>;
  /** Comes back on the same port and file, with these limits if given. */
  start(limits?: RelayOptions["limits"]): Promise<void>;
}

async function restartableRelay(): Promise<RestartableRelay> {
  const db = path.join(await tempDir(cleanup, "pylon-swarm-relaydb-"), "relay.db");
  const port = await unusedPort(); // free now, so the relay can come back on the same one
  const open = (limits: RelayOptions["limits"] = {}) =>
    startRelay({ port, host: "127.0.0.1", db, verifyThreads: 0, limits });
  let running: RunningRelay | undefined = await open();
  cleanup.add(() => running?.close());
  return {
    url: running.url,
    current: () => {
      if (!running) throw new Error("the relay is down");
      return running;
    },
    stop: async () => {
      await running?.close();
      running = undefined;
    },
    start: async (limits) => {
      running = await open(limits);
    },
  };
}

interface Market {
  relay: RestartableRelay;
  theMint: Awaited<ReturnType<typeof startTestMint>>;
  buyer: PylonWallet;
  nodes: ScriptedNode[];
}

async function market(): Promise<Market> {
  const relay = await restartableRelay();
  const theMint = await startTestMint(cleanup, 100);
  const buyer = await fundedWallet(cleanup, theMint.url, FUNDED);
  const nodes = await Promise.all(
    [0, 1, 2].map(() =>
      scriptedNode(cleanup, { relays: [relay.url], mintUrl: theMint.url, latencyMs: LATENCY_MS }),
    ),
  );
  return { relay, theMint, buyer, nodes };
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

interface RestartCase {
  ackTimeoutMs: number;
  /** Limits of the relay once it is back. */
  limitsAfter?: RelayOptions["limits"];
}

async function runAcrossRestart({ ackTimeoutMs, limitsAfter }: RestartCase): Promise<void> {
  const { relay, theMint, buyer, nodes } = await market();
  const served = (): number[] => nodes.map((n) => n.node.status().jobs.served);
  const dir = await tempDir(cleanup);
  // The swarm's pool, passed in so that its connection counters can be read.
  const pool = new RelayPool([relay.url], { connectTimeoutMs: 5_000 });
  cleanup.add(() => pool.close());
  const strategy = cashuTabStrategy({ wallet: buyer, mintUrl: theMint.url, depositSats: 20 });
  const swarm = await createSwarm({
    pool,
    payment: strategy,
    store: path.join(dir, "run.db"),
    hedge: false,
    trust: NO_CHECKS,
    ackTimeoutMs,
    deadlineMs: 60_000,
  });
  let closed = false;
  cleanup.add(() => (closed ? undefined : swarm.close()));
  await swarm.directory.waitFor(3, 10_000);
  expect(swarm.directory.live().filter((e) => strategy.accepts(e))).toHaveLength(3);

  const requests = Array.from({ length: SUBCALLS }, (_, i) => ask(`restart question ${i}`, 32));
  const started = performance.now();
  const running = swarm.complete(requests, new AbortController().signal);

  // Mid-run: close the relay, keep it down for a second, start it again on the same port and file.
  await waitFor(() => sum(served()) >= RESTART_AFTER, `${RESTART_AFTER} answers`, 30_000);
  const servedBefore = served();
  const connectsBefore = pool.status()[0]?.connects ?? 0;
  await relay.stop();
  const downAt = performance.now();
  // Everyone notices: the buyer's pool and every node's pool leave "open".
  await waitFor(
    () =>
      pool.status()[0]?.state !== "open" &&
      nodes.every((n) => n.node.status().relays.every((r) => r.state !== "open")),
    "every pool to see the relay go",
    5_000,
  );
  await new Promise((resolve) => setTimeout(resolve, DOWN_MS - (performance.now() - downAt)));
  await relay.start(limitsAfter);
  const downMs = performance.now() - downAt;

  const results = await running;
  const elapsedMs = performance.now() - started;
  expect(results.filter((r) => !r.ok)).toEqual([]);
  results.forEach((r, i) => {
    expect(r.ok && r.text).toBe(`answer to: restart question ${i}`);
  });

  // Both sides reconnected: the buyer's pool (connected again) and every node's (open, and serving).
  expect(pool.status()[0]).toMatchObject({ state: "open" });
  expect(pool.status()[0]?.connects).toBeGreaterThan(connectsBefore);
  await waitFor(
    () => nodes.every((n) => n.node.status().relays.every((r) => r.state === "open")),
    "every node's pool to reconnect",
    10_000,
  );
  const servedAfter = served().map((count, i) => count - (servedBefore[i] ?? 0));
  expect(sum(servedAfter)).toBeGreaterThan(0);
  // The restarted relay saw the 3 nodes and the buyer connect again.
  expect(relay.current().metrics().connections.total).toBeGreaterThanOrEqual(4);

  // Each sub-call has exactly one answered job in the run store.
  const answeredJobs = swarm.store.jobs(swarm.runId).filter((j) => j.status === "answered");
  expect(answeredJobs).toHaveLength(SUBCALLS);
  expect(new Set(answeredJobs.map((j) => j.hash)).size).toBe(SUBCALLS);
  const counters = { ...swarm.counters };
  const refusedReqs = relay.current().metrics().reqs.refused;
  const calls = sum(nodes.map((n) => n.calls()));
  // Every generation was a job we sent; a job given up on (no acknowledgement in time) may have run too,
  // paid from the tab: the only way a sub-call is paid twice, and the charges below include it.
  expect(calls).toBeGreaterThanOrEqual(SUBCALLS);
  expect(calls).toBeLessThanOrEqual(counters.jobsSent);

  await swarm.close();
  closed = true;
  expect(strategy.tabs().every((t) => t.state === "closed")).toBe(true);

  // Every node's books settled, and the buyer's run store agrees with each provider's tab, to the msat.
  const { ecashSats: providersEcash, chargedMsats } = await expectProvidersSettled(nodes, strategy.tabs());
  // Charged once per generation at most (so never twice for one job), each within its quote.
  expect(chargedMsats).toBeGreaterThan(0);
  expect(chargedMsats).toBeLessThanOrEqual(calls * MAX_JOB_MSATS);
  // The accounting invariant, to the sat: buyer spent = providers' ecash + mint fees + reclaimable.
  const { spent, fees, reclaimable } = await expectInvariant(
    { buyer, mint: theMint },
    FUNDED,
    providersEcash,
  );
  expect(reclaimable).toBe(0);
  expect(strategy.reclaimedSats).toBe(0); // no deposit expired: every one was redeemed by its provider

  console.log(
    `relay restart (ack timeout ${ackTimeoutMs} ms${limitsAfter ? `, back with ${JSON.stringify(limitsAfter)}` : ""}): ` +
      `${SUBCALLS}/${SUBCALLS} answered in ` +
      `${(elapsedMs / 1000).toFixed(2)} s; relay down ${Math.round(downMs)} ms after ${sum(servedBefore)} ` +
      `answers; served after the restart ${servedAfter.join("/")}; ${counters.jobsSent} jobs sent, ` +
      `${counters.redispatches} re-dispatched, ${counters.noAck} no-ack, ${counters.timeouts} timeouts, ` +
      `${counters.errors} errors, ${counters.busy} busy; ${calls} generations, charged ${chargedMsats} ` +
      `msats; spent ${spent} = providers ${providersEcash} + fees ${fees} ` +
      `+ reclaimable ${reclaimable}; REQs refused by the restarted relay ${JSON.stringify(refusedReqs)}`,
  );
}

describe("relay restarted mid-run (3 paid scripted nodes at 40 ms an answer, tabs, real mint)", () => {
  it(`answers all ${SUBCALLS} sub-calls across a 1 s relay restart; both sides' pools reconnect; every sat accounted for`, async () => {
    await runAcrossRestart({ ackTimeoutMs: 5_000 });
  }, 120_000);

  it("with a 600 ms ack timeout, jobs the restart delays are given up on and re-dispatched (may run twice, paid from the tab); still every sat accounted for", async () => {
    await runAcrossRestart({ ackTimeoutMs: 600 });
  }, 120_000);

  // Every subscription of a pool is sent again at once when its relay comes back; a relay whose REQ burst is
  // smaller refuses the rest ("rate-limited:"). The pool asks again after a short jittered pause, so no job
  // and no node's intake goes deaf.
  it("the relay comes back with a REQ burst of 2: refused resubscriptions are retried; nothing lost", async () => {
    await runAcrossRestart({ ackTimeoutMs: 5_000, limitsAfter: { reqBurst: 2 } });
  }, 120_000);
});
