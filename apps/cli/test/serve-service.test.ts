/**
 * The CLI's ModelService in-process over a paid local market (real relay, testnet mint, paid SCRIPTED
 * provider nodes): market/<model> as one paid job, rlm with a SCRIPTED root and sub-calls on the market,
 * receipts and logs on disk, errors by cause, and the tabs refunded on close.
 */
import { readFileSync, statSync } from "node:fs";
import type { Completion } from "@pylon/gateway";
import { generateSniah } from "@pylon/rlm/tasks";
import { tempDir } from "@pylon/testkit";
import { MODEL } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openModelService } from "../src/serve/service.js";
import { CliHarness } from "./run-cli.js";
import { fundBuyer, openBuyer, type PaidMarket, startPaidMarket } from "./run-market.js";

const harness = new CliHarness();
let market: PaidMarket;
const FUNDED = 1_000;

beforeAll(async () => {
  market = await startPaidMarket(harness.cleanup, { nodes: 2, latencyMs: 20, slots: 4, inputFeePpk: 0 });
}, 60_000);
afterAll(() => harness.cleanup.run(), 60_000);

const signal = () => AbortSignal.timeout(30_000);

describe("openModelService on a paid local market (SCRIPTED provider nodes, SCRIPTED root)", () => {
  it("lists market models and rlm, answers market/<model> and rlm, writes receipts, refunds on close", async () => {
    const home = await tempDir(harness.cleanup, "pylon-serve-service-");
    await fundBuyer(market, home, FUNDED);
    const service = await openModelService({
      home,
      relays: [market.relay.url],
      mint: market.mint.url,
      providers: 2,
      root: { kind: "scripted" },
      sub: { kind: "swarm" },
      quiet: true,
      trust: { checks: false },
      rlm: { subcallChars: 600, subMaxTokens: 64 },
    });
    let closed = false;
    try {
      const ids = (await service.models()).map((m) => m.id);
      expect(ids).toContain(`market/${MODEL}`);
      expect(ids).toContain("rlm");
      const entry = (await service.models()).find((m) => m.id === `market/${MODEL}`)!;
      expect(entry.providers).toBe(2);

      const prompt = "What colour is the sky today?\n\nGrass is green. The sky is blue today. Snow is white.";
      const answer = await service.complete({
        model: `market/${MODEL}`,
        messages: [{ role: "user", content: prompt }],
        maxTokens: 64,
        budgetSats: 50,
        signal: signal(),
      });
      expect(answer.text).toBe("The sky is blue today.");
      expect(answer.costSats).toBeGreaterThan(0);
      const receipt = JSON.parse(readFileSync(answer.receiptFile!, "utf8")) as {
        id: string;
        costSats: number;
      };
      expect(receipt.id).toBe(answer.id);
      expect(receipt.costSats).toBe(answer.costSats);
      expect(statSync(answer.receiptFile!).mode & 0o777).toBe(0o600);

      const task = generateSniah(2_000, 5);
      const rlm: Completion = await service.complete({
        model: "rlm",
        messages: [{ role: "user", content: task.question }],
        context: task.context,
        budgetSats: 200,
        signal: signal(),
      });
      expect(task.score(rlm.text)).toBe(1);
      expect(rlm.costSats).toBeGreaterThan(0);
      expect(readFileSync(rlm.logFile!, "utf8")).toContain('"type":"run"');

      await expect(
        service.complete({
          model: "market/nope",
          messages: [{ role: "user", content: "hi" }],
          budgetSats: 50,
          signal: signal(),
        }),
      ).rejects.toMatchObject({ code: "unknown-model" });
      await expect(
        service.complete({
          model: `market/${MODEL}`,
          messages: [{ role: "user", content: "hi" }],
          maxTokens: 1000,
          budgetSats: 1,
          signal: signal(),
        }),
      ).rejects.toMatchObject({ code: "budget" });

      await service.close();
      closed = true;
      const buyer = await openBuyer(market, home);
      try {
        await buyer.checkPending();
        const balance = buyer.balance().total;
        const charged = answer.costSats + rlm.costSats;
        // Tabs close to whole sats: the wallet is back to what was funded less the charges (and sub-sat rests).
        expect(FUNDED - balance.unspent).toBeGreaterThanOrEqual(Math.floor(charged));
        expect(FUNDED - balance.unspent).toBeLessThanOrEqual(Math.ceil(charged) + 2);
      } finally {
        buyer.close();
      }
    } finally {
      if (!closed) await service.close();
    }
  }, 120_000);
});
