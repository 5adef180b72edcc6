/**
 * Reading everything through a relay that caps answers (issue 14): the foreign relay returns the newest 100
 * stored events for a filter without `limit`. The buyer's refund collection must still find every refund,
 * and the directory every provider.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { getPublicKey, RelayPool, signEvent } from "@pylon/nostr";
import { buildJobFeedback, ConversationKeyCache, Kind, tabRefundTags } from "@pylon/protocol";
import { Cleanup, tempDir } from "@pylon/testkit";
import { MODEL, startForeignRelay } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderDirectory } from "../src/directory.js";
import { collectRefunds, RunStore } from "../src/index.js";
import { signedAnnouncement } from "./harness.js";

const cleanup = new Cleanup();
let relayUrl: string;
beforeAll(async () => {
  relayUrl = (await startForeignRelay(cleanup)).url;
}, 30_000);
afterAll(() => cleanup.run(), 30_000);

const key = () => new Uint8Array(randomBytes(32));
const now = () => Math.floor(Date.now() / 1000);

function pool(): RelayPool {
  return cleanup.use(new RelayPool([relayUrl], { eoseTimeoutMs: 3_000 }), (p) => p.close());
}

/** An expiry refund as a provider's tab refunder sends it: encrypted success feedback with a `tab` tag. */
function expiryRefund(provider: Uint8Array, buyer: string, token: string, createdAt: number) {
  const template = buildJobFeedback({
    now: createdAt,
    request: { id: randomBytes(32).toString("hex"), pubkey: buyer },
    status: "success",
    extra: "tab expired; refund enclosed",
    content: token,
    encryption: { sender: new ConversationKeyCache(provider), scheme: "nip44" },
  });
  template.tags.push(...tabRefundTags(createdAt));
  return signEvent(template, provider);
}

/** The buyer's run store, and a wallet that notes the tokens it is given. */
async function buyerSide() {
  const dir = await tempDir(cleanup);
  const store = cleanup.use(RunStore.open(path.join(dir, "run.db")), (s) => s.close());
  const received: string[] = [];
  const wallet = {
    // The tokens are what is checked here; taking them in at a mint is the refunds suite's business.
    receive: async (token: string) => {
      received.push(token);
      return { amount: 1, fee: 0 };
    },
  };
  return { store, wallet, received };
}

/** What every job of a run sends the buyer: feedback that is not a refund. */
function processing(provider: Uint8Array, buyer: string, createdAt: number) {
  const template = buildJobFeedback({
    now: createdAt,
    request: { id: randomBytes(32).toString("hex"), pubkey: buyer },
    status: "processing",
  });
  return signEvent(template, provider);
}

describe("through a relay that returns 100 stored events per query", () => {
  it("the buyer collects all 130 refunds addressed to it, each once", async () => {
    const buyerKey = key();
    const buyer = getPublicKey(buyerKey);
    const providers = [key(), key(), key()];
    const writer = pool();
    const sent = new Set<string>();
    const start = now() - 200;
    for (let i = 0; i < 130; i++) {
      const token = `cashuBtest${i}`;
      const event = expiryRefund(providers[i % 3] as Uint8Array, buyer, token, start + Math.floor(i / 2));
      expect((await writer.publish(event)).every((r) => r.ok)).toBe(true);
      sent.add(token);
    }
    const reader = pool();
    // What one query sees: the cap this test is about.
    expect(await reader.query({ kinds: [Kind.JobFeedback], "#p": [buyer] })).toHaveLength(100);

    const { store, wallet, received } = await buyerSide();
    const first = await collectRefunds({
      pool: reader,
      secretKey: buyerKey,
      wallet,
      store,
      mint: "http://m",
    });
    expect(first.errors).toEqual([]);
    expect(first.refunds).toHaveLength(130);
    expect(new Set(received)).toEqual(sent);
    expect(received).toHaveLength(130);

    const again = await collectRefunds({
      pool: reader,
      secretKey: buyerKey,
      wallet,
      store,
      mint: "http://m",
    });
    expect(again.refunds).toEqual([]); // each taken once
    expect(received).toHaveLength(130);
  }, 60_000);

  it("the collection reads the refunds only, not the run's other feedback to the buyer", async () => {
    const buyerKey = key();
    const buyer = getPublicKey(buyerKey);
    const provider = key();
    const writer = pool();
    const start = now() - 100;
    for (let i = 0; i < 20; i++)
      expect(
        (await writer.publish(expiryRefund(provider, buyer, `cashuBonly${i}`, start))).every((r) => r.ok),
      ).toBe(true);
    for (let i = 0; i < 300; i++)
      expect(
        (await writer.publish(processing(provider, buyer, start + 1 + (i % 50)))).every((r) => r.ok),
      ).toBe(true);
    const reader = pool();
    let read = 0;
    // Counts what the relay sent back: a search of every feedback would page through all 320 events.
    const counting = {
      queryAll: async (...args: Parameters<RelayPool["queryAll"]>) => {
        const events = await reader.queryAll(...args);
        read += events.length;
        return events;
      },
    } as unknown as RelayPool;
    const { store, wallet, received } = await buyerSide();
    const got = await collectRefunds({
      pool: counting,
      secretKey: buyerKey,
      wallet,
      store,
      mint: "http://m",
    });
    expect(got.errors).toEqual([]);
    expect(received).toHaveLength(20);
    expect(read).toBe(20);
  }, 60_000);

  it("the directory lists all 120 providers announced there", async () => {
    const writer = pool();
    const pubkeys = new Set<string>();
    for (let i = 0; i < 120; i++) {
      const secretKey = key();
      const event = signedAnnouncement(
        {
          name: `node ${i}`,
          models: [{ name: MODEL, contextLength: 4096 }],
          capacity: { slots: 1, maxQueue: 1 },
          now: now() - 300 + i,
        },
        secretKey,
      );
      expect((await writer.publish(event)).every((r) => r.ok)).toBe(true);
      pubkeys.add(getPublicKey(secretKey));
    }
    const directory = new ProviderDirectory(pool());
    cleanup.add(() => directory.stop());
    await directory.start({ eoseTimeoutMs: 3_000 });
    expect(new Set(directory.all().map((e) => e.pubkey))).toEqual(pubkeys);
  }, 60_000);
});
