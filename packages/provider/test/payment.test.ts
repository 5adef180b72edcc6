import {
  type Backend,
  createLlamaBackend,
  type GenerateOptions,
  type GenerateRequest,
} from "@pylon/inference";
import { JobError } from "@pylon/nostr";
import { describe, expect, it } from "vitest";
import type { PaymentPolicy } from "../src/payments/policy.js";
import { JobStore } from "../src/store/job-store.js";
import { buyerClient, startNode, suite } from "./helpers/harness.js";

// Real relay, real node-llama-cpp (tiny GGUF) behind a wrapper that counts generate() calls, real SQLite.
const shared = suite({ model: true });
const { cleanup } = shared;

async function countingBackend(): Promise<{ backend: Backend; calls: () => number }> {
  const real = await createLlamaBackend({
    model: shared.model,
    gpu: false,
    threads: 1,
    slots: 2,
    contextSize: 512,
  });
  let calls = 0;
  const backend: Backend = {
    kind: real.kind,
    info: () => real.info(),
    generate: (request: GenerateRequest, options?: GenerateOptions) => {
      calls++;
      return real.generate(request, options);
    },
    close: () => real.close(),
  };
  return { backend, calls: () => calls };
}

// 1,000 msats per 1k input tokens, 2,000 per 1k output tokens, at least 50 msats a job.
const prices = { inputPer1k: 1_000, outputPer1k: 2_000, minimum: 50 };
// "hello world" is 11 characters ≈ 3 tokens; 100 output tokens at most: ceil((3·1000 + 100·2000) / 1000) = 203.
const QUOTE_MSATS = 203;

/** A node on the tiny model charging `prices` (its generate() calls counted), and a buyer. */
async function pricedNode(paymentPolicy?: PaymentPolicy) {
  const { backend, calls } = await countingBackend();
  const node = await startNode(
    cleanup,
    { relays: [shared.relayUrl], model: shared.model, free: false, prices },
    { backend, ...(paymentPolicy ? { paymentPolicy } : {}) },
  );
  return { node, calls, client: buyerClient(cleanup, shared.relayUrl).client };
}

describe("payment policy", () => {
  it("without `free`, answers payment-required with the price and runs no inference", async () => {
    const { node, calls, client } = await pricedNode();

    const error = (await client
      .submit({ prompt: "hello world", provider: node.pubkey, params: { maxTokens: 100 } })
      .catch((e: unknown) => e)) as JobError;
    expect(error).toBeInstanceOf(JobError);
    expect(error.code).toBe("payment-required");
    expect(error.amountMsats).toBe(QUOTE_MSATS);
    expect(error.feedback[0]?.extra).toMatch(/costs up to 203 msats/);
    expect(calls()).toBe(0);
    expect(node.status().jobs.paymentRequired).toBe(1);
    expect(node.status().tokensGenerated).toBe(0);
    const store = JobStore.open(node.databaseFile);
    cleanup.add(() => store.close());
    expect(store.get(error.jobId)).toMatchObject({ state: "unpaid", quoteMsats: QUOTE_MSATS, attempts: 0 });
  });

  it("refuses a bid below the price with an error naming both amounts", async () => {
    const { node, calls, client } = await pricedNode();
    const error = (await client
      .submit({ prompt: "hello world", provider: node.pubkey, params: { maxTokens: 100 }, bidMsats: 100 })
      .catch((e: unknown) => e)) as JobError;
    expect(error.code).toBe("error");
    expect(error.feedback[0]?.extra).toBe("bid of 100 msats is below the price of 203 msats");
    expect(error.feedback[0]?.amount).toEqual({ msats: QUOTE_MSATS });
    expect(calls()).toBe(0);
  });

  it("runs work only once a plugged-in PaymentPolicy says it is paid, and bills what it says is owed", async () => {
    const seen: number[] = [];
    const policy: PaymentPolicy = {
      name: "test-token",
      verifyPayment: (job, quote) => {
        seen.push(quote.amountMsats);
        return job.cashuToken === "paid"
          ? { ok: true }
          : { ok: false, feedback: "error", reason: "token rejected: already spent" };
      },
      amountOwed: (_job, _quote, usage) => usage.outputTokens,
    };
    const { node, calls, client } = await pricedNode(policy);
    const ask = (cashuToken: string) =>
      client.submit({
        prompt: "hello world",
        provider: node.pubkey,
        params: { maxTokens: 100 },
        extraParams: { ignore_eos: "true" },
        encryption: "nip44",
        cashuToken,
      });

    const rejected = (await ask("spent").catch((e: unknown) => e)) as JobError;
    expect(rejected.message).toMatch(/token rejected: already spent/);
    expect(calls()).toBe(0);
    const paid = await ask("paid");
    expect(calls()).toBe(1);
    expect(paid.result.amount).toEqual({ msats: 100 });
    expect(seen).toEqual([QUOTE_MSATS, QUOTE_MSATS]);
  });
});
