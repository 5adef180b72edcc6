/**
 * Requests the node must not serve: malformed ones get an `error` feedback saying why; stale, expired and
 * not-for-us ones get no reply at all (docs/protocol.md). Requests are written by hand (finalizeEvent),
 * since the project's builders refuse to make broken ones.
 */

import { nowSec } from "@pylon/testkit";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { beforeAll, describe, expect, it } from "vitest";
import type { RunningProvider } from "../src/provider.js";
import { JobStore } from "../src/store/job-store.js";
import {
  type BuyerClient,
  buyerClient,
  collect,
  handMadeRequest,
  startNode,
  suite,
} from "./helpers/harness.js";

const shared = suite({ model: true });
let node: RunningProvider;
let buyer: BuyerClient;

beforeAll(async () => {
  const { files, relayUrl, model } = shared;
  // serveOpen, so that requests addressed to someone else reach the node and must be ignored by it.
  // maxAgeSec 10: a request from 30 s ago still passes the subscription's `since` but is stale to the node.
  node = await startNode(files, { relays: [relayUrl], model, serveOpen: true, maxAgeSec: 10 });
  buyer = buyerClient(files, relayUrl);
});

function request(tags: string[][], options: { createdAt?: number; content?: string } = {}) {
  return handMadeRequest(buyer.secretKey, tags, options);
}

/** The reason in the node's error feedback to a request (the JobClient rejects with it). */
async function refusal(event: ReturnType<typeof request>): Promise<string> {
  const error = await buyer.client.run(event, { timeoutMs: 10_000 }).then(
    () => {
      throw new Error("the request was served");
    },
    (e: { code: string; feedback: { status: string; extra?: string }[] }) => e,
  );
  expect(error.code).toBe("error");
  expect(error.feedback.map((f) => f.status)).toEqual(["error"]);
  return error.feedback[0]?.extra ?? "";
}

describe("malformed requests get an error feedback saying why", () => {
  it("a param out of its range", async () => {
    const reason = await refusal(
      request([
        ["i", "hi", "text"],
        ["param", "max_tokens", "lots"],
        ["p", node.pubkey],
      ]),
    );
    expect(reason).toBe('param max_tokens: "lots" is not a number');
  });

  it("no prompt anywhere", async () => {
    const reason = await refusal(
      request([
        ["output", "text/plain"],
        ["p", node.pubkey],
      ]),
    );
    expect(reason).toMatch(/^request has no prompt/);
  });

  it("an output that is not text", async () => {
    const reason = await refusal(
      request([
        ["i", "draw a cat", "text"],
        ["output", "image/png"],
        ["p", node.pubkey],
      ]),
    );
    expect(reason).toBe('output "image/png" is not text');
  });

  it("encrypted content that does not decrypt", async () => {
    const reason = await refusal(
      request([["p", node.pubkey], ["encrypted"]], { content: "bm90IGEgbmlwNDQgcGF5bG9hZA==" }),
    );
    expect(reason).toMatch(/^cannot decrypt nip44 payload/);
  });
});

describe("requests the protocol says to ignore get no reply", () => {
  it("stale, expired, and addressed to another provider: silence, while a valid request sent after them is served", async () => {
    const now = nowSec();
    const stale = request(
      [
        ["i", "old", "text"],
        ["p", node.pubkey],
      ],
      { createdAt: now - 30 },
    );
    // Relays refuse to store events past their NIP-40 expiration, but the `exp` tag of NIP-90's early
    // drafts (which old clients still send) passes them, so expiry is the node's to honour.
    const expired = request(
      [
        ["i", "late", "text"],
        ["p", node.pubkey],
        ["exp", String(now - 1)],
      ],
      {
        createdAt: now - 10,
      },
    );
    const elsewhere = request([
      ["i", "not you", "text"],
      ["p", "a".repeat(64)],
    ]);
    for (const event of [stale, expired, elsewhere]) {
      expect((await buyer.pool.publish(event))[0]?.ok, "the relay stores it").toBe(true);
    }
    // Handled in order: once this is answered, the three above have been looked at.
    const served = await buyer.client.submit({
      prompt: "now you",
      provider: node.pubkey,
      params: { maxTokens: 4 },
    });
    expect(served.provider).toBe(node.pubkey);
    const replies = await collect(
      buyer.pool,
      { kinds: [6050, 7000], "#e": [stale.id, expired.id, elsewhere.id] },
      300,
    );
    expect(replies).toEqual([]);
    // They did reach the node (it recorded them as seen), so the silence was its decision.
    const store = JobStore.open(node.databaseFile);
    try {
      expect([stale, expired, elsewhere].map((event) => store.hasSeen(event.id))).toEqual([true, true, true]);
      expect([stale, expired, elsewhere].map((event) => store.get(event.id))).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
    } finally {
      store.close();
    }
    expect(node.status().jobs.served).toBeGreaterThanOrEqual(1);
  });

  it("a request from a stranger that is open to all is served, since this node serves open requests", async () => {
    const stranger = generateSecretKey();
    const open = handMadeRequest(stranger, [
      ["i", "anyone?", "text"],
      ["param", "max_tokens", "3"],
    ]);
    const outcome = await buyer.client.run(open); // the client only publishes it and follows the replies
    expect(outcome.provider).toBe(node.pubkey);
    expect(outcome.result.buyer).toBe(getPublicKey(stranger));
  });
});
