/** NIP-01 through nostr-tools' own clients (SimplePool, Relay): publish, query, EOSE, live events, filters. */

import { nowSec } from "@pylon/testkit";
import { Relay } from "nostr-tools/relay";
import { describe, expect, it } from "vitest";
import { connectedRelay, newKeys, poolForTest, RawClient, relayForTest, sign } from "./helpers.js";

describe("NIP-01 with SimplePool", () => {
  it("publishes, queries and delivers live events after EOSE", async () => {
    const relay = await relayForTest();
    const pool = poolForTest();
    const alice = newKeys();
    const first = sign(alice, { content: "first" });
    await expect(Promise.all(pool.publish([relay.url], first))).resolves.toEqual([""]);

    const received: string[] = [];
    let eosed = false;
    const live = sign(alice, { content: "live" });
    await new Promise<void>((resolve) => {
      const sub = pool.subscribe(
        [relay.url],
        { authors: [alice.pk] },
        {
          onevent: (event) => {
            received.push(event.content);
            if (event.content === "live") {
              expect(eosed).toBe(true);
              sub.close();
              resolve();
            }
          },
          oneose: () => {
            eosed = true;
            expect(received).toEqual(["first"]);
            void Promise.all(pool.publish([relay.url], live));
          },
        },
      );
    });
    expect(received).toEqual(["first", "live"]);
    const m = relay.metrics();
    expect(m.events.stored).toBe(2);
    expect(m.fanout.eventsSent).toBe(1);
    expect(m.reqs.received).toBeGreaterThanOrEqual(1);
  });

  it("acknowledges a re-sent event as duplicate without storing it twice", async () => {
    const { relay, client } = await connectedRelay();
    const event = sign(newKeys());
    expect(await client.publish(event)).toEqual([true, ""]);
    const [ok, reason] = await client.publish(event);
    expect(ok).toBe(true);
    expect(reason).toMatch(/^duplicate:/);
    expect(relay.metrics().events).toMatchObject({ stored: 1, duplicate: 1, inStore: 1 });
  });

  it("returns newest first, ties by lowest id, and applies limit", async () => {
    const { client } = await connectedRelay();
    const keys = newKeys();
    const t = nowSec() - 100;
    const events = [
      sign(keys, { created_at: t, content: "a" }),
      sign(keys, { created_at: t + 10, content: "b" }),
      sign(keys, { created_at: t + 10, content: "c" }),
      sign(keys, { created_at: t + 5, content: "d" }),
    ];
    for (const e of events) expect((await client.publish(e))[0]).toBe(true);
    const tied = events.slice(1, 3).sort((x, y) => (x.id < y.id ? -1 : 1));
    const expected = [...tied, events[3], events[0]].map((e) => e?.id);
    const all = await client.query("all", { authors: [keys.pk] });
    expect(all.events.map((e) => e.id)).toEqual(expected);
    const two = await client.query("two", { authors: [keys.pk], limit: 2 });
    expect(two.events.map((e) => e.id)).toEqual(expected.slice(0, 2));
    const none = await client.query("zero", { authors: [keys.pk], limit: 0 });
    expect(none.events).toEqual([]);
  });

  it("ORs several filters of one REQ and dedupes (nostr-tools Relay)", async () => {
    const relay = await relayForTest();
    const pool = poolForTest();
    const [alice, bob] = [newKeys(), newKeys()];
    const a = sign(alice, { kind: 1, content: "a" });
    const b = sign(bob, { kind: 7, content: "b" });
    const c = sign(bob, { kind: 1, content: "c" });
    for (const e of [a, b, c]) await Promise.all(pool.publish([relay.url], e));

    const conn = await Relay.connect(relay.url);
    const got: string[] = [];
    await new Promise<void>((resolve) => {
      const sub = conn.subscribe([{ authors: [alice.pk] }, { kinds: [1] }, { ids: [b.id] }], {
        onevent: (e) => got.push(e.content),
        oneose: () => {
          sub.close();
          resolve();
        },
      });
    });
    conn.close();
    expect(got.sort()).toEqual(["a", "b", "c"]);
  });

  it("supports every filter field", async () => {
    const relay = await relayForTest();
    const pool = poolForTest();
    const [alice, bob] = [newKeys(), newKeys()];
    const t = nowSec() - 1_000;
    const root = sign(alice, { kind: 1, created_at: t, content: "root", tags: [["t", "pylon"]] });
    const reply = sign(bob, {
      kind: 1,
      created_at: t + 100,
      content: "reply",
      tags: [
        ["e", root.id],
        ["p", alice.pk],
        ["t", "Pylon"],
      ],
    });
    const reaction = sign(bob, { kind: 7, created_at: t + 200, content: "+", tags: [["e", root.id]] });
    const job = sign(alice, { kind: 5050, created_at: t + 300, content: "", tags: [["i", "2+2", "text"]] });
    for (const e of [root, reply, reaction, job]) await Promise.all(pool.publish([relay.url], e));

    const contents = async (filter: Parameters<typeof pool.querySync>[1]) =>
      (await pool.querySync([relay.url], filter)).map((e) => e.content).sort();

    expect(await contents({ ids: [root.id, job.id] })).toEqual(["", "root"]);
    expect(await contents({ authors: [bob.pk] })).toEqual(["+", "reply"]);
    expect(await contents({ kinds: [7, 5050] })).toEqual(["", "+"]);
    expect(await contents({ "#e": [root.id] })).toEqual(["+", "reply"]);
    expect(await contents({ "#e": [root.id], kinds: [1] })).toEqual(["reply"]);
    expect(await contents({ "#p": [alice.pk] })).toEqual(["reply"]);
    // Tag values match exactly (case-sensitive); tag names are single letters of either case.
    expect(await contents({ "#t": ["pylon"] })).toEqual(["root"]);
    expect(await contents({ "#t": ["pylon", "Pylon"] })).toEqual(["reply", "root"]);
    expect(await contents({ "#i": ["2+2"] })).toEqual([""]);
    expect(await contents({ "#e": [root.id], "#p": [alice.pk] })).toEqual(["reply"]);
    expect(await contents({ since: t + 100 })).toEqual(["", "+", "reply"]);
    expect(await contents({ until: t + 100 })).toEqual(["reply", "root"]);
    expect(await contents({ since: t + 100, until: t + 200 })).toEqual(["+", "reply"]);
    expect(await contents({ authors: [alice.pk], limit: 1 })).toEqual([""]);
    expect(await contents({ "#e": [root.id], since: t + 150 })).toEqual(["+"]);
    expect(
      await contents({ authors: [bob.pk], kinds: [7], "#e": [root.id], since: t, until: t + 999 }),
    ).toEqual(["+"]);
    expect(await contents({ ids: [] })).toEqual([]);
  });

  it("returns each tag match once, newest first with ties by id, for one or several values", async () => {
    const { client } = await connectedRelay();
    const keys = newKeys();
    const t = nowSec() - 50;
    const events = [
      sign(keys, {
        created_at: t,
        tags: [
          ["t", "a"],
          ["t", "a"],
          ["t", "b"],
        ],
        content: "both, repeated",
      }),
      sign(keys, { created_at: t + 1, tags: [["t", "a"]], content: "a1" }),
      sign(keys, { created_at: t + 1, tags: [["t", "b"]], content: "b1" }),
      sign(keys, { created_at: t + 2, kind: 7, tags: [["t", "a"]], content: "a7" }),
    ];
    for (const e of events) expect((await client.publish(e))[0]).toBe(true);
    const byTime = (list: typeof events) =>
      [...list].sort((x, y) => y.created_at - x.created_at || (x.id < y.id ? -1 : 1)).map((e) => e.content);

    const single = await client.query("one", { "#t": ["a"] });
    expect(single.events.map((e) => e.content)).toEqual(
      byTime([events[0], events[1], events[3]] as typeof events),
    );
    const several = await client.query("two", { "#t": ["a", "b"] });
    expect(several.events.map((e) => e.content)).toEqual(byTime(events));
    const limited = await client.query("lim", { "#t": ["a", "b"], limit: 2 });
    expect(limited.events.map((e) => e.content)).toEqual(byTime(events).slice(0, 2));
    const tied = await client.query("tie", { "#t": ["a", "b"], until: t + 1, limit: 1 });
    expect(tied.events.map((e) => e.content)).toEqual(byTime(events.slice(1, 3)).slice(0, 1));
    const kindOnly = await client.query("kind", { "#t": ["a"], kinds: [1] });
    expect(kindOnly.events.map((e) => e.content)).toEqual(["a1", "both, repeated"]);
    const withAuthor = await client.query("author", { "#t": ["b"], authors: [keys.pk], limit: 1 });
    expect(withAuthor.events.map((e) => e.content)).toEqual(["b1"]);
  });

  it("fans live events out only to matching subscriptions, including tag and open-ended filters", async () => {
    const relay = await relayForTest();
    const listener = await RawClient.connect(relay.url);
    const publisher = await RawClient.connect(relay.url);
    const keys = newKeys();
    const target = sign(keys, { content: "target" });
    listener.send(["REQ", "by-tag", { "#e": [target.id] }]);
    listener.send(["REQ", "by-kind", { kinds: [30_000] }]);
    listener.send(["REQ", "since-only", { since: nowSec() - 5 }]);
    listener.send(["REQ", "other-author", { authors: ["f".repeat(64)] }]);
    for (const id of ["by-tag", "by-kind", "since-only", "other-author"]) {
      await listener.next((m) => m[0] === "EOSE" && m[1] === id);
    }
    const reply = sign(keys, { tags: [["e", target.id]], content: "reply" });
    expect(await publisher.publish(reply)).toEqual([true, ""]);
    const first = await listener.next((m) => m[0] === "EVENT");
    const second = await listener.next((m) => m[0] === "EVENT");
    expect([first[1], second[1]].sort()).toEqual(["by-tag", "since-only"]);
    expect((first[2] as { id: string }).id).toBe(reply.id);
    await listener.expectSilence((m) => m[0] === "EVENT");

    // CLOSE stops delivery; a REQ with an existing id replaces the subscription.
    listener.send(["CLOSE", "since-only"]);
    listener.send(["REQ", "by-tag", { kinds: [2] }]);
    await listener.next((m) => m[0] === "EOSE" && m[1] === "by-tag");
    expect((await publisher.publish(sign(keys, { tags: [["e", target.id]] })))[0]).toBe(true);
    await listener.expectSilence((m) => m[0] === "EVENT");
    expect(relay.metrics().subscriptions.open).toBe(3);
  });
});
