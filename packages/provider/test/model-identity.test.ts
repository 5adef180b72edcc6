/**
 * Model identity end to end: a node announces its model file's digest, serves requests naming it, and
 * refuses (before any payment) requests naming another; seeds and temperature 0 reach the backend, per batch
 * item too. Real relay (WebSockets), real mint (HTTP) and SQLite; real llama.cpp on generated GGUFs, except
 * where a scripted backend records the requests it gets or stands in for a paid node's model.
 */
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { type Backend, type GenerateRequest, modelIdentity, writeTinyGguf } from "@pylon/inference";
import { createScriptedBackend } from "@pylon/inference/scripted";
import type { JobError, JobOutcome } from "@pylon/nostr";
import { batchInput, parseAnnouncement } from "@pylon/protocol";
import { tempDir } from "@pylon/testkit";
import { PRICES } from "@pylon/testkit/market";
import { beforeAll, describe, expect, it } from "vitest";
import { MODEL_DIGESTS_FILE } from "../src/backend-factory.js";
import { JobStore } from "../src/store/job-store.js";
import { PAID_JOB, PAID_OUTPUT, PAID_PRICE_SATS, paidSuite } from "./helpers/cashu.js";
import { buyerClient, failure, startNode, tinyModel } from "./helpers/harness.js";
import { lockedTokenFor } from "./helpers/paid-job.js";

const market = paidSuite({ fundSats: 200 });
const { cleanup } = market;
let modelFile: string;
let digest: string;
/** The digest of another generated model (seed 2), which no node here serves. */
let otherDigest: string;

/** Computed apart from the code under test: the whole file read at once. */
async function sha256(file: string): Promise<string> {
  return `sha256:${createHash("sha256")
    .update(await readFile(file))
    .digest("hex")}`;
}

beforeAll(async () => {
  modelFile = await tinyModel(market.files);
  digest = await sha256(modelFile);
  const other = path.join(await tempDir(market.files), "other.gguf");
  await writeTinyGguf(other, { seed: 2 });
  otherDigest = await sha256(other);
});

describe("a llama node on a generated GGUF", () => {
  it("announces the file's digest, size, architecture and quantisation; serves its digest, refuses another", async () => {
    const node = await startNode(cleanup, { relays: [market.relayUrl], model: modelFile });
    const { pool, client } = buyerClient(cleanup, market.relayUrl);
    const [event] = await pool.query({ kinds: [31990], authors: [node.pubkey] });
    const parsed = parseAnnouncement(event);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.announcement.models).toEqual([
      expect.objectContaining({
        name: "tiny",
        digest,
        sizeBytes: (await stat(modelFile)).size,
        architecture: "llama",
        quantisation: "F32",
      }),
    ]);
    expect(node.status().modelDigest).toBe(digest);
    // Hashed once, then found again by path, size and mtime at the next start.
    const cache = await readFile(path.join(node.config.dataDir, MODEL_DIGESTS_FILE), "utf8");
    expect(cache).toContain(digest.slice("sha256:".length));

    const ask = (params: object) =>
      client.submit({ prompt: "the answer is", provider: node.pubkey, params: { maxTokens: 12, ...params } });
    const refused = await failure(ask({ modelDigest: otherDigest }));
    expect(refused.message).toContain("model digest");
    expect(refused.message).toContain(otherDigest);
    expect(refused.message).toContain(digest);
    expect(node.status().jobs).toMatchObject({ refused: 1, served: 0 });

    // Greedy answers for the right digest are served, and the same twice; a seed makes sampling repeatable.
    const greedy = await ask({ modelDigest: digest, temperature: 0 });
    expect(greedy.output.length).toBeGreaterThan(0);
    expect((await ask({ modelDigest: digest, temperature: 0 })).output).toBe(greedy.output);
    const sampled = (seed: number) =>
      client.submit({
        prompt: "the answer is",
        provider: node.pubkey,
        params: { maxTokens: 24, temperature: 1, seed },
        extraParams: { ignore_eos: "true" },
      });
    const [a, b, c] = [await sampled(9), await sampled(9), await sampled(10)];
    expect(b.output).toBe(a.output);
    expect(c.output).not.toBe(a.output);
  });
});

describe("seeds and temperature reach the backend (scripted backend recording each request)", () => {
  it("for a single job and per batch item; a node that knows no digest refuses any request naming one", async () => {
    const seen: GenerateRequest[] = [];
    const backend = createScriptedBackend({
      model: "recorder",
      slots: 4,
      maxQueue: 32,
      responses: (request) => {
        seen.push(request);
        return "ok";
      },
    });
    const node = await startNode(
      cleanup,
      { relays: [market.relayUrl], model: { type: "scripted", echo: true }, slots: 4, queue: 32 },
      { backend },
    );
    const { client } = buyerClient(cleanup, market.relayUrl);
    const prompt = (request: GenerateRequest) => request.messages?.at(-1)?.content;

    await client.submit({ prompt: "single", provider: node.pubkey, params: { seed: 5, temperature: 0 } });
    expect(seen.find((request) => prompt(request) === "single")).toMatchObject({ seed: 5, temperature: 0 });

    await client.submit({
      provider: node.pubkey,
      params: { seed: 7, temperature: 0.5 },
      inputs: [
        batchInput([
          { id: "0", prompt: "item a", seed: 11, temperature: 0 },
          { id: "1", prompt: "item b", seed: 2 ** 32 - 1 },
          { id: "2", prompt: "item c" },
        ]),
      ],
    });
    const item = (text: string) => seen.find((request) => prompt(request) === text);
    expect(item("item a")).toMatchObject({ seed: 11, temperature: 0 });
    expect(item("item b")).toMatchObject({ seed: 2 ** 32 - 1, temperature: 0.5 });
    expect(item("item c")).toMatchObject({ seed: 7, temperature: 0.5 }); // the request's own

    const before = seen.length;
    const refused = await failure(
      client.submit({ prompt: "x", provider: node.pubkey, params: { modelDigest: digest } }),
    );
    expect(refused.message).toMatch(/model digest sha256:[0-9a-f]{64} cannot be vouched for here/);
    const batchRefused = await failure(
      client.submit({
        provider: node.pubkey,
        params: { modelDigest: digest },
        inputs: [batchInput([{ id: "0", prompt: "y" }])],
      }),
    );
    expect(batchRefused.message).toContain("model digest");
    expect(seen.length).toBe(before);
  });
});

describe("a paid node refuses another digest before any payment", () => {
  it("charges nothing: a per-job token stays unclaimed, a deposit uncredited, a tab's balance untouched", async () => {
    // A scripted model (instant) standing for the generated GGUF, with that file's real identity.
    const identity = await modelIdentity(modelFile);
    const scripted = createScriptedBackend({
      model: "tiny",
      slots: 2,
      maxQueue: 16,
      responses: () => PAID_OUTPUT,
    });
    let calls = 0;
    const backend: Backend = {
      kind: scripted.kind,
      identity,
      info: () => scripted.info(),
      generate: (request, options) => {
        calls++;
        return scripted.generate(request, options);
      },
      close: () => scripted.close(),
    };
    const node = await startNode(
      cleanup,
      {
        relays: [market.relayUrl],
        model: { type: "scripted", echo: true },
        free: false,
        prices: { ...PRICES },
        allowedMints: [market.mint.url],
        queue: 16,
      },
      { backend },
    );
    const payments = node.payments;
    if (!payments) throw new Error("the node takes no payments");
    const target = { provider: node.pubkey, p2pk: payments.paymentKey, mint: market.mint.url };
    const { client } = buyerClient(cleanup, market.relayUrl);
    const ask = (modelDigest: string, options: { cashuToken?: string; tab?: string } = {}) =>
      client.submit({
        ...PAID_JOB,
        params: { ...PAID_JOB.params, modelDigest },
        provider: node.pubkey,
        encryption: "nip44",
        ...(options.cashuToken ? { cashuToken: options.cashuToken } : {}),
        ...(options.tab ? { extraParams: { tab: options.tab } } : {}),
      });
    const credited = () => payments.earnings().creditedSats;

    // A per-job token with the wrong digest: refused, not claimed; the same token then pays for the right one.
    const token = await lockedTokenFor(market.buyer, target, PAID_PRICE_SATS);
    const refused = await failure(ask(otherDigest, { cashuToken: token }));
    expect(refused.message).toContain(`model digest ${otherDigest} is not served here`);
    expect(refused.message).toContain(digest);
    expect([credited(), calls]).toEqual([0, 0]);
    expect((await ask(digest, { cashuToken: token })).output).toBe(PAID_OUTPUT);
    expect([credited(), calls]).toEqual([PAID_PRICE_SATS, 1]);

    // A tab deposit with the wrong digest: refused, not credited; then it opens the tab for the right one.
    const deposit = await lockedTokenFor(market.buyer, target, 20);
    await failure(ask(otherDigest, { cashuToken: deposit, tab: "open" }));
    expect([credited(), calls]).toEqual([PAID_PRICE_SATS, 1]);
    expect(payments.tabTotals().depositedMsats).toBe(0);
    expect((await ask(digest, { cashuToken: deposit, tab: "open" })).output).toBe(PAID_OUTPUT);
    const totals = payments.tabTotals();
    expect(totals.depositedMsats).toBe(20_000);

    // Paid from the tab, the wrong digest costs the tab nothing.
    const fromTab = await failure(ask(otherDigest));
    expect(fromTab.message).toContain("model digest");
    expect(payments.tabTotals()).toEqual(totals);
    expect(calls).toBe(2);
  });
});

describe("after a restart", () => {
  it("a queued job naming another digest fails rather than run on the weights served now; one naming them runs", async () => {
    const dataDir = await tempDir(cleanup);
    const { client } = buyerClient(cleanup, market.relayUrl);
    // The node's key, so the seeded requests can be addressed to it before it starts.
    const probe = await startNode(cleanup, {
      relays: [market.relayUrl],
      dataDir,
      model: { type: "scripted", reply: "-" },
    });
    await probe.stop();
    const job = (modelDigest: string) =>
      client.prepare({ prompt: "queued", provider: probe.pubkey, params: { maxTokens: 4, modelDigest } });
    const requests = { other: job(otherDigest), ours: job(digest) };
    const store = JobStore.open(path.join(dataDir, "provider.db"));
    const now = Math.floor(Date.now() / 1000);
    for (const event of Object.values(requests))
      store.recordRequest(event, now, { buyer: client.pubkey, event, state: "queued" });
    store.close();
    const follow = (event: typeof requests.ours) =>
      client.run(event, { timeoutMs: 15_000 }).catch((e: unknown) => e as JobError);
    const outcomes = [follow(requests.other), follow(requests.ours)];

    await startNode(cleanup, { relays: [market.relayUrl], dataDir, model: modelFile });
    const [other, ours] = await Promise.all(outcomes);
    expect((other as JobError).message).toContain(
      `provider restarted with another model: model digest ${otherDigest} is not served here`,
    );
    expect((ours as JobOutcome).output.length).toBeGreaterThan(0);
  });
});
