/**
 * Batched requests (Pylon extension): one kind-5050 request carrying many prompts, one `processing`
 * feedback, one result with every item's outcome. Real relay (WebSockets), real SQLite, real mint where
 * paid; the backend is scripted (declared per test: an echo of each item's prompt, so outputs can be matched
 * to prompts) except for one test on real llama.cpp with the generated tiny GGUF.
 */
import type { GenerateRequest } from "@pylon/inference";
import { createScriptedBackend } from "@pylon/inference/scripted";
import type { RunningMint } from "@pylon/mint";
import type { JobOutcome } from "@pylon/nostr";
import {
  type BatchItem,
  type BatchItemResult,
  batchInput,
  decodeBatchResults,
  parseAnnouncement,
  parseJobResult,
} from "@pylon/protocol";
import { nowSec, tempDir, waitFor } from "@pylon/testkit";
import { fundedWallet, startTestMint } from "@pylon/testkit/market";
import type { PylonWallet } from "@pylon/wallet";
import { finalizeEvent } from "nostr-tools/pure";
import { beforeAll, describe, expect, it } from "vitest";
import type { PaymentPolicy } from "../src/payments/policy.js";
import type { RunningProvider } from "../src/provider.js";
import { JobStore } from "../src/store/job-store.js";
import { PAID_ACTUAL_MSATS, PAID_QUOTE_MSATS, paidNode } from "./helpers/cashu.js";
import { buyerClient, collect, failure, startNode, suite, tag, tinyModel } from "./helpers/harness.js";
import { lockedTokenFor } from "./helpers/paid-job.js";

const shared = suite();
const { files, cleanup } = shared;

/** `n` items "0".."n-1" whose prompts say which item they are. */
function items(n: number, extra: Partial<BatchItem> = {}): BatchItem[] {
  return Array.from({ length: n }, (_, index) => ({
    id: String(index),
    prompt: `prompt number ${index}`,
    ...extra,
  }));
}

function results(outcome: JobOutcome): BatchItemResult[] {
  const decoded = decodeBatchResults(outcome.output);
  if (!decoded) throw new Error(`not a batch result: ${outcome.output.slice(0, 200)}`);
  return decoded;
}

/** A free node on the scripted echo backend (each item's output is its own prompt). */
function echoNode(
  options: { slots?: number; queue?: number; maxBatch?: number; tokenLatencyMs?: number } = {},
) {
  const { tokenLatencyMs, ...rest } = options;
  return startNode(cleanup, {
    relays: [shared.relayUrl],
    model: { type: "scripted", echo: true, ...(tokenLatencyMs === undefined ? {} : { tokenLatencyMs }) },
    slots: 4,
    queue: 32,
    ...rest,
  });
}

function openStore(node: RunningProvider): JobStore {
  const store = JobStore.open(node.databaseFile); // a second reader of the node's own database
  cleanup.add(() => store.close());
  return store;
}

describe("a batched request (scripted echo backend)", () => {
  it("answers 20 items with ONE processing feedback and ONE result holding 20 matching outputs", async () => {
    const node = await echoNode();
    const { client, pool } = buyerClient(cleanup, shared.relayUrl);
    const batch = items(20);
    batch[3] = { id: "3", prompt: "a longer prompt cut short", maxTokens: 2 }; // 2 scripted tokens = 8 chars
    const outcome = await client.submit({ inputs: [batchInput(batch)], provider: node.pubkey });

    expect(outcome.feedback.map((f) => f.status)).toEqual(["processing"]);
    expect(outcome.feedback[0]?.extra).toBe("started; batch of 20 items");
    const answers = results(outcome);
    expect(answers.map((r) => r.id)).toEqual(batch.map((item) => item.id));
    for (const [index, answer] of answers.entries()) {
      const expected = index === 3 ? "a longer" : `prompt number ${index}`;
      expect(answer).toMatchObject({ output: expected, msats: 0 });
      expect(answer.outputTokens).toBeGreaterThan(0);
    }
    expect(outcome.result.amount).toEqual({ msats: 0 }); // free node
    expect(outcome.result.inputs).toEqual([]); // the items are not copied into the result

    const replies = await collect(pool, { "#e": [outcome.jobId] }, 300);
    expect(replies.filter((e) => e.kind === 6050)).toHaveLength(1);
    expect(replies.filter((e) => e.kind === 7000)).toHaveLength(1);
    expect(node.status().jobs).toMatchObject({ served: 20, batches: 1, failed: 0 });
    expect(openStore(node).get(outcome.jobId)).toMatchObject({ state: "done", batchItems: 20, attempts: 1 });

    // The announcement says how many items one batch may carry.
    const [announcement] = await pool.query({ kinds: [31990], authors: [node.pubkey] });
    const parsed = parseAnnouncement(announcement);
    expect(parsed.ok && parsed.announcement.capacity).toEqual({ slots: 4, maxQueue: 32, maxBatch: 64 });
  });

  it("answers an encrypted batch with an encrypted result that shows no prompt", async () => {
    const node = await echoNode();
    const { client, pool } = buyerClient(cleanup, shared.relayUrl);
    const secret = "the vault code is 4711";
    const outcome = await client.submit({
      inputs: [batchInput([{ id: "a", prompt: secret }, ...items(3)])],
      provider: node.pubkey,
      encryption: "nip44",
    });
    expect(outcome.result.encryption).toBe("nip44");
    expect(results(outcome)[0]).toMatchObject({ id: "a", output: secret });
    expect(results(outcome)).toHaveLength(4);
    const [stored] = await pool.query({ ids: [outcome.result.id] });
    expect(tag(stored!, "encrypted")).toEqual(["encrypted"]);
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(parseJobResult(stored).ok).toBe(false); // unreadable without the key
  });

  it("still serves a single-prompt request as before, beside batches", async () => {
    const node = await echoNode();
    const { client } = buyerClient(cleanup, shared.relayUrl);
    const outcome = await client.submit({ prompt: "just one", provider: node.pubkey });
    expect(outcome.output).toBe("just one");
    expect(outcome.feedback.map((f) => f.extra)).toEqual(["started"]);
    expect(outcome.result.inputs).toEqual([{ data: "just one", type: "text" }]);
    expect(node.status().jobs).toMatchObject({ served: 1, batches: 0 });
  });

  it("answers one failing item with its error, the others with outputs; the failed item costs nothing", async () => {
    // Priced node whose payment policy accepts everything (and asks nothing more afterwards).
    const acceptAll: PaymentPolicy = { name: "accept-all", verifyPayment: () => ({ ok: true }) };
    const lastUser = (request: GenerateRequest) => request.messages?.at(-1)?.content ?? "";
    const backend = createScriptedBackend({
      responses: (request) => lastUser(request),
      fail: (request) => (lastUser(request) === "break me" ? "internal" : undefined),
    });
    const node = await startNode(
      cleanup,
      {
        relays: [shared.relayUrl],
        model: { type: "scripted", reply: "-" },
        free: false,
        prices: { inputPer1k: 10_000, outputPer1k: 20_000, minimum: 0 },
      },
      { backend, paymentPolicy: acceptAll },
    );
    const { client } = buyerClient(cleanup, shared.relayUrl);
    const outcome = await client.submit({
      inputs: [
        batchInput([
          { id: "ok1", prompt: "hello world" },
          { id: "bad", prompt: "break me" },
          { id: "ok2", prompt: "hello world" },
        ]),
      ],
      provider: node.pubkey,
    });
    const [ok1, bad, ok2] = results(outcome);
    expect(bad).toEqual({ id: "bad", error: "generation failed: scripted failure (internal)", msats: 0 });
    // "hello world": 3 input and 3 output tokens = 3·10 + 3·20 msats.
    expect(ok1).toEqual({ id: "ok1", output: "hello world", outputTokens: 3, msats: 90 });
    expect(ok2).toEqual({ id: "ok2", output: "hello world", outputTokens: 3, msats: 90 });
    expect(outcome.result.amount).toEqual({ msats: 0 }); // still owed: nothing, as on single results
    expect(node.status().jobs).toMatchObject({ served: 2, failed: 1, batches: 1 });
  });
});

describe("batch refusals: the whole batch, at once, before any work or payment", () => {
  it("refuses a batch larger than the node's free capacity as busy; room is counted per item", async () => {
    const node = await echoNode({ slots: 2, queue: 2, tokenLatencyMs: 20 });
    const { client } = buyerClient(cleanup, shared.relayUrl);
    const tooBig = await failure(client.submit({ inputs: [batchInput(items(5))], provider: node.pubkey }));
    expect(tooBig.feedback.map((f) => f.status)).toEqual(["error"]);
    expect(tooBig.message).toMatch(
      /busy: a batch of 5 items needs 5 free places, but only 4 of the 2 slots and 2 queue places are free/,
    );

    // Three slow items take three of the four places: a batch of two no longer fits, a single job does.
    let accepted = false;
    const slow = client.submit(
      { inputs: [batchInput(items(3, { prompt: "slow ".repeat(20) }))], provider: node.pubkey },
      { onFeedback: (f) => (accepted ||= f.status === "processing") },
    );
    await waitFor(() => accepted, "the slow batch to be accepted");
    const busy = await failure(client.submit({ inputs: [batchInput(items(2))], provider: node.pubkey }));
    expect(busy.message).toMatch(/busy: a batch of 2 items needs 2 free places, but only 1 of/);
    expect((await client.submit({ prompt: "fits", provider: node.pubkey })).output).toBe("fits");
    expect(results(await slow)).toHaveLength(3);
    expect(node.status().jobs).toMatchObject({ busy: 2, served: 4, batches: 1 });
  });

  it("refuses more items than the node's maxBatch, and batches altogether when maxBatch < 2", async () => {
    const small = await echoNode({ maxBatch: 4 });
    const { client, pool } = buyerClient(cleanup, shared.relayUrl);
    const over = await failure(client.submit({ inputs: [batchInput(items(5))], provider: small.pubkey }));
    expect(over.message).toMatch(
      /batch too large: 5 items, but this node takes at most 4 per request; split it/,
    );
    expect(
      results(await client.submit({ inputs: [batchInput(items(4))], provider: small.pubkey })),
    ).toHaveLength(4);

    const none = await echoNode({ maxBatch: 1 });
    const refused = await failure(client.submit({ inputs: [batchInput(items(2))], provider: none.pubkey }));
    expect(refused.message).toMatch(/batched requests are not served here/);
    const [announcement] = await pool.query({ kinds: [31990], authors: [none.pubkey] });
    const parsed = parseAnnouncement(announcement);
    expect(parsed.ok && parsed.announcement.capacity?.maxBatch).toBeUndefined();
  });

  it("refuses a malformed batch input with the reason (hand-written event)", async () => {
    const node = await echoNode();
    const { client, secretKey } = buyerClient(cleanup, shared.relayUrl);
    const bad = (data: string) =>
      finalizeEvent(
        {
          kind: 5050,
          created_at: nowSec(),
          content: "",
          tags: [
            ["i", data, "pylon-batch"],
            ["p", node.pubkey],
          ],
        },
        secretKey,
      );
    const missingPrompt = await failure(client.run(bad(JSON.stringify([{ id: "0" }]))));
    expect(missingPrompt.message).toMatch(/bad batch: item 0: prompt must be a non-empty string/);
    const duplicate = await failure(
      client.run(
        bad(
          JSON.stringify([
            { id: "x", prompt: "a" },
            { id: "x", prompt: "b" },
          ]),
        ),
      ),
    );
    expect(duplicate.message).toMatch(/bad batch: item 1: duplicate id "x"/);
    const notJson = await failure(client.run(bad("[{")));
    expect(notJson.message).toMatch(/bad batch: the batch input is not JSON/);
    expect(node.status().jobs).toMatchObject({ refused: 3, served: 0 });
  });
});

describe("large batch results and stopping with batches in flight", () => {
  it("sends a result over the event size limit in numbered parts, plain and encrypted, reassembled by the client", async () => {
    const reply = "0123456789abcdef".repeat(2_000); // 32,000 characters an item
    const node = await startNode(cleanup, {
      relays: [shared.relayUrl],
      model: { type: "scripted", reply },
      maxTokens: 10_000,
    });
    const { client } = buyerClient(cleanup, shared.relayUrl);
    for (const encryption of [undefined, "nip44" as const]) {
      const outcome = await client.submit({
        inputs: [batchInput(items(3))],
        provider: node.pubkey,
        ...(encryption ? { encryption } : {}),
      });
      expect(outcome.parts).toBeGreaterThan(1);
      expect(results(outcome).map((r) => r.output)).toEqual([reply, reply, reply]);
    }
  });

  it("on a graceful stop, delivers what a batch's running item made, errors for its queued items, and fails a batch that never ran", async () => {
    const node = await startNode(cleanup, {
      relays: [shared.relayUrl],
      model: { type: "scripted", echo: true, tokenLatencyMs: 10 }, // 100 tokens an item: 1 s
      slots: 1,
      queue: 4,
      shutdownGraceSec: 5,
    });
    const { client } = buyerClient(cleanup, shared.relayUrl);
    const accepted: string[] = [];
    const submit = (id: string, n: number) =>
      client.submit(
        { inputs: [batchInput(items(n, { prompt: "word ".repeat(80) }))], provider: node.pubkey },
        { onFeedback: (f) => f.status === "processing" && accepted.push(id) },
      );
    const running = submit("running", 3);
    await waitFor(() => accepted.includes("running"), "the first batch to start");
    const queued = submit("queued", 2);
    queued.catch(() => undefined); // awaited below; its refusal must not surface as unhandled meanwhile
    await waitFor(() => accepted.includes("queued"), "the second batch to queue");
    await node.stop();

    const [first, second, third] = results(await running);
    expect(first?.output).toBe("word ".repeat(80));
    for (const item of [second, third]) {
      expect(item).toMatchObject({
        error: "provider shutting down; please retry (here later, or elsewhere)",
        msats: 0,
      });
    }
    const never = await failure(queued);
    expect(never.message).toMatch(/provider shutting down; please retry/);
  });
});

describe("cancelling a batch", () => {
  it("stops its running items, drops its queued ones, and publishes no result", async () => {
    const node = await echoNode({ slots: 2, tokenLatencyMs: 25 }); // 100 tokens an item: 2.5 s
    const store = openStore(node);
    const { client, pool } = buyerClient(cleanup, shared.relayUrl);
    const abort = new AbortController();
    const error = await failure(
      client.submit(
        { inputs: [batchInput(items(5, { prompt: "long ".repeat(80) }))], provider: node.pubkey },
        { signal: abort.signal, onFeedback: (f) => f.status === "processing" && abort.abort() },
      ),
    );
    expect(error.code).toBe("aborted");
    const stored = await waitFor(() => {
      const row = store.get(error.jobId);
      return row?.state === "cancelled" ? row : undefined;
    }, "the batch to be cancelled");
    expect(stored.detail).toBe("cancelled by the buyer");
    expect(stored.outputTokens ?? 0).toBeLessThan(200); // nowhere near 5 items × 100 tokens
    await waitFor(
      () => node.status().activeJobs === 0 && node.status().queueDepth === 0,
      "the slots to free",
    );
    const replies = await collect(pool, { "#e": [error.jobId] }, 300);
    expect(replies.some((e) => e.kind === 6050)).toBe(false);
    expect(node.status().jobs).toMatchObject({ cancelled: 1, served: 0 });
  });
});

describe("restart recovery of a batch (stored states seeded, scripted echo backend)", () => {
  it("re-runs an interrupted batch as a whole and publishes a stored batch result no relay took", async () => {
    const dataDir = await tempDir(cleanup);
    const config = { relays: [shared.relayUrl], dataDir, model: { type: "scripted" as const, echo: true } };
    const probe = await startNode(cleanup, config);
    await probe.stop();
    const provider = probe.pubkey;
    const { client } = buyerClient(cleanup, shared.relayUrl);
    const running = client.prepare({ inputs: [batchInput(items(3))], provider, encryption: "nip44" });
    const finished = client.prepare({ inputs: [batchInput(items(2))], provider });

    const store = JobStore.open(`${dataDir}/provider.db`);
    const now = nowSec();
    store.recordRequest(running, now, {
      buyer: client.pubkey,
      event: running,
      state: "running",
      batchItems: 3,
    });
    store.update(running.id, { attempts: 1 });
    store.recordRequest(finished, now, {
      buyer: client.pubkey,
      event: finished,
      state: "finished",
      batchItems: 2,
    });
    const storedOutput = JSON.stringify({
      items: [
        { id: "0", output: "kept" },
        { id: "1", error: "gone" },
      ],
    });
    store.update(finished.id, { output: storedOutput, amountMsats: 0 });
    store.close();

    const follow = (request: typeof running) => client.run(request, { timeoutMs: 15_000 });
    const outcomes = [follow(running), follow(finished)];
    const node = await startNode(cleanup, config);
    const [resumed, redelivered] = await Promise.all(outcomes);
    expect(results(resumed!).map((r) => r.output)).toEqual([
      "prompt number 0",
      "prompt number 1",
      "prompt number 2",
    ]);
    expect(resumed!.feedback.map((f) => f.extra)).toContain(
      "resumed after a provider restart; started; batch of 3 items",
    );
    expect(redelivered!.output).toBe(storedOutput);
    expect(redelivered!.result.inputs).toEqual([]);
    expect(node.status().jobs).toMatchObject({ resumed: 1, batches: 2, served: 4 });
    expect(openStore(node).get(running.id)).toMatchObject({ state: "done", attempts: 2, batchItems: 3 });
  });
});

describe("a paid batch (real mint and relay; scripted backend replying 'paid output')", () => {
  let theMint: RunningMint;
  let buyer: PylonWallet;

  beforeAll(async () => {
    theMint = await startTestMint(files, 100);
    buyer = await fundedWallet(files, theMint.url, 200);
  });

  // Each item: "hello world" with max_tokens 100 quotes PAID_QUOTE_MSATS and actually costs PAID_ACTUAL_MSATS.
  const paidItems = (n: number) => items(n, { prompt: "hello world", maxTokens: 100 });

  it("pays a batch from a tab: the tab must hold the sum of the item quotes and is debited the sum of item costs", async () => {
    const { node, calls, target } = await paidNode(cleanup, {
      relayUrl: shared.relayUrl,
      mintUrl: theMint.url,
    });
    const { client } = buyerClient(cleanup, shared.relayUrl);
    const ask = (n: number, extraParams: Record<string, string> = {}, cashuToken?: string) =>
      client.submit({
        inputs: [batchInput(paidItems(n))],
        provider: node.pubkey,
        encryption: "nip44",
        extraParams,
        ...(cashuToken ? { cashuToken } : {}),
      });

    // Opening deposit with a batch of 3: it must cover 3 quotes (6,090 msats); 20 sats do.
    const opened = await ask(3, { tab: "open" }, await lockedTokenFor(buyer, target, 20));
    expect(results(opened).map((r) => [r.output, r.msats])).toEqual(
      Array(3).fill(["paid output", PAID_ACTUAL_MSATS]),
    );
    expect(opened.result.amount).toEqual({ msats: 0 }); // paid from the tab: nothing owed
    expect(opened.result.tabMsats).toBe(20_000 - 3 * PAID_ACTUAL_MSATS);
    expect(calls()).toBe(3);

    // Paid from the tab: debited the actual cost of each item.
    const served = await ask(4);
    expect(served.result.amount).toEqual({ msats: 0 });
    expect(served.result.tabMsats).toBe(20_000 - 7 * PAID_ACTUAL_MSATS);
    expect(calls()).toBe(7);

    // A batch whose quotes add up past the balance is not admitted: payment-required names the sum.
    const tooBig = await failure(ask(10));
    expect(tooBig.code).toBe("payment-required");
    expect(tooBig.amountMsats).toBe(10 * PAID_QUOTE_MSATS); // over the 19,370 msats left
    expect(calls()).toBe(7);
    expect(node.payments?.tabTotals()).toMatchObject({
      depositedMsats: 20_000,
      reservedMsats: 0,
      chargedMsats: 7 * PAID_ACTUAL_MSATS,
    });
    expect(node.status().jobs).toMatchObject({ served: 7, batches: 2, paymentRequired: 1 });
  });

  it("pays a batch with a per-job token that must cover the sum of the item quotes", async () => {
    const { node, calls, target } = await paidNode(cleanup, {
      relayUrl: shared.relayUrl,
      mintUrl: theMint.url,
    });
    const { client } = buyerClient(cleanup, shared.relayUrl);
    const ask = (cashuToken: string) =>
      client.submit({
        inputs: [batchInput(paidItems(2))],
        provider: node.pubkey,
        encryption: "nip44",
        cashuToken,
      });
    // 2 × 2,030 msats = 4,060 msats: 5 sats. A 3-sat token (one item's price) is not enough.
    const under = await failure(ask(await lockedTokenFor(buyer, target, 3)));
    expect(under.code).toBe("payment-required");
    expect(under.amountMsats).toBe(2 * PAID_QUOTE_MSATS);
    expect(calls()).toBe(0);
    const paid = await ask(await lockedTokenFor(buyer, target, 5));
    expect(results(paid).map((r) => r.output)).toEqual(["paid output", "paid output"]);
    expect(paid.result.amount).toEqual({ msats: 0 }); // paid up front: nothing owed
    expect(results(paid).map((r) => r.msats)).toEqual([PAID_ACTUAL_MSATS, PAID_ACTUAL_MSATS]);
    expect(calls()).toBe(2);
  });
});

describe("a batch on real llama.cpp (generated tiny GGUF)", () => {
  it("runs 4 items in parallel on 4 slots, each to its own max_tokens", async () => {
    const model = await tinyModel(cleanup);
    const node = await startNode(cleanup, { relays: [shared.relayUrl], model, slots: 4, contextSize: 512 });
    const { client } = buyerClient(cleanup, shared.relayUrl);
    const before = node.status().tokensGenerated;
    const outcome = await client.submit({
      inputs: [
        batchInput(
          [4, 8, 12, 16].map((maxTokens, index) => ({
            id: `q${index}`,
            prompt: `question ${index}`,
            maxTokens,
          })),
        ),
      ],
      provider: node.pubkey,
      params: { seed: 5 },
      extraParams: { ignore_eos: "true" },
    });
    const answers = results(outcome);
    expect(answers.map((r) => [r.id, r.outputTokens])).toEqual([
      ["q0", 4],
      ["q1", 8],
      ["q2", 12],
      ["q3", 16],
    ]);
    for (const answer of answers) expect(answer.output).toEqual(expect.any(String));
    expect(node.status().tokensGenerated - before).toBe(40);
    expect(outcome.feedback.map((f) => f.status)).toEqual(["processing"]);
  });
});
