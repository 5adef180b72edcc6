/** NIP-13 minimum proof of work and restricted writes: the refusals, what NIP-11 says about them. */
import { nowSec } from "@pylon/testkit";
import { getPow, minePow } from "nostr-tools/nip13";
import { finalizeEvent, getEventHash } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import type { NostrEvent } from "../src/event.js";
import { resolveOptions } from "../src/options.js";
import { connectedRelay, newKeys, sign } from "./helpers.js";

/** Mined by nostr-tools (an implementation not written here) to `difficulty`. */
function mined(keys: ReturnType<typeof newKeys>, difficulty: number): NostrEvent {
  const unsigned = minePow(
    { kind: 1, created_at: nowSec(), tags: [], content: "worked", pubkey: keys.pk },
    difficulty,
  );
  const event = finalizeEvent(
    { kind: 1, created_at: unsigned.created_at, tags: unsigned.tags, content: unsigned.content },
    keys.sk,
  );
  return JSON.parse(JSON.stringify(event)) as NostrEvent;
}

/** An id with `zeros` leading zero bits whose nonce tag commits to only `target`. */
function lucky(keys: ReturnType<typeof newKeys>, zeros: number, target: number): NostrEvent {
  const template = { kind: 1, created_at: nowSec(), content: "lucky", pubkey: keys.pk };
  for (let n = 0; ; n++) {
    const tags = [["nonce", String(n), String(target)]];
    if (getPow(getEventHash({ ...template, tags })) >= zeros) {
      return JSON.parse(JSON.stringify(finalizeEvent({ ...template, tags }, keys.sk))) as NostrEvent;
    }
  }
}

async function nip11(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url.replace("ws://", "http://"), { headers: { accept: "application/nostr+json" } });
  return ((await res.json()) as { limitation: Record<string, unknown> }).limitation;
}

describe("minimum proof of work", () => {
  it("takes events with the work, refuses the rest with pow:, and publishes min_pow_difficulty", async () => {
    const { relay, client } = await connectedRelay({ limits: { minPowDifficulty: 8 } });
    const keys = newKeys();
    expect(await client.publish(mined(keys, 8))).toEqual([true, ""]);
    expect(await client.publish(sign(keys, { content: "no work" }))).toEqual([
      false,
      "pow: difficulty 8 required",
    ]);
    // Enough zero bits, but a nonce committing to less: a lucky low-target miner does not pass.
    const luckyEvent = lucky(keys, 8, 4);
    expect(getPow(luckyEvent.id)).toBeGreaterThanOrEqual(8);
    expect((await client.publish(luckyEvent))[1]).toBe("pow: difficulty 8 required");
    expect(await client.publish(mined(keys, 9))).toEqual([true, ""]); // the connection goes on
    expect(relay.metrics().events.refused.pow).toBe(2);
    expect((await nip11(relay.url)).min_pow_difficulty).toBe(8);
  });
});

describe("restricted writes", () => {
  it("refuses everyone with restricted: when restrictWrites is true", async () => {
    const { relay, client } = await connectedRelay({ restrictWrites: true });
    expect(await client.publish(sign(newKeys()))).toEqual([
      false,
      "restricted: this relay does not accept events",
    ]);
    expect((await client.query("r", { kinds: [1] })).closed).toBeUndefined(); // reads go on
    expect((await nip11(relay.url)).restricted_writes).toBe(true);
  });

  it("takes events from listed authors only", async () => {
    const listed = newKeys();
    const { client } = await connectedRelay({ restrictWrites: [listed.pk] });
    expect((await client.publish(sign(listed)))[0]).toBe(true);
    expect(await client.publish(sign(newKeys()))).toEqual([
      false,
      "restricted: this relay only accepts events from its listed authors",
    ]);
  });

  it("refuses a list entry that is not a hex pubkey", () => {
    expect(() => resolveOptions({ restrictWrites: ["npub1nope"] })).toThrow(/not a 64-character hex pubkey/);
  });
});
