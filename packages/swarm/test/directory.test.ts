/**
 * The provider directory over a real relay: live updates, offline and stale providers, replayed older
 * announcements, allow and block lists.
 */
import { randomBytes } from "node:crypto";
import { getPublicKey, RelayPool } from "@pylon/nostr";
import type { AnnouncementSpec } from "@pylon/protocol";
import { Cleanup, waitFor } from "@pylon/testkit";
import { MODEL, startForeignRelay, startTestRelay } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderDirectory } from "../src/directory.js";
import { signedAnnouncement } from "./harness.js";

const cleanup = new Cleanup();
let pool: RelayPool;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  const running = await startTestRelay(cleanup);
  pool = new RelayPool([running.url]);
  cleanup.add(() => pool.close());
});

afterAll(() => cleanup.run());

function provider() {
  const secretKey = new Uint8Array(randomBytes(32));
  const announce = async (spec: Partial<AnnouncementSpec> = {}) => {
    const event = signedAnnouncement(
      {
        name: "test node",
        models: [{ name: MODEL, contextLength: 4096 }],
        capacity: { slots: 3, maxQueue: 5 },
        ...spec,
      },
      secretKey,
    );
    expect((await pool.publish(event)).some((r) => r.ok)).toBe(true);
    return event;
  };
  return { pubkey: getPublicKey(secretKey), announce };
}

describe("ProviderDirectory over a real relay", () => {
  it("lists stored announcements, follows updates, and drops offline and stale providers", async () => {
    const a = provider();
    const b = provider();
    const stale = provider();
    await a.announce();
    await stale.announce({ now: now() - 700 }); // heartbeat older than the 10-minute rule
    const directory = new ProviderDirectory(pool);
    cleanup.add(() => directory.stop());
    await directory.start();
    expect(
      directory
        .all()
        .map((e) => e.pubkey)
        .sort(),
    ).toEqual([a.pubkey, stale.pubkey].sort());
    expect(directory.live().map((e) => e.pubkey)).toEqual([a.pubkey]);
    expect(directory.get(a.pubkey)?.announcement.capacity).toEqual({ slots: 3, maxQueue: 5 });

    const online = await b.announce(); // arrives live, through the subscription
    await waitFor(() => directory.live().some((e) => e.pubkey === b.pubkey), "b to appear");
    const offline = await b.announce({ now: now() + 1, status: "offline" });
    await waitFor(() => directory.get(b.pubkey)?.announcement.id === offline.id, "b's offline announcement");
    expect(directory.live().map((e) => e.pubkey)).toEqual([a.pubkey]);

    // A replayed older announcement does not bring it back.
    directory.ingest(online);
    expect(directory.get(b.pubkey)?.announcement.status).toBe("offline");
  });

  it("honours allow and block lists", async () => {
    const a = provider();
    const b = provider();
    await a.announce();
    await b.announce();
    const blocking = new ProviderDirectory(pool, { block: [a.pubkey] });
    const allowing = new ProviderDirectory(pool, { allow: [a.pubkey] });
    cleanup.add(() => blocking.stop());
    cleanup.add(() => allowing.stop());
    await Promise.all([blocking.start(), allowing.start()]);
    expect(blocking.all().map((e) => e.pubkey)).toContain(b.pubkey);
    expect(blocking.all().map((e) => e.pubkey)).not.toContain(a.pubkey);
    expect(allowing.all().map((e) => e.pubkey)).toEqual([a.pubkey]);
  });
});

describe("ProviderDirectory over a relay that pages by 100", () => {
  it("finds every one of 150 providers that announced in the same second (a crowd starting at once)", async () => {
    // The foreign relay (@nostr-relay/core): no NIP-11, 100 events per query unless a larger limit is asked.
    const foreign = await startForeignRelay(cleanup);
    const writer = new RelayPool([foreign.url]);
    cleanup.add(() => writer.close());
    const second = now();
    const pubkeys = new Set<string>();
    for (let i = 0; i < 150; i++) {
      const secretKey = new Uint8Array(randomBytes(32));
      const event = signedAnnouncement({ name: `crowd ${i}`, now: second }, secretKey);
      expect((await writer.publish(event)).some((r) => r.ok)).toBe(true);
      pubkeys.add(getPublicKey(secretKey));
    }
    const reader = new RelayPool([foreign.url]);
    cleanup.add(() => reader.close());
    const directory = new ProviderDirectory(reader);
    cleanup.add(() => directory.stop());
    await directory.start();
    expect(new Set(directory.all().map((e) => e.pubkey))).toEqual(pubkeys);
  }, 30_000);
});
