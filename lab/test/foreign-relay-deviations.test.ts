/**
 * Where the foreign relay (@nostr-relay/core 0.0.40 + its SQLite repository, testkit's startForeignRelay) departs
 * from NIP-01/11/40 as Pylon's relay reads them, each probed over a raw WebSocket so a new version that changes
 * any of them fails here first. What each means for Pylon: lab/README.md, "Foreign relay".
 */
import { randomBytes } from "node:crypto";
import { getPublicKey, RelayPool, signEvent } from "@pylon/nostr";
import type { NostrEvent } from "@pylon/protocol";
import { Cleanup, nowSec, sleep, waitFor } from "@pylon/testkit";
import { type ForeignRelay, startForeignRelay } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";

const cleanup = new Cleanup();
let relay: ForeignRelay;
beforeAll(async () => {
  relay = await startForeignRelay(cleanup);
});
afterAll(() => cleanup.run());

type Message = [string, ...unknown[]];

/** One raw connection: everything the relay sends, kept in order. */
async function raw(url = relay.url): Promise<{ send(m: unknown): void; got: Message[]; ws: WebSocket }> {
  const ws = new WebSocket(url);
  const got: Message[] = [];
  ws.on("message", (data) => got.push(JSON.parse(data.toString()) as Message));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  cleanup.add(() => ws.terminate());
  return { send: (m) => ws.send(JSON.stringify(m)), got, ws };
}

const key = () => new Uint8Array(randomBytes(32));
const note = (secretKey: Uint8Array, extra: Partial<NostrEvent> = {}): NostrEvent =>
  signEvent({ kind: 1, tags: [], content: "probe", ...extra }, secretKey);

/** Publishes on `conn` and resolves with the relay's OK: [accepted, message]. */
async function publish(conn: Awaited<ReturnType<typeof raw>>, event: NostrEvent): Promise<[boolean, string]> {
  conn.send(["EVENT", event]);
  const ok = () => conn.got.find((m) => m[0] === "OK" && m[1] === event.id);
  await waitFor(() => ok() !== undefined, "the relay's OK", 5_000);
  const [, , accepted, message] = ok()!;
  return [accepted as boolean, message as string];
}

/** A REQ answered up to its EOSE: the stored events it returned. */
async function stored(
  conn: Awaited<ReturnType<typeof raw>>,
  subId: string,
  filter: object,
): Promise<NostrEvent[]> {
  const from = conn.got.length;
  conn.send(["REQ", subId, filter]);
  await waitFor(() => conn.got.slice(from).some((m) => m[0] === "EOSE" && m[1] === subId), "EOSE", 5_000);
  return conn.got
    .slice(from)
    .filter((m) => m[0] === "EVENT" && m[1] === subId)
    .map((m) => m[2] as NostrEvent);
}

describe("the foreign relay's deviations, probed", () => {
  it("serves no NIP-11 document: Accept application/nostr+json gets a 404 (limits unknown to clients)", async () => {
    const response = await fetch(relay.url.replace("ws://", "http://"), {
      headers: { accept: "application/nostr+json" },
    });
    expect(response.status).toBe(404);
  });

  it("live fan-out ignores tag filters (#p); Pylon's pool drops what does not match", async () => {
    const them = getPublicKey(key());
    const me = getPublicKey(key());
    const listener = await raw();
    await stored(listener, "p", { kinds: [5050], "#p": [me] });
    const pool = cleanup.use(new RelayPool([relay.url]), (p) => p.close());
    const seen: string[] = [];
    await new Promise<void>((resolve) =>
      pool.subscribe(
        { kinds: [5050], "#p": [me] },
        { onevent: (e) => seen.push(e.id), oneose: () => resolve() },
      ),
    );
    const author = await raw();
    const forThem = signEvent({ kind: 5050, tags: [["p", them]], content: "" }, key());
    const forMe = signEvent({ kind: 5050, tags: [["p", me]], content: "" }, key());
    expect(await publish(author, forThem)).toEqual([true, ""]);
    expect(await publish(author, forMe)).toEqual([true, ""]);
    await waitFor(() => seen.includes(forMe.id), "the pool to get the event addressed to it", 5_000);
    // The raw subscriber got both; the pool (nostr-tools' filter match) only its own.
    const live = listener.got
      .filter((m) => m[0] === "EVENT" && m[1] === "p")
      .map((m) => (m[2] as NostrEvent).id);
    expect(live).toEqual([forThem.id, forMe.id]);
    expect(seen).toEqual([forMe.id]);
    // Stored queries do apply the tag filter (once the 1 s result cache of the same filter has expired).
    await sleep(1_100);
    expect((await stored(listener, "p2", { kinds: [5050], "#p": [me] })).map((e) => e.id)).toEqual([
      forMe.id,
    ]);
  });

  it("past 20 subscriptions on one connection the oldest is dropped silently: no CLOSED, no more events", async () => {
    const conn = await raw();
    const author = key();
    for (let i = 0; i < 21; i++) await stored(conn, `s${i}`, { kinds: [1], authors: [getPublicKey(author)] });
    const event = note(author);
    await publish(conn, event);
    await waitFor(
      () => conn.got.some((m) => m[0] === "EVENT" && m[1] === "s20"),
      "the newest subscription's event",
      5_000,
    );
    await sleep(100);
    const receivers = conn.got
      .filter((m) => m[0] === "EVENT" && (m[2] as NostrEvent).id === event.id)
      .map((m) => m[1]);
    expect(receivers).toHaveLength(20);
    expect(receivers).not.toContain("s0");
    expect(conn.got.some((m) => m[0] === "CLOSED")).toBe(false);
  });

  it("a stored query repeated within 1 s is answered from a cache: an event stored in between is missing", async () => {
    const conn = await raw();
    const author = key();
    const filter = { kinds: [1], authors: [getPublicKey(author)] };
    await publish(conn, note(author, { content: "first" }));
    expect(await stored(conn, "c1", filter)).toHaveLength(1);
    await publish(conn, note(author, { content: "second" }));
    expect(await stored(conn, "c2", filter)).toHaveLength(1); // stale
    await sleep(1_100);
    expect(await stored(conn, "c3", filter)).toHaveLength(2);
  });

  it("a filter without a limit returns at most 100 stored events (the newest)", async () => {
    const conn = await raw();
    const author = key();
    const base = nowSec() - 1_000;
    for (let i = 0; i < 120; i++)
      await publish(conn, note(author, { created_at: base + i, content: `n${i}` }));
    const got = await stored(conn, "l", { kinds: [1], authors: [getPublicKey(author)] });
    expect(got).toHaveLength(100);
    expect(got.map((e) => e.content)).toContain("n119");
    expect(
      await stored(conn, "l2", { kinds: [1], authors: [getPublicKey(author)], limit: 500 }),
    ).toHaveLength(120);
  });

  it("accepts what Pylon's relay refuses: created_at a day ahead, 1 MB of content, 5,000 tags", async () => {
    const conn = await raw();
    const author = key();
    expect((await publish(conn, note(author, { created_at: nowSec() + 86_400 })))[0]).toBe(true);
    expect((await publish(conn, note(author, { content: "x".repeat(1_000_000) })))[0]).toBe(true);
    const tags = Array.from({ length: 5_000 }, (_, i) => ["t", String(i)]);
    expect((await publish(conn, note(author, { tags })))[0]).toBe(true);
  });

  it("keeps serving an event after its NIP-40 expiration (it only refuses one already expired)", async () => {
    const conn = await raw();
    const author = key();
    const expiring = note(author, { tags: [["expiration", String(nowSec() + 1)]] });
    expect(await publish(conn, expiring)).toEqual([true, ""]);
    const expired = note(author, { tags: [["expiration", String(nowSec() - 1)]] });
    expect(await publish(conn, expired)).toEqual([false, "reject: event is expired"]);
    await sleep(2_100);
    const got = await stored(conn, "x", { ids: [expiring.id] });
    expect(got.map((e) => e.id)).toEqual([expiring.id]);
  });

  it("a re-sent event gets its first OK replayed (a 10-minute cache), not 'duplicate:'; a bad signature is 'invalid:'", async () => {
    const conn = await raw();
    const event = note(key());
    expect(await publish(conn, event)).toEqual([true, ""]);
    conn.got.length = 0;
    expect(await publish(conn, event)).toEqual([true, ""]);
    const forged = { ...note(key()), sig: "00".repeat(64) };
    expect(await publish(conn, forged)).toEqual([false, "invalid: signature is wrong"]);
  });

  it("a NIP-09 deletion (kind 5) deletes its target but is neither stored nor sent to subscribers", async () => {
    const conn = await raw();
    const author = key();
    const target = note(author);
    await publish(conn, target);
    const listener = await raw();
    await stored(listener, "d", { kinds: [5] });
    const deletion = signEvent(
      {
        kind: 5,
        tags: [
          ["e", target.id],
          ["k", "1"],
        ],
        content: "",
      },
      author,
    );
    expect(await publish(conn, deletion)).toEqual([true, ""]);
    await sleep(200);
    expect(listener.got.some((m) => m[0] === "EVENT" && m[1] === "d")).toBe(false);
    expect(await stored(conn, "d2", { ids: [deletion.id, target.id] })).toEqual([]);
  });

  it("our glue: malformed messages are refused one by one, and the connection goes on serving", async () => {
    const conn = await raw();
    const shapeless = { ...note(key()), kind: "1" };
    conn.send(["EVENT", shapeless]);
    await waitFor(() => conn.got.some((m) => m[0] === "OK" && m[1] === shapeless.id), "an OK false", 5_000);
    expect(conn.got.find((m) => m[0] === "OK")).toEqual([
      "OK",
      shapeless.id,
      false,
      "invalid: malformed event",
    ]);
    const bad = [
      "not json",
      "{}",
      '["NOPE"]',
      '["REQ", 1]',
      '["REQ", "s", 3]',
      '["EVENT"]',
      '["EVENT", {"id": 1}]',
    ];
    for (const message of bad) conn.ws.send(message);
    await waitFor(
      () => conn.got.filter((m) => m[0] === "NOTICE").length === bad.length,
      "a NOTICE each",
      5_000,
    );
    expect(await publish(conn, note(key()))).toEqual([true, ""]);
  });

  it("with NIP-42 on (a hostname), it challenges on connect but still takes EVENTs and REQs unauthenticated", async () => {
    const authed = await startForeignRelay(cleanup, { hostname: "127.0.0.1" });
    const conn = await raw(authed.url);
    await waitFor(() => conn.got.some((m) => m[0] === "AUTH"), "an AUTH challenge", 5_000);
    expect(await publish(conn, note(key()))).toEqual([true, ""]);
    expect(await stored(conn, "a", { kinds: [1] })).toHaveLength(1);
  });
});
