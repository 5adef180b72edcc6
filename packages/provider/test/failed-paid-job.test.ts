/**
 * A paid job that fails before generating costs nothing (docs/payments.md, "A paid job that fails before
 * generating"). The case from the field: a prompt that fits the price quote's 4-characters-a-token estimate but
 * not the model's real tokenizer, so llama.cpp refuses it after the per-job token was taken. Real mint (HTTP,
 * 100 ppk input fee), real relay, real node-llama-cpp on the generated tiny GGUF, real SQLite.
 */
import path from "node:path";
import { createLlamaBackend } from "@pylon/inference";
import { tempDir } from "@pylon/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { paidSuite } from "./helpers/cashu.js";
import { buyerClient, failure, tag, tinyModel } from "./helpers/harness.js";
import { lockedTokenFor } from "./helpers/paid-job.js";

const market = paidSuite({ inputFeePpk: 100, fundSats: 1_000 });
const { cleanup } = market;
let model: string;
const CONTEXT = 256;

beforeAll(async () => {
  model = await tinyModel(market.files);
});

describe("a paid job that fails before generating (real tokenizer)", () => {
  it("puts the per-job payment on the buyer's tab: the next job spends it, close gives the rest back", async () => {
    const backend = await createLlamaBackend({
      model,
      modelsDir: path.join(await tempDir(cleanup), "models"),
      slots: 1,
      maxQueue: 16,
      gpu: false,
      threads: 1,
      contextSize: CONTEXT,
    });
    const { node, target } = await market.node({ backend });
    const me = buyerClient(cleanup, market.relayUrl);

    // 200 euro signs: 50 tokens by the estimate (well inside the context), but the tiny vocabulary has no
    // such sign, so each is 3 byte tokens: 600, over the context.
    const prompt = "€".repeat(200);
    const token = await lockedTokenFor(market.buyer, target, 5);
    const error = await failure(
      me.client.submit({
        prompt,
        params: { maxTokens: 16 },
        provider: node.pubkey,
        encryption: "nip44",
        cashuToken: token,
      }),
    );
    expect(error.code).toBe("error");
    expect(error.feedback.map((f) => f.status)).toEqual(["processing", "error"]);
    const extra = error.feedback.at(-1)?.extra ?? "";
    expect(extra).toMatch(
      new RegExp(
        `^cannot run this request: prompt is \\d+ tokens but a job's context holds ${CONTEXT}; nothing was charged: your payment is on a tab here \\(5000 msats\\)`,
      ),
    );

    // The payment's net credit (5 sats; the input fee was on top) is the tab's deposit, and the error says so.
    const totals = node.payments!.tabTotals();
    expect(totals).toEqual({
      depositedMsats: 5_000,
      balanceMsats: 5_000,
      reservedMsats: 0,
      chargedMsats: 0,
      refundedMsats: 0,
    });
    expect(node.payments!.earnings().creditedSats).toBe(5);
    // The error feedback carries the tab's balance, as results to tab holders do.
    const events = await me.pool.query({ kinds: [7000], "#e": [error.jobId] });
    const errorEvent = events.find((e) => tag(e, "status")?.[1] === "error");
    expect(tag(errorEvent!, "tab")?.[1]).toBe("5000");

    // The next job, with no token, is paid from that tab.
    const served = await me.client.submit({
      prompt: "hello",
      params: { maxTokens: 8, seed: 1 },
      provider: node.pubkey,
      encryption: "nip44",
    });
    const charged = node.payments!.tabTotals().chargedMsats;
    expect(charged).toBeGreaterThan(0);
    expect(served.result.tabMsats).toBe(5_000 - charged);

    // And close returns the whole sats left.
    const closed = await me.client.submit({
      prompt: "close",
      provider: node.pubkey,
      encryption: "nip44",
      extraParams: { tab: "close" },
    });
    const before = market.buyer.balance().total.unspent;
    const received = await market.buyer.receive(closed.output);
    const refundSats = Math.floor((5_000 - charged) / 1000);
    expect(received.amount).toBe(refundSats);
    expect(market.buyer.balance().total.unspent).toBe(before + refundSats);
  });
});
