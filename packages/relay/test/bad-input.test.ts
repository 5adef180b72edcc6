/** Nothing a client sends may crash the relay or break its connection; every refusal is counted. */
import { waitFor } from "@pylon/testkit";
import { describe, expect, it } from "vitest";
import { connectedRelay, expectUsable, newKeys, RawClient, relayForTest, sign } from "./helpers.js";

describe("malformed messages", () => {
  it("answers unparseable or unknown messages with NOTICE invalid:", async () => {
    const { relay, client } = await connectedRelay();
    const garbage: unknown[] = [
      "{not json",
      "42",
      '"EVENT"',
      "[]",
      "[1, 2]",
      '{"0":"EVENT"}',
      '["COUNT", "c", {}]',
      '["WHATEVER"]',
      '["EVENT"]',
      '["EVENT", "not an object"]',
      '["EVENT", {"content": "no id"}]',
      '["REQ", 7, {}]',
      '["REQ"]',
      '["CLOSE", {}]',
      '["AUTH", 123]',
      // Deep nesting: fine for JSON.parse, but must never reach a recursive JSON.stringify.
      `${"[".repeat(30_000)}${"]".repeat(30_000)}`,
      `["EVENT", ${"[".repeat(30_000)}${"]".repeat(30_000)}]`,
    ];
    for (const message of garbage) {
      client.send(message);
      const notice = await client.next((m) => m[0] === "NOTICE");
      expect(notice[1], String(message).slice(0, 40)).toMatch(/^invalid:/);
    }
    client.ws.send(Buffer.from([0xff, 0x00, 0x81, 0x7f]), { binary: true });
    expect((await client.next((m) => m[0] === "NOTICE"))[1]).toMatch(/^invalid:/);
    await expectUsable(client);
    const m = relay.metrics();
    expect(m.messages.notices).toBe(garbage.length + 1);
    expect(m.messages.invalid).toBe(garbage.length + 1);
  });

  it("refuses events with wrong-typed fields with OK false invalid:", async () => {
    const { relay, client } = await connectedRelay();
    const good = sign(newKeys(), { content: "typed" });
    const variants: Record<string, unknown> = {
      "kind as string": { ...good, kind: "1" },
      "negative kind": { ...good, kind: -1 },
      "fractional created_at": { ...good, created_at: good.created_at + 0.5 },
      "created_at as string": { ...good, created_at: String(good.created_at) },
      "content as number": { ...good, content: 5 },
      "tags as object": { ...good, tags: {} },
      "tag with number": { ...good, tags: [["t", 1]] },
      "tag not array": { ...good, tags: ["t"] },
      "uppercase pubkey": { ...good, pubkey: good.pubkey.toUpperCase() },
      "short sig": { ...good, sig: good.sig.slice(2) },
      "missing sig": { ...good, sig: undefined },
    };
    for (const [label, event] of Object.entries(variants)) {
      const [ok, reason] = await client.publish(event, good.id);
      expect(ok, label).toBe(false);
      expect(reason, label).toMatch(/^invalid:/);
    }
    client.send(["EVENT", good, "extra"]);
    expect((await client.next((m) => m[0] === "OK"))[3]).toMatch(/^invalid:/);
    await expectUsable(client);
    expect(relay.metrics().events.refused.invalid).toBe(Object.keys(variants).length + 1);
  });

  for (const [verifier, verifyThreads] of [
    ["wasm", 0],
    ["wasm", 2],
    ["js", 0],
    ["js", 1],
  ] as const) {
    it(`refuses bad ids and bad signatures (${verifier} verifier, ${verifyThreads} threads)`, async () => {
      const { relay, client } = await connectedRelay({ verifier, verifyThreads });
      const keys = newKeys();
      const event = sign(keys, { content: "original" });
      // Same id, different content: the id no longer matches the serialization.
      const [okId, reasonId] = await client.publish({ ...event, content: "tampered" });
      expect(okId).toBe(false);
      expect(reasonId).toMatch(/^invalid: bad event id or signature/);
      // Right id, signature from another event.
      const other = sign(keys, { content: "other" });
      const [okSig, reasonSig] = await client.publish({ ...event, sig: other.sig });
      expect(okSig).toBe(false);
      expect(reasonSig).toMatch(/^invalid:/);
      // Right id and sig, but claims another author.
      const [okAuthor] = await client.publish({ ...event, pubkey: newKeys().pk });
      expect(okAuthor).toBe(false);
      // A valid id whose content hash does not exist anywhere.
      const [okRandom] = await client.publish({ ...event, id: "ab".repeat(32) }, "ab".repeat(32));
      expect(okRandom).toBe(false);
      expect(await client.publish(event)).toEqual([true, ""]);
      expect(relay.metrics().events.refused.invalid).toBe(4);
      expect(relay.metrics().events.inStore).toBe(1);
    });
  }

  it("refuses REQs with wrong-typed filters with CLOSED invalid:", async () => {
    const { relay, client } = await connectedRelay();
    const filters: unknown[] = [
      "not an object",
      [],
      { kinds: "1" },
      { kinds: [1.5] },
      { authors: ["abc"] },
      { ids: [5] },
      { "#e": "x" },
      { "#e": [1] },
      { "#long": ["x"] },
      { since: -1 },
      { until: "now" },
      { limit: 1.5 },
      { search: "nostr" },
    ];
    for (const [i, filter] of filters.entries()) {
      const { closed } = await client.query(`bad-${i}`, filter);
      expect(closed, JSON.stringify(filter)).toMatch(/^invalid:/);
    }
    expect((await client.query("ok", { kinds: [1] })).closed).toBeUndefined();
    expect(relay.metrics().reqs.refused.invalid).toBe(filters.length);
    expect(relay.metrics().subscriptions.open).toBe(1);
  });

  it("closes a subscription whose replacing REQ is refused", async () => {
    const relay = await relayForTest();
    const listener = await RawClient.connect(relay.url);
    const publisher = await RawClient.connect(relay.url);
    expect((await listener.query("feed", { kinds: [1] })).closed).toBeUndefined();
    expect((await listener.query("feed", { kinds: "1" })).closed).toMatch(/^invalid:/);
    expect((await publisher.publish(sign(newKeys())))[0]).toBe(true);
    await listener.expectSilence((m) => m[0] === "EVENT");
    expect(relay.metrics().subscriptions.open).toBe(0);
  });

  it("keeps serving other clients while one misbehaves, and survives abrupt disconnects", async () => {
    const relay = await relayForTest();
    const rogue = await RawClient.connect(relay.url);
    const honest = await RawClient.connect(relay.url);
    honest.send(["REQ", "feed", { kinds: [1] }]);
    await honest.next((m) => m[0] === "EOSE");
    for (let i = 0; i < 50; i++) rogue.send(i % 2 ? "[[[[" : '["EVENT", {"id": 1}]');
    rogue.send(["REQ", "r", { kinds: [1] }]);
    rogue.ws.terminate();
    const event = sign(newKeys(), { content: "for the honest" });
    const writer = await RawClient.connect(relay.url);
    expect(await writer.publish(event)).toEqual([true, ""]);
    expect(((await honest.next((m) => m[0] === "EVENT"))[2] as { id: string }).id).toBe(event.id);
    await waitFor(() => relay.metrics().connections.open === 2, "the rogue connection to close", 3_000);
    expect(relay.metrics().connections).toEqual({ open: 2, total: 3 });
  });
});

describe("verification on worker threads", () => {
  it("starts workers under a burst and gives the same verdicts there", async () => {
    const { relay, client } = await connectedRelay({ verifyThreads: 2 });
    const keys = newKeys();
    const burst = (tag: string) =>
      Array.from({ length: 60 }, (_, i) => {
        const event = sign(keys, { content: `${tag} ${i}` });
        return i % 4 === 0 ? { ...event, content: "tampered" } : event;
      });
    const sendAll = async (events: ReturnType<typeof burst>) => {
      for (const e of events) client.send(["EVENT", e]);
      const oks = await Promise.all(events.map((e) => client.next((m) => m[0] === "OK" && m[1] === e.id)));
      return oks.map((ok) => ok[2]);
    };
    const expected = Array.from({ length: 60 }, (_, i) => i % 4 !== 0);
    expect(await sendAll(burst("first"))).toEqual(expected);
    await waitFor(() => relay.metrics().verification.workersRunning >= 2, "both verification workers");
    expect(relay.metrics().verification.workersRunning).toBe(2);
    expect(await sendAll(burst("second"))).toEqual(expected);
    const m = relay.metrics();
    expect(m.verification.verifiedOnWorkers).toBeGreaterThan(0);
    expect(m.verification.verifiedInline + m.verification.verifiedOnWorkers).toBe(120);
    expect(m.events).toMatchObject({ stored: 90, inStore: 90 });
    expect(m.events.refused.invalid).toBe(30);
  });
});
