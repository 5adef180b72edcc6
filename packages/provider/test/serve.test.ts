import { JobError } from "@pylon/nostr";
import { parseJobResult } from "@pylon/protocol";
import { beforeAll, describe, expect, it } from "vitest";
import type { RunningProvider } from "../src/provider.js";
import { buyerClient, collect, startNode, suite, tag } from "./helpers/harness.js";

// Real relay over WebSockets, real node-llama-cpp on the generated tiny GGUF, real SQLite.
const shared = suite({ model: true });
const { files, cleanup } = shared;
let node: RunningProvider;

beforeAll(async () => {
  node = await startNode(files, { relays: [shared.relayUrl], model: shared.model });
});

describe("serving a request end to end", () => {
  it("answers a plain request with processing feedback, then a result carrying request, e, p, i and amount", async () => {
    const { client, pubkey } = buyerClient(cleanup, shared.relayUrl);
    const outcome = await client.submit({
      prompt: "Say something.",
      provider: node.pubkey,
      params: { maxTokens: 24, seed: 3 },
    });

    expect(outcome.provider).toBe(node.pubkey);
    expect(outcome.feedback.map((f) => f.status)).toEqual(["processing"]);
    expect(outcome.output.length).toBeGreaterThan(0);
    const result = outcome.result;
    expect(result.jobId).toBe(outcome.jobId);
    expect(result.buyer).toBe(pubkey);
    expect(result.request?.id).toBe(outcome.jobId);
    expect(result.inputs).toEqual([{ data: "Say something.", type: "text" }]);
    expect(result.amount).toEqual({ msats: 0 }); // free node: nothing owed
    expect(result.encryption).toBeUndefined();
  });

  it("answers a NIP-44 encrypted request with an encrypted result that leaks no input", async () => {
    const { client, pool } = buyerClient(cleanup, shared.relayUrl);
    const secret = "The launch code is 0000.";
    const outcome = await client.submit({
      prompt: secret,
      provider: node.pubkey,
      encryption: "nip44",
      params: { maxTokens: 16, seed: 1 },
    });
    expect(outcome.result.encryption).toBe("nip44");
    expect(outcome.output.length).toBeGreaterThan(0);

    // What the relay stores: encrypted content, an `encrypted` tag, no plaintext `i` tags.
    const [stored] = await pool.query({ ids: [outcome.result.id] });
    expect(stored).toBeDefined();
    expect(tag(stored!, "encrypted")).toEqual(["encrypted"]);
    expect(tag(stored!, "i")).toBeUndefined();
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(stored!.content).not.toBe(outcome.output);
    // Anyone without the key cannot read it.
    expect(parseJobResult(stored).ok).toBe(false);
  });

  it("honours max_tokens and gives the same output for the same seed (ignore_eos extension fixes the length)", async () => {
    const { client } = buyerClient(cleanup, shared.relayUrl);
    const ask = (seed: number) =>
      client.submit({
        prompt: "Count to ten.",
        provider: node.pubkey,
        params: { maxTokens: 40, seed, temperature: 1 },
        extraParams: { ignore_eos: "true" },
      });
    const before = node.status().tokensGenerated;
    const first = await ask(7);
    expect(node.status().tokensGenerated - before).toBe(40);
    const again = await ask(7);
    const other = await ask(8);
    expect(again.output).toBe(first.output);
    expect(other.output).not.toBe(first.output);
  });

  it("caps max_tokens at the node's limit", async () => {
    const { client } = buyerClient(cleanup, shared.relayUrl);
    const before = node.status().tokensGenerated;
    await client.submit({
      prompt: "Go on and on.",
      provider: node.pubkey,
      params: { maxTokens: 5_000 }, // above the default cap of 1024
      extraParams: { ignore_eos: "1" },
    });
    expect(node.status().tokensGenerated - before).toBe(1024);
  });

  it("refuses a request naming a model it does not serve, saying which one it serves", async () => {
    const { client } = buyerClient(cleanup, shared.relayUrl);
    const refused = await client
      .submit({ prompt: "hi", provider: node.pubkey, params: { model: "gpt-9" } })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(JobError);
    expect((refused as JobError).code).toBe("error");
    expect((refused as JobError).message).toMatch(
      /model "gpt-9" is not served here; this node serves "tiny"/,
    );
  });

  it("serves a request naming its model and publishes nothing but feedback and one result per job", async () => {
    const { client, pool } = buyerClient(cleanup, shared.relayUrl);
    const outcome = await client.submit({
      prompt: "hello",
      provider: node.pubkey,
      params: { model: "TINY" },
    });
    const replies = await collect(pool, { "#e": [outcome.jobId] }, 300);
    expect(replies.filter((e) => e.kind === 6050)).toHaveLength(1);
    expect(replies.filter((e) => e.kind === 7000)).toHaveLength(1);
  });
});
