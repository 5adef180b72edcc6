import { join } from "node:path";
import { loadOrCreateKey } from "@pylon/nostr";
import { cashuTabStrategy, createSwarm, RunStore } from "@pylon/swarm";
import { waitFor } from "@pylon/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliHarness } from "./run-cli.js";
import { openBuyer, type PaidMarket, startPaidMarket } from "./run-market.js";

// Real relay, real mint (100 ppk input fee), 2 paid scripted nodes whose tabs expire 2 s after their last
// deposit; the buyer is <home>'s (its swarm.key, swarm.db and wallet, as `pylon run` keeps them).
const harness = new CliHarness();
let market: PaidMarket;

beforeAll(async () => {
  market = await startPaidMarket(harness.cleanup, {
    nodes: 2,
    latencyMs: 5,
    slots: 2,
    inputFeePpk: 100,
    payments: { tabTtlSec: 2, tabSweepSec: 1 },
  });
}, 60_000);
afterAll(() => harness.cleanup.run(), 60_000);

/** A run in <home> that leaves its tabs open (as a killed `pylon run` does). */
async function runLeavingTabsOpen(home: string): Promise<string> {
  const key = await loadOrCreateKey(join(home, "swarm.key"));
  const wallet = await openBuyer(market, home);
  const store = RunStore.open(join(home, "swarm.db"));
  try {
    await wallet.fund(300);
    const swarm = await createSwarm({
      relays: [market.relay.url],
      secretKey: key.secretKey,
      store,
      payment: cashuTabStrategy({ wallet, mintUrl: market.mint.url, depositSats: 20, tabsAtClose: "keep" }),
      hedge: false,
    });
    await swarm.directory.waitFor(2);
    const asks = Array.from({ length: 8 }, (_, i) => ({
      messages: [{ role: "user" as const, content: `question ${i}` }],
      maxTokens: 16,
      depth: 1,
      runId: "cli-refunds",
    }));
    const results = await swarm.complete(asks, new AbortController().signal);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    await swarm.close();
  } finally {
    store.close();
    wallet.close();
  }
  return key.pubkey;
}

async function pylon(home: string, args: string[]) {
  return harness.run(args, { env: { PYLON_HOME: home, PYLON_MINT: market.mint.url } });
}

describe("pylon wallet refunds (real relay, mint and paid nodes)", () => {
  it("takes in every expiry refund to the buyer key once, lists them, and the balance shows it", async () => {
    const home = await harness.home("pylon-wallet-refunds-");
    const buyer = await runLeavingTabsOpen(home);
    const refunds = await waitFor(() => {
      const made = market.nodes.flatMap(({ node }) => node.payments?.tabRefunds(buyer) ?? []);
      return made.length === 2 && made.every((r) => r.deliveredAt !== undefined) ? made : undefined;
    }, "both expiry refunds delivered");
    const refundSats = refunds.reduce((sum, r) => sum + r.sats, 0);
    const balance = async () =>
      (
        JSON.parse((await pylon(home, ["wallet", "balance", "--json"])).stdout) as {
          total: { unspent: number };
        }
      ).total.unspent;
    const before = await balance();

    const first = await pylon(home, ["wallet", "refunds", "--relay", market.relay.url, "--json"]);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as {
      buyer: string;
      collected: { takenSats: number; refunds: Array<{ source: string; sats: number; error?: string }> };
      history: Array<{ state: string; sats: number }>;
    };
    expect(report.buyer).toBe(buyer);
    expect(report.collected.takenSats).toBe(refundSats);
    expect(report.collected.refunds.map((r) => [r.source, r.error])).toEqual([
      ["expiry", undefined],
      ["expiry", undefined],
    ]);
    expect(await balance()).toBe(before + refundSats);

    // Again: nothing new, nothing counted twice; the history lists what was taken.
    const again = await pylon(home, ["wallet", "refunds", "--relay", market.relay.url]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("0 sats taken in now from 0 refund(s)");
    expect(again.stdout).toContain(`history: 2 refund(s) taken in, ${refundSats} sats in all`);
    expect(await balance()).toBe(before + refundSats);
  }, 60_000);

  it("the next paid `pylon run` takes them in first; its receipt adds up to the wallet's outflow", async () => {
    const home = await harness.home("pylon-run-refunds-");
    const buyer = await runLeavingTabsOpen(home);
    const refunds = await waitFor(() => {
      const made = market.nodes.flatMap(({ node }) => node.payments?.tabRefunds(buyer) ?? []);
      return made.length === 2 && made.every((r) => r.deliveredAt !== undefined) ? made : undefined;
    }, "both expiry refunds delivered");
    const refundSats = refunds.reduce((sum, r) => sum + r.sats, 0);
    const run = await harness.run(
      [
        "run",
        "what is the magic number?",
        "--context",
        "-",
        "--root",
        "scripted",
        "--relay",
        market.relay.url,
        "--mint",
        market.mint.url,
        "--providers",
        "2",
        "--json",
      ],
      { env: { PYLON_HOME: home }, stdin: "the magic number is 42. ".repeat(200) },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`${refundSats} sats of refunds from earlier runs taken into the wallet`);
    const receipt = JSON.parse(run.stdout) as {
      sats: {
        spent: number;
        charged: number;
        rests: number;
        fees: number;
        reclaimable: number;
        recovered: number;
      };
    };
    expect(receipt.sats.recovered).toBe(refundSats);
    const { spent, charged, rests, fees, reclaimable } = receipt.sats;
    expect(spent).toBeGreaterThan(0);
    expect(Math.round((charged + rests + fees + reclaimable) * 1000)).toBe(spent * 1000);
    // Nothing is left for `pylon wallet refunds` to find.
    const after = await pylon(home, ["wallet", "refunds", "--relay", market.relay.url, "--json"]);
    expect((JSON.parse(after.stdout) as { collected: { takenSats: number } }).collected.takenSats).toBe(0);
  }, 90_000);

  it("says why without a buyer key, and names a relay it cannot reach", async () => {
    const home = await harness.home("pylon-wallet-refunds-none-");
    const none = await pylon(home, ["wallet", "refunds", "--relay", market.relay.url]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/no buyer key at .*swarm\.key/);
    await loadOrCreateKey(join(home, "swarm.key"));
    const down = await pylon(home, ["wallet", "refunds", "--relay", "ws://127.0.0.1:1", "--timeout", "500"]);
    expect(down.stderr).toMatch(/pylon wallet: ws:\/\/127\.0\.0\.1:1\/?: cannot connect/);
    expect(down.code).not.toBe(0);
  }, 30_000);
});
