import { join } from "node:path";
import { startRelay } from "@pylon/relay";
import { Cleanup, sleep, tempDir, unusedPort, waitFor } from "@pylon/testkit";
import type { NostrEvent } from "nostr-tools/core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { RelayPool, type RelayPoolOptions } from "../src/pool.js";
import { initFastVerify } from "../src/verify.js";
import { newKey, note, testPool, testRelay } from "./helpers.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

beforeAll(async () => {
  await initFastVerify();
});

const fastReconnect: RelayPoolOptions = {
  connectTimeoutMs: 1_000,
  reconnect: { initialDelayMs: 40, maxDelayMs: 200, stableAfterMs: 0 },
};

const pool = (urls: string[], options: RelayPoolOptions = fastReconnect) => testPool(cleanup, urls, options);
const relayAt = (options: { port?: number; db?: string }) => testRelay(cleanup, options);
const dataDir = () => tempDir(cleanup, "pylon-nostr-");

describe("reconnect and resubscribe", () => {
  it("after a relay restart, delivers the events missed while down exactly once, then live events", async () => {
    const db = join(await dataDir(), "relay.sqlite");
    const first = await relayAt({ db });
    const { port } = first;
    const key = newKey();
    const author = note(key, "").pubkey;

    const reader = pool([first.url]);
    const received: NostrEvent[] = [];
    let eoses = 0;
    reader.subscribe({ authors: [author] }, { onevent: (e) => received.push(e), oneose: () => eoses++ });
    await waitFor(() => eoses === 1, "initial EOSE");

    const writer = pool([first.url]);
    const before = [note(key, "before 1"), note(key, "before 2")];
    for (const event of before) await writer.publish(event);
    await waitFor(() => received.length === 2, "live events before the outage");
    const cursor = Math.max(...before.map((e) => e.created_at));

    await first.close();
    await waitFor(() => reader.status()[0]?.state !== "open", "the reader to notice the outage");

    // While the reader's relay is down, a second client writes to the same store through another port.
    const standIn = await startRelay({ port: 0, db });
    const missed = [
      note(key, "missed, same second as the last one seen", cursor), // lost by a plain `since = last + 1`
      note(key, "missed, a little older (inside the overlap)", cursor - 5),
      note(key, "missed, newer"),
    ];
    const standInWriter = new RelayPool([standIn.url]);
    for (const event of missed) expect((await standInWriter.publish(event))[0]?.ok).toBe(true);
    standInWriter.close();
    await standIn.close();

    const restarted = await relayAt({ port, db }); // the same relay back on the same port
    await waitFor(() => received.length === 5, "the missed events after resubscribing");
    await sleep(150); // the overlap re-sends "before" events: give any duplicate time to show up
    expect(received.slice(0, 2).map((e) => e.id)).toEqual(before.map((e) => e.id));
    expect(
      received
        .slice(2)
        .map((e) => e.id)
        .sort(),
    ).toEqual(missed.map((e) => e.id).sort());
    // The relay did re-send the two "before" events (they fall inside the overlap); the consumer saw them once.
    expect(restarted.metrics().reqs.eventsServed).toBe(5);

    const live = note(key, "live after the restart");
    expect((await writer.publish(live, { timeoutMs: 3_000 }))[0]?.ok).toBe(true);
    await waitFor(() => received.length === 6, "a live event after the restart");
    await sleep(100);
    expect(new Set(received.map((e) => e.id)).size).toBe(6);
    expect(received[5]?.id).toBe(live.id);
    expect(reader.status()[0]).toMatchObject({ state: "open", connects: 2 });
    expect(eoses).toBe(1);
  });

  it("a publish during a reconnect waits for the relay instead of failing", async () => {
    const db = join(await dataDir(), "relay.sqlite");
    const first = await relayAt({ db });
    const p = pool([first.url]);
    await p.connect();
    await first.close();
    await waitFor(() => p.status()[0]?.state !== "open", "the outage to be noticed");

    const publishing = p.publish(note(newKey(), "sent while down"), { timeoutMs: 4_000 });
    await sleep(300);
    const restarted = await relayAt({ port: first.port, db });
    const [result] = await publishing;
    expect(result?.ok).toBe(true);
    expect(restarted.metrics().events.stored).toBe(1);
  });

  it("serves a subscription from a relay that was down when it started", async () => {
    const port = await unusedPort();
    const key = newKey();
    const p = pool([`ws://127.0.0.1:${port}`]);
    const received: NostrEvent[] = [];
    const eose: boolean[] = [];
    p.subscribe(
      { authors: [note(key, "").pubkey] },
      { onevent: (e) => received.push(e), oneose: ({ timedOut }) => eose.push(timedOut), eoseTimeoutMs: 200 },
    );
    await waitFor(() => eose.length === 1, "EOSE timeout");
    expect(eose).toEqual([true]);
    expect(p.status()[0]?.failedAttempts).toBeGreaterThan(0);

    const late = await relayAt({ port });
    const writer = pool([late.url]);
    const event = note(key, "hello from the late relay");
    await writer.publish(event);
    await waitFor(() => received.length === 1, "the event from the late relay");
    expect(received[0]?.id).toBe(event.id);
  });

  it("keeps retrying with bounded backoff while a relay stays down, and stops on close()", async () => {
    const p = pool([`ws://127.0.0.1:${await unusedPort()}`], {
      connectTimeoutMs: 500,
      reconnect: { initialDelayMs: 10, maxDelayMs: 40 },
    });
    p.subscribe({ kinds: [1] }, { onevent: () => {} });
    await waitFor(() => (p.status()[0]?.failedAttempts ?? 0) >= 8, "several retries", 3_000);
    p.close();
    const attempts = p.status()[0]?.failedAttempts;
    await sleep(150);
    expect(p.status()[0]).toMatchObject({ state: "closed", failedAttempts: attempts });
  });
});
