import { getEventListeners } from "node:events";
import { Cleanup, sleep, unusedPort, waitFor } from "@pylon/testkit";
import type { NostrEvent } from "nostr-tools/core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { PublishError, RelayError } from "../src/errors.js";
import type { RelayPoolOptions } from "../src/pool.js";
import { normaliseRelayUrl } from "../src/relay-url.js";
import { initFastVerify } from "../src/verify.js";
import { newKey, note, testPool, testRelay } from "./helpers.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

beforeAll(async () => {
  await initFastVerify();
});

const relay = () => testRelay(cleanup);
const pool = (urls: string[], options: RelayPoolOptions = {}) => testPool(cleanup, urls, options);

describe("publish", () => {
  it("returns one OK per relay, and 'duplicate' as ok:true on a repeat", async () => {
    const [a, b] = await Promise.all([relay(), relay()]);
    const p = pool([a.url, b.url]);
    const event = note(newKey(), "hello");
    const results = await p.publish(event);
    expect(results).toEqual([
      { relay: normaliseRelayUrl(a.url), ok: true },
      { relay: normaliseRelayUrl(b.url), ok: true },
    ]);
    const again = await p.publish(event);
    expect(again.map((r) => r.ok)).toEqual([true, true]);
    expect(again.every((r) => r.reason?.startsWith("duplicate:"))).toBe(true);
  });

  it("reports a relay that is down as ok:false with the reason, and the other relay as ok", async () => {
    const up = await relay();
    const downUrl = `ws://127.0.0.1:${await unusedPort()}`;
    const p = pool([up.url, downUrl]);
    const results = await p.publish(note(newKey(), "one down"), { timeoutMs: 600 });
    expect(results[0]).toEqual({ relay: normaliseRelayUrl(up.url), ok: true });
    expect(results[1]?.ok).toBe(false);
    expect(results[1]?.relay).toBe(normaliseRelayUrl(downUrl));
    expect(results[1]?.reason).toMatch(/^error: connection failed: .*ECONNREFUSED/);
    expect(p.status()[1]).toMatchObject({ connects: 0, lastError: expect.stringMatching(/ECONNREFUSED/) });
    expect(p.status()[1]?.state).not.toBe("open");
  });

  it("passes on the relay's refusal reason", async () => {
    const r = await relay();
    const p = pool([r.url]);
    const fromTheFuture = note(newKey(), "too early", Math.floor(Date.now() / 1000) + 3_600);
    const [result] = await p.publish(fromTheFuture);
    expect(result?.ok).toBe(false);
    expect(result?.reason).toMatch(/^invalid: /);
  });

  it("publishAny resolves with the first acceptance, or rejects with every relay's reason", async () => {
    const up = await relay();
    const downUrl = `ws://127.0.0.1:${await unusedPort()}`;
    const accepted = await pool([downUrl, up.url]).publishAny(note(newKey(), "any"), { timeoutMs: 2_000 });
    expect(accepted).toEqual({ relay: normaliseRelayUrl(up.url), ok: true });

    const nobody = pool([downUrl]).publishAny(note(newKey(), "nobody"), { timeoutMs: 300 });
    await expect(nobody).rejects.toBeInstanceOf(PublishError);
    await expect(nobody).rejects.toThrow(/no relay accepted the event .*connection failed/);
  });

  it("rejects things that are not signed events", async () => {
    const p = pool([(await relay()).url]);
    await expect(p.publish({ kind: 1 } as unknown as NostrEvent)).rejects.toThrow(TypeError);
  });
});

describe("query and subscribe", () => {
  it("query returns stored events until EOSE from every relay, each event once", async () => {
    const [a, b] = await Promise.all([relay(), relay()]);
    const key = newKey();
    const shared = note(key, "on both");
    const onlyA = note(key, "only on a");
    const writer = pool([a.url, b.url]);
    await writer.publish(shared);
    await pool([a.url]).publish(onlyA);

    const reader = pool([a.url, b.url]);
    const events = await reader.query({ authors: [shared.pubkey] });
    expect(events.map((e) => e.id).sort()).toEqual([shared.id, onlyA.id].sort());
    // limit applies per relay (NIP-01), so check it on one.
    expect(await pool([a.url]).query({ authors: [shared.pubkey], limit: 1 })).toHaveLength(1);
  });

  it("query rejects with the connection errors when no relay answers", async () => {
    const p = pool([`ws://127.0.0.1:${await unusedPort()}`]);
    await expect(p.query({ kinds: [1] }, { timeoutMs: 300 })).rejects.toThrow(RelayError);
  });

  it("subscribe delivers stored events, EOSE once, then live events, each once across two relays", async () => {
    const [a, b] = await Promise.all([relay(), relay()]);
    const key = newKey();
    const author = note(key, "x").pubkey;
    const writer = pool([a.url, b.url]);
    const stored = note(key, "stored");
    await writer.publish(stored);

    const p = pool([a.url, b.url]);
    const received: NostrEvent[] = [];
    const eoses: { relays: string[]; timedOut: boolean }[] = [];
    const sub = p.subscribe([{ authors: [author] }], {
      onevent: (event) => received.push(event),
      oneose: (info) => eoses.push(info),
    });
    await waitFor(() => eoses.length === 1, "EOSE");
    expect(eoses[0]?.timedOut).toBe(false);
    expect(eoses[0]?.relays.sort()).toEqual([a.url, b.url].map(normaliseRelayUrl).sort());
    expect(received.map((e) => e.id)).toEqual([stored.id]);

    const live = [note(key, "live 1"), note(key, "live 2")];
    for (const event of live) await writer.publish(event); // both relays fan each one out to us
    await waitFor(() => received.length === 3, "live events");
    await sleep(100); // time for any duplicate to arrive
    expect(received.map((e) => e.id)).toEqual([stored.id, ...live.map((e) => e.id)]);
    expect(eoses).toHaveLength(1);

    sub.close();
    expect(sub.closed).toBe(true);
    await writer.publish(note(key, "after close"));
    await sleep(100);
    expect(received).toHaveLength(3);
    await waitFor(() => a.metrics().subscriptions.open === 0, "CLOSE to reach the relay");
  });

  it("calls onclosed once with cause 'caller' and per-relay reasons", async () => {
    const r = await relay();
    const p = pool([r.url]);
    const closed: unknown[] = [];
    const sub = p.subscribe({ kinds: [1] }, { onevent: () => {}, onclosed: (info) => closed.push(info) });
    sub.close("done");
    sub.close("twice");
    expect(closed).toEqual([
      { cause: "caller", reasons: [{ relay: normaliseRelayUrl(r.url), reason: "done" }] },
    ]);
  });

  it("keeps going when a consumer callback throws, and reports it", async () => {
    const r = await relay();
    const errors: string[] = [];
    const p = pool([r.url], { onCallbackError: (_err, where) => errors.push(where) });
    const key = newKey();
    let calls = 0;
    p.subscribe(
      { authors: [note(key, "").pubkey] },
      {
        onevent: () => {
          calls++;
          throw new Error("consumer bug");
        },
      },
    );
    await p.publish(note(key, "1"));
    await p.publish(note(key, "2"));
    await waitFor(() => calls === 2, "both events despite the throw");
    expect(errors).toEqual(["onevent", "onevent"]);
  });
});

describe("stream", () => {
  it("yields live events and ends cleanly on abort, leaving no listeners or subscriptions", async () => {
    const r = await relay();
    const p = pool([r.url]);
    const key = newKey();
    const controller = new AbortController();
    const seen: string[] = [];
    let eosed = false;
    const consumer = (async () => {
      for await (const event of p.stream(
        { authors: [note(key, "").pubkey] },
        {
          signal: controller.signal,
          oneose: () => {
            eosed = true;
          },
        },
      )) {
        seen.push(event.content);
        if (seen.length === 2) controller.abort();
      }
    })();
    await waitFor(() => eosed, "EOSE");
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    await p.publish(note(key, "first"));
    await p.publish(note(key, "second"));
    await consumer; // resolves: abort ends the loop without throwing
    expect(seen).toEqual(["first", "second"]);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    await waitFor(() => r.metrics().subscriptions.open === 0, "CLOSE to reach the relay");
  });

  it("ends on close() while the consumer is waiting, and on break", async () => {
    const r = await relay();
    const p = pool([r.url]);
    const stream = p.stream({ kinds: [1] });
    const pending = stream.next();
    stream.close();
    expect(await pending).toEqual({ value: undefined, done: true });

    const key = newKey();
    const stream2 = p.stream({ authors: [note(key, "").pubkey] });
    await p.publish(note(key, "stored"));
    for await (const event of stream2) {
      expect(event.content).toBe("stored");
      break;
    }
    await waitFor(() => r.metrics().subscriptions.open === 0, "the stream's subscription to close");
  });

  it("ends with an already-aborted signal without touching the relays", async () => {
    const r = await relay();
    const p = pool([r.url]);
    const events: NostrEvent[] = [];
    for await (const event of p.stream({ kinds: [1] }, { signal: AbortSignal.abort() })) events.push(event);
    expect(events).toEqual([]);
    expect(r.metrics().reqs.received).toBe(0);
  });

  it("pool.close() ends streams cleanly, fails pending queries, and refuses new subscriptions", async () => {
    const r = await relay();
    const p = pool([r.url]);
    await p.connect();
    const stream = p.stream({ kinds: [1] });
    const iteration = (async () => {
      for await (const _ of stream) {
        // no events expected
      }
      return "ended";
    })();
    const unanswered = pool([`ws://127.0.0.1:${await unusedPort()}`]);
    const query = unanswered.query({ kinds: [1] }, { timeoutMs: 5_000 }).catch((err: Error) => err.message);
    await sleep(20);
    p.close();
    unanswered.close();
    expect(await iteration).toBe("ended");
    expect(await query).toBe("RelayPool closed during query");
    expect(() => p.subscribe({ kinds: [1] }, { onevent: () => {} })).toThrow(/closed/);
    expect(p.status()[0]?.state).toBe("closed");
    await waitFor(() => r.metrics().connections.open === 0, "the socket to close");
  });
});

describe("rate-limited subscriptions", () => {
  it("asks again after a relay's rate-limited CLOSED instead of treating it as a refusal", async () => {
    const limited = await testRelay(cleanup, { limits: { reqsPerSecond: 2, reqBurst: 2 } });
    const p = pool([limited.url]);
    const author = newKey();
    const received = [0, 1, 2, 3, 4].map(() => [] as string[]);
    const closed: string[] = [];
    for (const [i, into] of received.entries()) {
      p.subscribe(
        { kinds: [1], "#t": ["limited"] },
        {
          label: `limited-${i}`,
          onevent: (event) => into.push(event.content),
          onclosed: ({ cause }) => closed.push(cause),
        },
      );
    }
    await waitFor(() => (limited.metrics().reqs.refused["rate-limited"] ?? 0) > 0, "a rate-limited REQ");
    const { finalizeEvent } = await import("nostr-tools/pure");
    const tagged = finalizeEvent(
      {
        kind: 1,
        created_at: Math.floor(Date.now() / 1000),
        tags: [["t", "limited"]],
        content: "for everyone",
      },
      author,
    );
    expect((await p.publish(tagged))[0]?.ok).toBe(true);
    await waitFor(
      () => received.every((into) => into.length === 1),
      "every subscription to get the event",
      8_000,
    );
    expect(closed).toEqual([]);
  }, 15_000);
});
