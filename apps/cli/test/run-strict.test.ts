/**
 * `pylon run` on a strict relay, as a paid public relay would be configured (NIP-42 AUTH for reading and
 * writing, NIP-13 proof of work 8, 16 KB messages, 10 events/s per connection): every sub-call answered, the
 * relay refused nothing for size, work or AUTH, and the receipt's `spent` is the wallet's outflow to the sat.
 * Real relay, mint and provider nodes (paid, SCRIPTED backends) and the SCRIPTED map-reduce root.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateSniah } from "@pylon/rlm/tasks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliHarness } from "./run-cli.js";
import { fundBuyer, openBuyer, type PaidMarket, startPaidMarket } from "./run-market.js";

const harness = new CliHarness();
let market: PaidMarket;
const FUNDED = 1_000;
const PART_CHARS = 600;

beforeAll(async () => {
  market = await startPaidMarket(harness.cleanup, {
    nodes: 4,
    latencyMs: 20,
    slots: 4,
    inputFeePpk: 100,
    relay: {
      auth: { read: true, write: true },
      limits: { maxMessageBytes: 16_384, eventsPerSecond: 10, eventBurst: 10, minPowDifficulty: 8 },
    },
  });
}, 60_000);

afterAll(() => harness.cleanup.run(), 60_000);

describe("pylon run on a strict relay (SCRIPTED root and SCRIPTED provider backends)", () => {
  it("answers every sub-call through AUTH, proof of work, 16 KB and a rate limit; receipt spent = the wallet's outflow", async () => {
    const home = await harness.home("pylon-run-strict-");
    await fundBuyer(market, home, FUNDED);
    const task = generateSniah(6_000, 5);
    const contextFile = join(home, "haystack.txt");
    writeFileSync(contextFile, task.context);
    const run = await harness.start(
      [
        "run",
        task.question,
        "--context",
        contextFile,
        "--root",
        "scripted",
        "--relay",
        market.relay.url,
        "--mint",
        market.mint.url,
        "--providers",
        "4",
        "--subcall-chars",
        String(PART_CHARS),
        "--budget",
        "500",
        "--json",
      ],
      { env: { PYLON_HOME: home } },
    );
    const exit = await run.exited;
    expect(exit.code, run.stderr()).toBe(0);
    const receipt = JSON.parse(run.stdout()) as {
      subcalls: number;
      jobs: { failed: number };
      sats: { spent: number; charged: number; rests: number; fees: number; reclaimable: number };
    };
    expect(receipt.subcalls).toBeGreaterThanOrEqual(20);
    expect(receipt.jobs.failed).toBe(0);
    const refused = market.relay.metrics().events.refused;
    for (const reason of Object.keys(refused)) expect(reason).not.toMatch(/^(invalid|pow|auth-required)/);

    const { spent, charged, rests, fees, reclaimable } = receipt.sats;
    expect(Math.round((charged + rests + fees + reclaimable) * 1000)).toBe(Math.round(spent * 1000));
    // Every tab closed: nothing is left reclaimable, and each keeps less than a sat.
    expect(reclaimable).toBe(0);
    expect(rests).toBeLessThan(4);
    const buyer = await openBuyer(market, home);
    try {
      await buyer.checkPending();
      const balance = buyer.balance().total;
      expect(spent).toBe(FUNDED - balance.unspent - balance.reserved);
      expect(spent).toBeGreaterThan(0);
    } finally {
      buyer.close();
    }
  }, 180_000);
});
