/**
 * The directory's kept live set on real signed announcements (fed by ingest(); the pool is never dialled):
 * a heartbeat going stale or an expiration passing drops a provider with no new event, the version grows on
 * each change and only then, and waitFor is woken by announcements rather than polling.
 */
import { randomBytes } from "node:crypto";
import { RelayPool } from "@pylon/nostr";
import { afterAll, describe, expect, it } from "vitest";
import { ProviderDirectory } from "../src/directory.js";
import { signedAnnouncement } from "./harness.js";

const pool = new RelayPool(["ws://127.0.0.1:9"]);
afterAll(() => pool.close());

describe("the directory's live set", () => {
  it("drops a provider whose heartbeat goes stale, or whose announcement expires, without a new event", () => {
    let clock = 1_000_000;
    const directory = new ProviderDirectory(pool, { now: () => clock, maxSilenceSec: 600 });
    const steady = signedAnnouncement({ now: clock });
    const older = signedAnnouncement({ now: clock - 500 }); // 100 s of heartbeat left
    const expiring = signedAnnouncement({ now: clock, ttlSec: 50 });
    for (const event of [steady, older, expiring]) directory.ingest(event);
    const live = () =>
      directory
        .live()
        .map((e) => e.pubkey)
        .sort();
    expect(live()).toEqual([steady.pubkey, older.pubkey, expiring.pubkey].sort());
    const version = directory.version;
    expect(directory.live()).toBe(directory.live()); // kept, not rebuilt per call
    expect(directory.version).toBe(version);

    clock += 50; // the expiration passes
    expect(live()).toEqual([steady.pubkey, older.pubkey].sort());
    expect(directory.version).toBeGreaterThan(version);
    clock += 51; // the older heartbeat is now 601 s old
    expect(live()).toEqual([steady.pubkey]);
    clock += 499;
    expect(live()).toEqual([steady.pubkey]); // its heartbeat exactly 600 s old: still live by the rule
    clock += 1;
    expect(live()).toEqual([]);
    expect(directory.all()).toHaveLength(3); // listed, not usable
  });

  it("grows its version when who is live or what they offer changes, not on a mere heartbeat", () => {
    const directory = new ProviderDirectory(pool);
    const key = new Uint8Array(randomBytes(32));
    const now = Math.floor(Date.now() / 1000);
    directory.ingest(signedAnnouncement({ now }, key));
    const version = directory.version;
    directory.ingest(signedAnnouncement({ now: now + 1 }, key)); // a heartbeat: same offer
    expect(directory.version).toBe(version);
    expect(directory.live()[0]?.announcement.heartbeat).toBe(now + 1); // still read by live()
    directory.ingest(
      signedAnnouncement({ now: now + 2, price: { inputMsatsPer1k: 5, outputMsatsPer1k: 5 } }, key),
    );
    expect(directory.version).toBe(version + 1); // a new price
    directory.ingest(signedAnnouncement({ now: now - 100 }, key)); // a replayed older one: ignored
    directory.ingest(signedAnnouncement({ now, kinds: [5000] })); // serves another kind: ignored
    expect(directory.version).toBe(version + 1);
    directory.ingest(signedAnnouncement({ now: now + 3, status: "offline" }, key));
    expect(directory.version).toBe(version + 2); // gone
  });

  it("wakes waitFor on the announcement that completes the count, and times out with the count", async () => {
    const directory = new ProviderDirectory(pool);
    directory.ingest(signedAnnouncement());
    const waiting = directory.waitFor(3, 5_000);
    directory.ingest(signedAnnouncement());
    directory.ingest(signedAnnouncement());
    expect(await waiting).toHaveLength(3);
    await expect(directory.waitFor(4, 50)).rejects.toThrow("only 3 of 4 providers announced within 50 ms");
  });
});
