/** Every limit refuses with the right prefix, the connection stays usable, and refusals are counted. */
import { nowSec, sleep, waitFor } from "@pylon/testkit";
import { describe, expect, it } from "vitest";
import { connectedRelay, expectUsable, newKeys, RawClient, relayForTest, sign } from "./helpers.js";

describe("limits", () => {
  it("refuses oversize messages and events", async () => {
    const { relay, client } = await connectedRelay({
      limits: { maxMessageBytes: 4_000, maxEventBytes: 2_000 },
    });
    const keys = newKeys();

    const bigEvent = sign(keys, { content: "x".repeat(2_500) });
    const [okEvent, eventReason] = await client.publish(bigEvent);
    expect(okEvent).toBe(false);
    expect(eventReason).toMatch(/^invalid: event too large/);

    const hugeEvent = sign(keys, { content: "y".repeat(5_000) });
    const [okMessage, messageReason] = await client.publish(hugeEvent);
    expect(okMessage).toBe(false);
    expect(messageReason).toMatch(/^invalid: message too large/);

    client.send(["REQ", "big", { "#t": ["z".repeat(5_000)] }]);
    expect((await client.next((m) => m[0] === "NOTICE"))[1]).toMatch(/^invalid: message too large/);
    await expectUsable(client);
    expect(relay.metrics().events.refused.invalid).toBe(2);
    expect(relay.metrics().messages.notices).toBe(1);
  });

  it("limits subscriptions per connection and filters per REQ", async () => {
    const { relay, client } = await connectedRelay({ limits: { maxSubscriptions: 2, maxFilters: 2 } });
    expect((await client.query("s1", { kinds: [1] })).closed).toBeUndefined();
    expect((await client.query("s2", { kinds: [1] })).closed).toBeUndefined();
    expect((await client.query("s3", { kinds: [1] })).closed).toMatch(
      /^rate-limited: too many open subscriptions/,
    );
    // Replacing an open subscription is not a new one.
    expect((await client.query("s2", { kinds: [2] })).closed).toBeUndefined();
    client.send(["CLOSE", "s1"]);
    expect((await client.query("s3", { kinds: [1] })).closed).toBeUndefined();

    client.send(["CLOSE", "s3"]);
    const tooMany = await client.query("f", { kinds: [1] }, { kinds: [2] }, { kinds: [3] });
    expect(tooMany.closed).toMatch(/^invalid: too many filters/);
    expect(relay.metrics().reqs.refused).toEqual({ "rate-limited": 1, invalid: 1 });
    await expectUsable(client);
  });

  it("clamps limit to maxLimit and applies defaultLimit", async () => {
    const { relay, client } = await connectedRelay({ limits: { maxLimit: 3, defaultLimit: 2 } });
    const keys = newKeys();
    for (let i = 0; i < 5; i++) await client.publish(sign(keys, { created_at: nowSec() - i }));
    expect((await client.query("clamped", { authors: [keys.pk], limit: 100 })).events).toHaveLength(3);
    expect((await client.query("default", { authors: [keys.pk] })).events).toHaveLength(2);
    const info = await fetch(relay.url.replace("ws://", "http://"), {
      headers: { accept: "application/nostr+json" },
    }).then((r) => r.json() as Promise<{ limitation: Record<string, unknown> }>);
    expect(info.limitation).toMatchObject({ max_limit: 3, default_limit: 2 });
  });

  it("refuses created_at too far in the future (default 15 min)", async () => {
    const { client } = await connectedRelay();
    const keys = newKeys();
    const [ok, reason] = await client.publish(sign(keys, { created_at: nowSec() + 16 * 60 }));
    expect(ok).toBe(false);
    expect(reason).toMatch(/^invalid: created_at is more than 900s in the future/);
    expect((await client.publish(sign(keys, { created_at: nowSec() + 60 })))[0]).toBe(true);
  });

  it("limits subscription id length", async () => {
    const { relay, client } = await connectedRelay();
    client.send(["REQ", "x".repeat(65), { kinds: [1] }]);
    expect((await client.next((m) => m[0] === "NOTICE"))[1]).toMatch(/^invalid: subscription id/);
    expect((await client.query("y".repeat(64), { kinds: [1] })).closed).toBeUndefined();
    expect(relay.metrics().reqs.refused.invalid).toBe(1);
  });

  it("rate-limits events and REQs per connection with a token bucket", async () => {
    const { relay, client } = await connectedRelay({
      limits: { eventsPerSecond: 2, eventBurst: 3, reqsPerSecond: 2, reqBurst: 2 },
    });
    const keys = newKeys();
    const events = Array.from({ length: 4 }, (_, i) => sign(keys, { content: String(i) }));
    for (const e of events) client.send(["EVENT", e]);
    const replies = await Promise.all(events.map((e) => client.next((m) => m[0] === "OK" && m[1] === e.id)));
    expect(replies.map((r) => r[2])).toEqual([true, true, true, false]);
    expect(replies[3]?.[3]).toMatch(/^rate-limited:/);

    client.send(["REQ", "a", { kinds: [1] }]);
    client.send(["REQ", "b", { kinds: [1] }]);
    client.send(["REQ", "c", { kinds: [1] }]);
    const closed = await client.next((m) => m[0] === "CLOSED");
    expect(closed[1]).toBe("c");
    expect(closed[2]).toMatch(/^rate-limited:/);

    // Tokens come back with time: the same connection is usable again.
    await sleep(600);
    await expectUsable(client);
    expect(relay.metrics().events.refused["rate-limited"]).toBe(1);
    expect(relay.metrics().reqs.refused["rate-limited"]).toBe(1);
  });

  it("limits tags per event and values per filter list", async () => {
    const { client } = await connectedRelay({ limits: { maxEventTags: 3, maxFilterValues: 2 } });
    const event = sign(newKeys(), {
      tags: [
        ["t", "a"],
        ["t", "b"],
        ["t", "c"],
        ["t", "d"],
      ],
    });
    const [ok, reason] = await client.publish(event);
    expect(ok).toBe(false);
    expect(reason).toMatch(/^invalid: too many tags/);
    const { closed } = await client.query("v", { kinds: [1, 2, 3] });
    expect(closed).toMatch(/^invalid: too many kinds/);
    await expectUsable(client);
  });

  it("refuses events as rate-limited when the relay-wide queue is full", async () => {
    const { client } = await connectedRelay({ limits: { maxQueuedEvents: 0 } });
    const [ok, reason] = await client.publish(sign(newKeys()));
    expect(ok).toBe(false);
    expect(reason).toMatch(/^rate-limited: the relay is busy/);
    expect((await client.query("still-reads", { kinds: [1] })).closed).toBeUndefined();
  });

  it("drops a client that stops reading once its unsent output passes maxBufferedBytes", async () => {
    const lines: string[] = [];
    const relay = await relayForTest({ limits: { maxBufferedBytes: 256 * 1024 }, log: (l) => lines.push(l) });
    const writer = await RawClient.connect(relay.url);
    const keys = newKeys();
    const bulky = "x".repeat(50_000);
    for (let i = 0; i < 40; i++) {
      expect(await writer.publish(sign(keys, { content: `${i} ${bulky}` }))).toEqual([true, ""]);
    }
    const reader = await RawClient.connect(relay.url);
    reader.ws.pause();
    // 10 subscriptions x 40 events x 50 KB = 20 MB, far beyond what socket buffers absorb.
    for (let i = 0; i < 10; i++) reader.send(["REQ", `r${i}`, { authors: [keys.pk] }]);
    await waitFor(() => relay.metrics().connections.open <= 1, "the slow consumer to be dropped", 5_000);
    expect(relay.metrics().connections.open).toBe(1);
    expect(lines.some((l) => l.includes("slow consumer"))).toBe(true);
    await expectUsable(writer);
  });
});
