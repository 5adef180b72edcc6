/** Replaceable, addressable and ephemeral kinds (NIP-01). */
import { nowSec } from "@pylon/testkit";
import { describe, expect, it } from "vitest";
import { connectedRelay, newKeys, poolForTest, RawClient, relayForTest, sign } from "./helpers.js";

describe("replaceable events (0, 3, 10000–19999)", () => {
  it("keeps only the newest per pubkey and kind", async () => {
    const { relay, client } = await connectedRelay();
    const keys = newKeys();
    const t = nowSec() - 100;
    for (const kind of [0, 3, 10_002]) {
      const old = sign(keys, { kind, created_at: t, content: `old ${kind}` });
      const fresh = sign(keys, { kind, created_at: t + 10, content: `new ${kind}` });
      expect(await client.publish(old)).toEqual([true, ""]);
      expect(await client.publish(fresh)).toEqual([true, ""]);
      // An older version arriving late is not stored over the newer one.
      const late = sign(keys, { kind, created_at: t + 5, content: `late ${kind}` });
      const [ok, reason] = await client.publish(late);
      expect(ok).toBe(true);
      expect(reason).toMatch(/^duplicate:/);
      const { events } = await client.query(`k${kind}`, { authors: [keys.pk], kinds: [kind] });
      expect(events.map((e) => e.content)).toEqual([`new ${kind}`]);
    }
    // Another author's profile is a separate slot.
    const other = newKeys();
    expect((await client.publish(sign(other, { kind: 0, created_at: t, content: "other" })))[0]).toBe(true);
    const profiles = await client.query("profiles", { kinds: [0] });
    expect(profiles.events.map((e) => e.content).sort()).toEqual(["new 0", "other"]);
    expect(relay.metrics().events.replaced).toBe(3);
  });

  it("breaks created_at ties by keeping the lowest id, whatever the arrival order", async () => {
    const { client } = await connectedRelay();
    const t = nowSec() - 10;
    for (const order of ["high-first", "low-first"]) {
      const keys = newKeys();
      const pair = [
        sign(keys, { kind: 0, created_at: t, content: "x" }),
        sign(keys, { kind: 0, created_at: t, content: "y" }),
      ];
      pair.sort((a, b) => (a.id < b.id ? -1 : 1));
      const [low, high] = pair as [(typeof pair)[0], (typeof pair)[0]];
      const arrival = order === "high-first" ? [high, low] : [low, high];
      const replies = [await client.publish(arrival[0]), await client.publish(arrival[1])];
      if (order === "low-first") expect(replies[1]?.[1]).toMatch(/^duplicate:/);
      const { events } = await client.query(order, { kinds: [0], authors: [keys.pk] });
      expect(events.map((e) => e.id)).toEqual([low.id]);
    }
  });
});

describe("addressable events (30000–39999)", () => {
  it("keeps the newest per pubkey, kind and d tag", async () => {
    const relay = await relayForTest();
    const pool = poolForTest();
    const keys = newKeys();
    const t = nowSec() - 100;
    const publish = (created_at: number, d: string | null, content: string) =>
      Promise.all(
        pool.publish(
          [relay.url],
          sign(keys, {
            kind: 31_990,
            created_at,
            content,
            tags:
              d === null
                ? [["k", "5050"]]
                : [
                    ["d", d],
                    ["k", "5050"],
                  ],
          }),
        ),
      );
    await publish(t, "model-a", "a1");
    await publish(t + 1, "model-b", "b1");
    await publish(t + 2, "model-a", "a2");
    await publish(t + 3, null, "no-d-1");
    await publish(t + 4, "", "empty-d"); // a missing d tag and an empty one share the same slot
    const found = await pool.querySync([relay.url], { kinds: [31_990], "#k": ["5050"] });
    expect(found.map((e) => e.content).sort()).toEqual(["a2", "b1", "empty-d"]);
    const byD = await pool.querySync([relay.url], { kinds: [31_990], "#d": ["model-a"] });
    expect(byD.map((e) => e.content)).toEqual(["a2"]);
  });
});

describe("ephemeral events (20000–29999)", () => {
  it("are delivered to live subscribers and never stored", async () => {
    const relay = await relayForTest();
    const listener = await RawClient.connect(relay.url);
    const publisher = await RawClient.connect(relay.url);
    const keys = newKeys();
    listener.send(["REQ", "live", { kinds: [20_001] }]);
    await listener.next((m) => m[0] === "EOSE");
    const event = sign(keys, { kind: 20_001, content: "typing…" });
    expect(await publisher.publish(event)).toEqual([true, ""]);
    const delivered = await listener.next((m) => m[0] === "EVENT");
    expect(delivered[2]).toEqual(event);
    const later = await publisher.query("after", { kinds: [20_001] });
    expect(later.events).toEqual([]);
    expect(relay.metrics().events).toMatchObject({ ephemeral: 1, stored: 0, inStore: 0 });
  });

  it("still need a valid signature", async () => {
    const { client } = await connectedRelay();
    const event = sign(newKeys(), { kind: 20_001, content: "x" });
    const [ok, reason] = await client.publish({ ...event, content: "tampered" });
    expect(ok).toBe(false);
    expect(reason).toMatch(/^invalid:/);
  });
});
