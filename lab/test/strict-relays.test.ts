/**
 * The market on relays that set their own rules (issue 14): Pylon's relay configured as a strict paid public
 * relay would be (NIP-42 AUTH for reading and writing, NIP-13 proof of work 8, 16 KB messages, 10 events/s per
 * connection), and two relays of which one refuses every write with `restricted:`. Paid runs of 240 sub-calls
 * over 4 providers complete with no sub-call lost and the books balanced to the sat. Real relays over
 * WebSockets, real mint over HTTP, real provider nodes on scripted backends.
 */
import path from "node:path";
import { normaliseRelayUrl } from "@pylon/nostr";
import type { RunningRelay } from "@pylon/relay";
import { cashuTabStrategy, createSwarm, type Swarm } from "@pylon/swarm";
import { Cleanup, tempDir } from "@pylon/testkit";
import {
  fundedWallet,
  type ScriptedNode,
  scriptedNode,
  startLocalMarket,
  startTestMint,
  startTestRelay,
} from "@pylon/testkit/market";
import type { PylonWallet } from "@pylon/wallet";
import { afterEach, describe, expect, it } from "vitest";
import { question } from "../market/jobs.js";
import { relayChoice } from "../market/relays.js";
import { expectBalancedBooks } from "./books.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run(), 30_000);

const FUNDED = 2_000;
const SUBCALLS = 240;
const answerTo = (i: number) => `answer to: paid question ${i}`;

/** A tab-paying swarm on these relays, its run store in a temp dir; closed at cleanup unless closed first. */
async function paidSwarm(relays: string[], wallet: PylonWallet, mintUrl: string) {
  const strategy = cashuTabStrategy({
    wallet,
    mintUrl,
    depositSats: 10,
    lockSeconds: 3_600,
    maxSpendSats: 500,
  });
  const dir = await tempDir(cleanup);
  const swarm = await createSwarm({
    relays,
    payment: strategy,
    store: path.join(dir, "run.db"),
    hedge: false,
    ackTimeoutMs: 15_000,
  });
  let closed = false;
  cleanup.add(() => (closed ? undefined : swarm.close()));
  return {
    strategy,
    swarm,
    close: async () => {
      closed = true;
      await swarm.close();
    },
  };
}

async function runAll(swarm: Swarm): Promise<void> {
  const results = await swarm.complete(
    Array.from({ length: SUBCALLS }, (_, i) => question("paid", i)),
    new AbortController().signal,
  );
  expect(results.filter((r) => !r.ok)).toEqual([]);
  expect(results.map((r) => (r.ok ? r.text : r.error))).toEqual(results.map((_, i) => answerTo(i)));
  expect(new Set(results.map((r) => r.provider)).size).toBe(4);
}

describe("the market on relays with their own rules", () => {
  it("strict relay (AUTH + PoW 8 + 16 KB + 10 events/s): 240 paid sub-calls, none lost, no oversize refusal, books to the sat", async () => {
    const market = await startLocalMarket(cleanup, {
      relay: relayChoice("strict"),
      providers: 4,
      paid: true,
      fundSats: FUNDED,
      inputFeePpk: 100,
    });
    const { mint, wallet: buyer, nodes } = market;
    if (!mint || !buyer) throw new Error("a paid market has a mint and a buyer wallet");
    const { strategy, swarm, close } = await paidSwarm([market.relay.url], buyer, mint.url);
    await swarm.directory.waitFor(4);
    await runAll(swarm);
    await close();

    const metrics = (market.relay as RunningRelay).metrics();
    // Everyone authenticated, mined and fitted: the relay refused nothing for size, PoW or AUTH.
    const refused = metrics.events.refused;
    for (const reason of Object.keys(refused)) expect(reason).not.toMatch(/^(invalid|pow|auth-required)/);
    expect(metrics.auth.succeeded).toBeGreaterThanOrEqual(5);
    const books = await expectBalancedBooks({ funded: FUNDED, mint, buyer, nodes, strategy });
    console.log(
      `strict relay, ${SUBCALLS} paid sub-calls: ${swarm.counters.jobsSent} jobs, ${swarm.counters.batchesSent} batches, ` +
        `refused ${JSON.stringify(refused)}; spent ${books.spent} = providers ${books.earnedSats} + fees ${books.fees} + reclaimable ${books.reclaimable}`,
    );
  }, 180_000);

  it("two relays, one answering `restricted:` to every write: 240 paid sub-calls through the other, books to the sat", async () => {
    const open = await startTestRelay(cleanup);
    const restricted = await startTestRelay(cleanup, { restrictWrites: true });
    const relays = [restricted.url, open.url];
    const mint = await startTestMint(cleanup, 100);
    const buyer = await fundedWallet(cleanup, mint.url, FUNDED);
    const nodes: ScriptedNode[] = [];
    for (let i = 0; i < 4; i++)
      nodes.push(await scriptedNode(cleanup, { name: `node ${i + 1}`, relays, mintUrl: mint.url }));
    const { strategy, swarm, close } = await paidSwarm(relays, buyer, mint.url);
    await swarm.directory.waitFor(4);
    // The nodes' announcements were refused there: the buyer hears them on the open relay only, and sends
    // their jobs only there (a relay that refuses writes is the pool's to report: relay-rules.test.ts).
    for (const node of nodes)
      expect(swarm.directory.get(node.node.pubkey)?.relays).toEqual([normaliseRelayUrl(open.url)]);
    await runAll(swarm);
    const status = swarm.relayStatus().find((s) => s.relay.startsWith(restricted.url));
    expect(status?.writesRefused).toBeUndefined(); // nothing of the run was written there
    await close();
    expect(restricted.metrics().events.stored).toBe(0);
    await expectBalancedBooks({ funded: FUNDED, mint, buyer, nodes, strategy });
  }, 180_000);
});
