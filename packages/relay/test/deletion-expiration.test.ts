/** NIP-09 deletion requests and NIP-40 expiration. */
import { nowSec, sleep, waitFor } from "@pylon/testkit";
import { describe, expect, it } from "vitest";
import { connectedRelay, newKeys, sign } from "./helpers.js";

describe("NIP-09 deletion", () => {
  it("deletes the author's events named by e tags and refuses them afterwards", async () => {
    const { relay, client } = await connectedRelay();
    const [alice, mallory] = [newKeys(), newKeys()];
    const note = sign(alice, { content: "oops" });
    const keep = sign(alice, { content: "keep" });
    const bystander = sign(newKeys(), { content: "not yours" });
    for (const e of [note, keep, bystander]) expect((await client.publish(e))[0]).toBe(true);

    // Someone else's deletion request removes nothing.
    const forged = sign(mallory, { kind: 5, tags: [["e", note.id]] });
    expect(await client.publish(forged)).toEqual([true, ""]);
    expect((await client.query("still", { ids: [note.id] })).events).toHaveLength(1);

    const deletion = sign(alice, {
      kind: 5,
      tags: [
        ["e", note.id],
        ["e", bystander.id],
        ["k", "1"],
      ],
    });
    expect(await client.publish(deletion)).toEqual([true, ""]);
    const after = await client.query("after", { kinds: [1] });
    expect(after.events.map((e) => e.content).sort()).toEqual(["keep", "not yours"]);
    // The deletion request itself is stored and served.
    expect((await client.query("del", { kinds: [5], authors: [alice.pk] })).events.map((e) => e.id)).toEqual([
      deletion.id,
    ]);

    const [ok, reason] = await client.publish(note);
    expect(ok).toBe(false);
    expect(reason).toMatch(/^blocked:/);
    expect(relay.metrics().events.deleted).toBe(1);
    expect(relay.metrics().events.refused.blocked).toBe(1);
  });

  it("deletes addressable events by a tag up to the request's created_at", async () => {
    const { client } = await connectedRelay();
    const alice = newKeys();
    const t = nowSec() - 100;
    const listing = sign(alice, { kind: 30_023, created_at: t, tags: [["d", "post"]], content: "v1" });
    const other = sign(alice, { kind: 30_023, created_at: t, tags: [["d", "other"]], content: "other" });
    await client.publish(listing);
    await client.publish(other);
    const address = `30023:${alice.pk}:post`;
    expect(
      (await client.publish(sign(alice, { kind: 5, created_at: t + 10, tags: [["a", address]] })))[0],
    ).toBe(true);
    expect((await client.query("q1", { kinds: [30_023] })).events.map((e) => e.content)).toEqual(["other"]);

    // Versions from before the deletion stay deleted; a newer one may be published again.
    const [oldOk, oldReason] = await client.publish(
      sign(alice, { kind: 30_023, created_at: t + 5, tags: [["d", "post"]], content: "v-old" }),
    );
    expect(oldOk).toBe(false);
    expect(oldReason).toMatch(/^blocked:/);
    const v2 = sign(alice, { kind: 30_023, created_at: t + 20, tags: [["d", "post"]], content: "v2" });
    expect(await client.publish(v2)).toEqual([true, ""]);
    expect(
      (await client.query("q2", { kinds: [30_023], "#d": ["post"] })).events.map((e) => e.content),
    ).toEqual(["v2"]);
  });

  it("remembers a deletion that arrives before the event it deletes", async () => {
    const { client } = await connectedRelay();
    const alice = newKeys();
    const note = sign(alice, { content: "later" });
    await client.publish(sign(alice, { kind: 5, tags: [["e", note.id]] }));
    expect((await client.publish(note))[1]).toMatch(/^blocked:/);
  });
});

describe("NIP-40 expiration", () => {
  it("refuses already-expired events and never serves expired ones", async () => {
    const { relay, client } = await connectedRelay();
    const keys = newKeys();
    const expired = sign(keys, { tags: [["expiration", String(nowSec() - 1)]] });
    const [ok, reason] = await client.publish(expired);
    expect(ok).toBe(false);
    expect(reason).toMatch(/^invalid:.*expired/);

    // +2 s: at +1 the event could already count as expired when it reaches the relay a second later.
    const shortLived = sign(keys, { tags: [["expiration", String(nowSec() + 2)]], content: "short" });
    const durable = sign(keys, { tags: [["expiration", String(nowSec() + 3_600)]], content: "long" });
    expect((await client.publish(shortLived))[0]).toBe(true);
    expect((await client.publish(durable))[0]).toBe(true);
    expect((await client.query("before", { authors: [keys.pk] })).events).toHaveLength(2);
    const expiry = Number(shortLived.tags[0]?.[1]);
    await sleep((expiry + 1) * 1000 - Date.now());
    const after = await client.query("after", { authors: [keys.pk] });
    expect(after.events.map((e) => e.content)).toEqual(["long"]);
    expect(relay.metrics().events.refused.invalid).toBe(1);
  });

  it("purges expired events from the store periodically", async () => {
    const { relay, client } = await connectedRelay({ purgeIntervalMs: 200 });
    await client.publish(sign(newKeys(), { tags: [["expiration", String(nowSec() + 2)]] }));
    await client.publish(sign(newKeys(), {}));
    expect(relay.metrics().events.inStore).toBe(2);
    await waitFor(() => relay.metrics().events.expiredPurged > 0, "the periodic purge", 5_000, 100);
    expect(relay.metrics().events).toMatchObject({ expiredPurged: 1, inStore: 1 });
  });
});
