/** NIP-42 authentication, with the read and write switches. */

import { nowSec } from "@pylon/testkit";
import { finalizeEvent } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import {
  connectedRelay,
  type Keys,
  newKeys,
  poolForTest,
  type RawClient,
  relayForTest,
  sign,
} from "./helpers.js";

async function challengeOf(client: RawClient): Promise<string> {
  const message = await client.next((m) => m[0] === "AUTH");
  return message[1] as string;
}

function authEvent(keys: Keys, relayUrl: string, challenge: string, created_at = nowSec()) {
  return sign(keys, {
    kind: 22_242,
    created_at,
    tags: [
      ["relay", relayUrl],
      ["challenge", challenge],
    ],
  });
}

describe("NIP-42 AUTH", () => {
  it("sends a challenge on connect and accepts a correctly signed answer", async () => {
    const { relay, client } = await connectedRelay();
    const challenge = await challengeOf(client);
    expect(challenge).toMatch(/^[0-9a-f]{32}$/);
    const keys = newKeys();

    const wrongChallenge = authEvent(keys, relay.url, "not-the-challenge");
    const stale = authEvent(keys, relay.url, challenge, nowSec() - 11 * 60);
    const otherRelay = authEvent(keys, "ws://127.0.0.1:1", challenge);
    for (const bad of [wrongChallenge, stale, otherRelay]) {
      client.send(["AUTH", bad]);
      const ok = await client.next((m) => m[0] === "OK" && m[1] === bad.id);
      expect(ok[2]).toBe(false);
      expect(ok[3]).toMatch(/^invalid:/);
    }
    const good = authEvent(keys, relay.url, challenge);
    client.send(["AUTH", { ...good, sig: good.sig.replace(/^./, good.sig[0] === "0" ? "1" : "0") }]);
    expect((await client.next((m) => m[0] === "OK"))[2]).toBe(false);
    client.send(["AUTH", good]);
    expect(await client.next((m) => m[0] === "OK" && m[1] === good.id)).toEqual(["OK", good.id, true, ""]);
    expect(relay.metrics().auth).toEqual({ succeeded: 1, failed: 4 });
  });

  it("requires AUTH to write when auth.write is set", async () => {
    const { relay, client } = await connectedRelay({ auth: { write: true } });
    const challenge = await challengeOf(client);
    const keys = newKeys();
    const note = sign(keys, { content: "hello" });
    const [ok, reason] = await client.publish(note);
    expect(ok).toBe(false);
    expect(reason).toMatch(/^auth-required:/);
    // Reading stays open.
    expect((await client.query("read", { kinds: [1] })).closed).toBeUndefined();

    client.send(["AUTH", authEvent(keys, relay.url, challenge)]);
    await client.next((m) => m[0] === "OK" && m[2] === true);
    expect(await client.publish(note)).toEqual([true, ""]);
    expect(relay.metrics().events.refused["auth-required"]).toBe(1);
  });

  it("requires AUTH to read when auth.read is set", async () => {
    const { relay, client } = await connectedRelay({ auth: { read: true } });
    const challenge = await challengeOf(client);
    const keys = newKeys();
    expect(await client.publish(sign(keys))).toEqual([true, ""]);
    const refused = await client.query("r1", { kinds: [1] });
    expect(refused.closed).toMatch(/^auth-required:/);

    client.send(["AUTH", authEvent(keys, relay.url.replace("127.0.0.1", "localhost"), challenge)]);
    await client.next((m) => m[0] === "OK" && m[2] === true);
    const allowed = await client.query("r2", { kinds: [1] });
    expect(allowed.closed).toBeUndefined();
    expect(allowed.events).toHaveLength(1);
    expect(relay.metrics().reqs.refused["auth-required"]).toBe(1);
  });

  it("lets SimplePool clients that sign AUTH read and write on a fully restricted relay", async () => {
    const relay = await relayForTest({ auth: { read: true, write: true } });
    const info = await fetch(relay.url.replace("ws://", "http://"), {
      headers: { accept: "application/nostr+json" },
    }).then((r) => r.json() as Promise<{ limitation: Record<string, unknown> }>);
    expect(info.limitation.auth_required).toBe(true);

    const pool = poolForTest();
    const keys = newKeys();
    const onauth = async (template: Parameters<typeof finalizeEvent>[0]) => finalizeEvent(template, keys.sk);
    const note = sign(keys, { content: "authed" });
    await expect(Promise.all(pool.publish([relay.url], note, { onauth }))).resolves.toEqual([""]);
    const found = await new Promise<string[]>((resolve) => {
      const got: string[] = [];
      const sub = pool.subscribe(
        [relay.url],
        { kinds: [1] },
        {
          onauth,
          onevent: (e) => got.push(e.content),
          oneose: () => {
            sub.close();
            resolve(got);
          },
        },
      );
    });
    expect(found).toEqual(["authed"]);
  });
});
