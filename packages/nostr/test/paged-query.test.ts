import { Cleanup, unusedPort } from "@pylon/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RelayPoolOptions } from "../src/pool.js";
import { normaliseRelayUrl } from "../src/relay-url.js";
import { initFastVerify } from "../src/verify.js";
import { newKey, note, testPool, testRelay } from "./helpers.js";

// Reading everything from relays that cap what one query returns (issue 14): Pylon's relay with a small
// max_limit (published in its NIP-11), events spread over seconds and several in one second.

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
beforeAll(async () => {
  await initFastVerify();
});

const pool = (urls: string[], options: RelayPoolOptions = {}) =>
  testPool(cleanup, urls, { publishTimeoutMs: 3_000, eoseTimeoutMs: 3_000, ...options });
const filter = { kinds: [1], "#t": ["pylon-test"] };

/** `count` notes, three per second going back from now (so pages end inside a second). */
async function storeNotes(urls: string[], count: number, key = newKey()): Promise<Set<string>> {
  const writer = pool(urls);
  const now = Math.floor(Date.now() / 1000);
  const ids = new Set<string>();
  for (let i = 0; i < count; i++) {
    const event = note(key, `n${i}`, now - Math.floor(i / 3));
    const results = await writer.publish(event);
    expect(results.every((r) => r.ok)).toBe(true);
    ids.add(event.id);
  }
  writer.close();
  return ids;
}

describe("RelayPool.queryAll", () => {
  it("reads all 47 events from a relay whose max_limit is 10, where query() gets 10", async () => {
    const relay = await testRelay(cleanup, { limits: { maxLimit: 10, defaultLimit: 10 } });
    const ids = await storeNotes([relay.url], 47);
    const reader = pool([relay.url]);
    expect(await reader.query(filter)).toHaveLength(10);
    const all = await reader.queryAll(filter);
    expect(new Set(all.map((e) => e.id))).toEqual(ids);
    expect(all).toHaveLength(47); // each once
    const times = all.map((e) => e.created_at);
    expect(times).toEqual([...times].sort((a, b) => b - a)); // newest first
  });

  it("pages each relay by its own size, merges them, and honours the caller's since and limit", async () => {
    const small = await testRelay(cleanup, { limits: { maxLimit: 7, defaultLimit: 7 } });
    const large = await testRelay(cleanup, { limits: { maxLimit: 1_000, defaultLimit: 20 } });
    const key = newKey();
    const both = await storeNotes([small.url, large.url], 30, key);
    const onlySmall = await storeNotes([small.url], 5); // another author, on one relay only
    const reader = pool([small.url, large.url]);
    const all = await reader.queryAll(filter);
    expect(new Set(all.map((e) => e.id))).toEqual(new Set([...both, ...onlySmall]));

    const oldest = Math.min(...all.map((e) => e.created_at));
    const recent = await reader.queryAll({ ...filter, since: oldest + 5 });
    expect(recent.every((e) => e.created_at >= oldest + 5)).toBe(true);
    expect(recent.length).toBeGreaterThan(7);
    expect(recent.length).toBeLessThan(all.length);

    const newest12 = await reader.queryAll({ ...filter, authors: [getPubkey(all, both)], limit: 12 });
    expect(newest12.length).toBeGreaterThanOrEqual(12);
    expect(newest12.every((e) => both.has(e.id))).toBe(true);
  });

  it("stops at the page bound and says so, keeping what it read", async () => {
    const relay = await testRelay(cleanup, { limits: { maxLimit: 5, defaultLimit: 5 } });
    await storeNotes([relay.url], 23);
    const reader = pool([relay.url]);
    const incomplete: string[] = [];
    const some = await reader.queryAll(filter, {
      maxPages: 2,
      onIncomplete: ({ reason }) => incomplete.push(reason),
    });
    expect(some.length).toBeGreaterThan(5); // the second page overlaps the first by the second they share
    expect(some.length).toBeLessThan(23);
    expect(incomplete).toEqual(["stopped after 2 pages, with more events left"]);
  });

  it("keeps the answering relay's events when another is down, and rejects when none answers", async () => {
    const relay = await testRelay(cleanup, { limits: { maxLimit: 4, defaultLimit: 4 } });
    const down = `ws://127.0.0.1:${await unusedPort()}`;
    const ids = await storeNotes([relay.url], 9);
    const reader = pool([relay.url, down], { connectTimeoutMs: 500 });
    const incomplete: string[] = [];
    const all = await reader.queryAll(filter, {
      pageTimeoutMs: 1_000,
      onIncomplete: ({ relay: url }) => incomplete.push(url),
    });
    expect(new Set(all.map((e) => e.id))).toEqual(ids);
    expect(incomplete).toEqual([normaliseRelayUrl(down)]);

    const nobody = pool([down], { connectTimeoutMs: 500 });
    await expect(nobody.queryAll(filter, { pageTimeoutMs: 1_000 })).rejects.toThrow(/no relay answered/);
  });
});

describe("RelayPool.queryEach", () => {
  it("tells a relay that has no such event from one that did not answer", async () => {
    const relay = await testRelay(cleanup);
    const down = `ws://127.0.0.1:${await unusedPort()}`;
    const [id] = await storeNotes([relay.url], 1);
    const reader = pool([relay.url, down], { connectTimeoutMs: 500 });
    const answers = await reader.queryEach({ ids: [id as string, "0".repeat(64)] }, { timeoutMs: 1_000 });
    expect(answers).toHaveLength(2);
    const [up, gone] = answers;
    expect(up).toMatchObject({ relay: normaliseRelayUrl(relay.url), eose: true });
    expect(up?.events.map((e) => e.id)).toEqual([id]);
    expect(gone).toMatchObject({ relay: normaliseRelayUrl(down), eose: false, events: [] });
    expect(gone?.reason).toBeTruthy();
  });
});

function getPubkey(all: { id: string; pubkey: string }[], ids: Set<string>): string {
  const event = all.find((e) => ids.has(e.id));
  if (!event) throw new Error("no event of that set");
  return event.pubkey;
}
