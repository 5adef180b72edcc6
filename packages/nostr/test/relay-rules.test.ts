import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startRelay } from "@pylon/relay";
import { Cleanup, unusedPort, waitFor } from "@pylon/testkit";
import type { NostrEvent } from "nostr-tools/core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { JobClient } from "../src/job-client.js";
import type { RelayPoolOptions } from "../src/pool.js";
import { countLeadingZeroBits } from "../src/pow.js";
import { describeRelayTrouble } from "../src/relay-trouble.js";
import { normaliseRelayUrl } from "../src/relay-url.js";
import { getPublicKey } from "../src/sign.js";
import { initFastVerify } from "../src/verify.js";
import { newKey, note, testPool, testRelay } from "./helpers.js";

// Pylon's client against relays' own rules (issue 14): NIP-42 AUTH, NIP-11 limits, NIP-13 proof of work and
// the OK/CLOSED prefixes. Pylon's relay where it can be configured so; a scripted server where a test needs an
// answer Pylon's relay never gives (refusing a valid AUTH, `pow:` without NIP-11).

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
beforeAll(async () => {
  await initFastVerify();
});

const pool = (urls: string[], options: RelayPoolOptions = {}) =>
  testPool(cleanup, urls, { publishTimeoutMs: 3_000, eoseTimeoutMs: 3_000, ...options });
const draft = (content: string) => ({ kind: 1, tags: [["t", "rules"]], content });

describe("NIP-42 AUTH", () => {
  it("reads and writes on a relay that requires AUTH for both, again after a forced reconnect", async () => {
    const port = await unusedPort();
    const options = { port, host: "127.0.0.1", db: ":memory:", auth: { read: true, write: true } };
    let relay = await startRelay(options);
    cleanup.add(() => relay.close());
    const key = newKey();
    const p = pool([relay.url], { signer: key, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    const received: string[] = [];
    p.subscribe({ kinds: [1], "#t": ["rules"] }, { onevent: (e) => received.push(e.content) });
    const [first] = await p.publish(await p.sign(draft("before")));
    expect(first).toMatchObject({ ok: true });
    await waitFor(() => received.includes("before"), "the event back through the authenticated REQ");
    expect(p.status()[0]?.auth).toBe("accepted");

    await relay.close(); // forced reconnect: a fresh connection must authenticate again
    relay = await startRelay(options);
    const [second] = await p.publish(await p.sign(draft("after")));
    expect(second).toMatchObject({ ok: true });
    await waitFor(() => received.includes("after"), "the event through the re-sent REQ");
    expect(p.status()[0]).toMatchObject({ connects: 2, auth: "accepted" });
    expect(relay.metrics().auth.succeeded).toBe(1);
  });

  it("answers a relay that asks for AUTH only when refusing a REQ, then subscribes again", async () => {
    const authed = new WeakSet<WebSocket>();
    const stored = note(newKey(), "members only");
    const scripted = await scriptedRelay({
      challengeOnConnect: false,
      onAuth: (socket, event) => {
        authed.add(socket);
        send(socket, "OK", event.id, true, "");
      },
      onReq: (socket, subId) => {
        if (!authed.has(socket)) {
          send(socket, "CLOSED", subId, "auth-required: members only");
          send(socket, "AUTH", "late-challenge");
          return;
        }
        send(socket, "EVENT", subId, stored);
        send(socket, "EOSE", subId);
      },
    });
    const p = pool([scripted.url], { signer: newKey() });
    expect((await p.query({ kinds: [1] })).map((e) => e.content)).toEqual(["members only"]);
    expect(p.status()[0]?.auth).toBe("accepted");
  });

  it("without a signer, says the relay requires AUTH and that there is no key to answer it", async () => {
    const relay = await testRelay(cleanup, { auth: { write: true } });
    const [result] = await pool([relay.url]).publish(note(newKey(), "anonymous"));
    expect(result?.ok).toBe(false);
    expect(result?.reason).toMatch(/^auth-required: .*no key to answer it/);
  });

  it("reports a relay that refuses our AUTH, per relay, in the publish result and in status()", async () => {
    const scripted = await scriptedRelay({
      onAuth: (socket, event) => send(socket, "OK", event.id, false, "restricted: not a member"),
      onEvent: (socket, event) => send(socket, "OK", event.id, false, "auth-required: members only"),
    });
    const key = newKey();
    const p = pool([scripted.url], { signer: key });
    const [result] = await p.publish(await p.sign(draft("hello")));
    expect(result).toEqual({
      relay: normaliseRelayUrl(scripted.url),
      ok: false,
      reason: "relay refused our AUTH: restricted: not a member",
    });
    expect(p.status()[0]).toMatchObject({
      auth: "refused",
      lastError: "relay refused our AUTH: restricted: not a member",
    });
    expect(describeRelayTrouble(p.status())).toEqual([
      `${normaliseRelayUrl(scripted.url)}: relay refused our AUTH: restricted: not a member`,
    ]);
  });
});

describe("NIP-13 proof of work", () => {
  it("mines pool.sign'd events to the relay's min_pow_difficulty; unmined ones are refused with pow:", async () => {
    const relay = await testRelay(cleanup, { limits: { minPowDifficulty: 8 } });
    const key = newKey();
    const p = pool([relay.url], { signer: key });
    expect((await p.limits()).minPowDifficulty).toBe(8);
    const mined = await p.sign(draft("worked for it"));
    expect(countLeadingZeroBits(mined.id)).toBeGreaterThanOrEqual(8);
    expect(mined.tags.find((t) => t[0] === "nonce")?.[2]).toBe("8");
    expect(mined.pubkey).toBe(getPublicKey(key));
    expect((await p.publish(mined))[0]?.ok).toBe(true);
    const [lazy] = await p.publish(note(key, "no work"));
    expect(lazy).toMatchObject({ ok: false, reason: "pow: difficulty 8 required" });
  });

  it("JobClient signs through the pool that holds its key: requests and cancels carry the work", async () => {
    const relay = await testRelay(cleanup, { limits: { minPowDifficulty: 8 } });
    const key = newKey();
    const client = new JobClient(pool([relay.url], { signer: key }), key);
    const request = await client.prepareForRelays({ prompt: "mined", provider: getPublicKey(newKey()) });
    expect(countLeadingZeroBits(request.id)).toBeGreaterThanOrEqual(8);
    const [cancelled] = await client.cancel(request, "changed my mind");
    expect(cancelled?.ok).toBe(true);
  });

  it("learns the difficulty from a pow: refusal when the relay publishes no NIP-11, and refuses past the cap", async () => {
    const scripted = await scriptedRelay({
      onEvent: (socket, event) =>
        countLeadingZeroBits(event.id) >= 6
          ? send(socket, "OK", event.id, true, "")
          : send(socket, "OK", event.id, false, "pow: 6 bits of work required"),
    });
    const p = pool([scripted.url], { signer: newKey(), maxPowDifficulty: 5 });
    expect((await p.limits()).minPowDifficulty).toBe(0);
    // An unmined id has 6 leading zero bits by chance once in 64: take one that has fewer.
    let plain = await p.sign(draft("first try 0"));
    for (let i = 1; countLeadingZeroBits(plain.id) >= 6 && i < 100; i++)
      plain = await p.sign(draft(`first try ${i}`));
    const [refused] = await p.publish(plain);
    expect(refused).toMatchObject({ ok: false, reason: "pow: 6 bits of work required" });
    expect((await p.limits()).minPowDifficulty).toBe(6);
    await expect(p.sign(draft("second try"))).rejects.toMatchObject({
      name: "PowError",
      code: "pow-too-hard",
      difficulty: 6,
      cap: 5,
    });
  });

  it("re-signs with the learned difficulty and is accepted", async () => {
    const scripted = await scriptedRelay({
      onEvent: (socket, event) =>
        countLeadingZeroBits(event.id) >= 12
          ? send(socket, "OK", event.id, true, "")
          : send(socket, "OK", event.id, false, "pow: difficulty 12 required"),
    });
    const p = pool([scripted.url], { signer: newKey() });
    expect((await p.publish(await p.sign(draft("x"))))[0]?.ok).toBe(false);
    const resigned = await p.sign(draft("x")); // 12 > the inline threshold: mined on the worker thread
    expect(countLeadingZeroBits(resigned.id)).toBeGreaterThanOrEqual(12);
    expect((await p.publish(resigned))[0]?.ok).toBe(true);
  });
});

describe("OK and CLOSED prefixes", () => {
  it("stops writing to a relay that answered restricted:, and goes on reading from it", async () => {
    const writer = newKey();
    const [open, restricted] = await Promise.all([
      testRelay(cleanup),
      testRelay(cleanup, { restrictWrites: [getPublicKey(writer)] }),
    ]);
    const p = pool([open.url, restricted.url], { signer: newKey() });
    const first = await p.publish(await p.sign(draft("one")));
    expect(first.map((r) => r.ok)).toEqual([true, false]);
    expect(first[1]?.reason).toBe("restricted: this relay only accepts events from its listed authors");
    expect(p.status()[1]?.writesRefused).toBe(first[1]?.reason);
    const received = restricted.metrics().events.received;
    const second = await p.publish(await p.sign(draft("two")));
    expect(second[1]).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /^restricted: .*\(not sent again: the relay refused our writes earlier\)$/,
      ),
    });
    expect(restricted.metrics().events.received).toBe(received);
    expect(describeRelayTrouble(p.status())[0]).toMatch(/refuses our events \(restricted: /);

    const listed = testPool(cleanup, [restricted.url]);
    expect((await listed.publish(note(writer, "from a listed author")))[0]?.ok).toBe(true);
    const read = await p.query({ kinds: [1], authors: [getPublicKey(writer)] });
    expect(read.map((e) => e.content)).toEqual(["from a listed author"]);
  });

  it("backs off and re-sends an event refused as rate-limited:, within the publish deadline", async () => {
    const relay = await testRelay(cleanup, { limits: { eventsPerSecond: 10, eventBurst: 1 } });
    const p = pool([relay.url]);
    const key = newKey();
    const results = await Promise.all([0, 1, 2].map((i) => p.publish(note(key, `burst ${i}`))));
    expect(results.flat().map((r) => r.ok)).toEqual([true, true, true]);
    expect(relay.metrics().events.refused["rate-limited"]).toBeGreaterThan(0);
  });
});

describe("NIP-11 limits", () => {
  it("reads each relay's document once and takes the smallest limits over two relays", async () => {
    const [a, b] = await Promise.all([
      testRelay(cleanup, { limits: { maxMessageBytes: 16_384, maxEventTags: 500 } }),
      testRelay(cleanup, {
        limits: { maxEventBytes: 8_000, maxEventTags: 50, minPowDifficulty: 2 },
        auth: { read: true },
      }),
    ]);
    const p = pool([a.url, b.url]);
    expect((await p.relayInfo(a.url))?.limitation.maxMessageBytes).toBe(16_384);
    expect(await p.limits()).toMatchObject({
      maxMessageBytes: 16_384,
      maxContentBytes: 8_000,
      maxEventTags: 50,
      minPowDifficulty: 2,
      authRequired: true,
      restrictedWrites: false,
      paymentRequired: false,
      createdAtUpperLimit: 900,
    });
  });

  it("uses the conservative defaults for a relay without a document", async () => {
    const scripted = await scriptedRelay({});
    const p = pool([scripted.url]);
    expect(await p.relayInfo(scripted.url)).toBeUndefined();
    expect(await p.limits()).toMatchObject({
      maxMessageBytes: 65_536,
      maxContentBytes: 32_768,
      maxEventTags: 100,
    });
  });

  it("clamps a filter's limit to max_limit and refuses a REQ with more filters than max_filters", async () => {
    const reqs: unknown[][] = [];
    const scripted = await scriptedRelay({
      info: { limitation: { max_limit: 3, max_filters: 2 } },
      onReq: (socket, subId, filters) => {
        reqs.push(filters);
        send(socket, "EOSE", subId);
      },
    });
    const p = pool([scripted.url]);
    await p.query({ kinds: [1], limit: 50 });
    expect(reqs).toEqual([[{ kinds: [1], limit: 3 }]]);
    await expect(p.query([{ kinds: [1] }, { kinds: [2] }, { kinds: [3] }])).rejects.toThrow(
      /not subscribed: too many filters for this relay \(3; its NIP-11 max_filters is 2\)/,
    );
    expect(reqs).toHaveLength(1);
  });
});

describe("connection failures", () => {
  it("names a refused connection per relay", async () => {
    const down = `ws://127.0.0.1:${await unusedPort()}`;
    const p = pool([down], { publishTimeoutMs: 500 });
    await p.connect({ timeoutMs: 500 });
    const [line] = describeRelayTrouble(p.status());
    expect(line).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/: cannot connect: connection refused \(.*ECONNREFUSED/);
  });
});

// A relay scripted per test: NIP-11 document when `info` is given (else HTTP 404), an AUTH challenge on connect.
interface Script {
  info?: Record<string, unknown>;
  /** Send the AUTH challenge as soon as a client connects. Default true. */
  challengeOnConnect?: boolean;
  onAuth?: (socket: WebSocket, event: NostrEvent) => void;
  onEvent?: (socket: WebSocket, event: NostrEvent) => void;
  onReq?: (socket: WebSocket, subId: string, filters: unknown[]) => void;
}

const send = (socket: WebSocket, ...message: unknown[]): void => socket.send(JSON.stringify(message));

async function scriptedRelay(script: Script): Promise<{ url: string }> {
  const http = createServer((req, res) => {
    if (script.info && (req.headers.accept ?? "").includes("application/nostr+json")) {
      res.writeHead(200, { "content-type": "application/nostr+json" });
      res.end(JSON.stringify(script.info));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  const server = new WebSocketServer({ server: http });
  server.on("connection", (socket) => {
    if (script.challengeOnConnect !== false) send(socket, "AUTH", "challenge-1");
    socket.on("message", (data) => {
      const [type, ...rest] = JSON.parse(String(data)) as [string, ...unknown[]];
      if (type === "AUTH") {
        if (script.onAuth) script.onAuth(socket, rest[0] as NostrEvent);
        else send(socket, "OK", (rest[0] as NostrEvent).id, true, "");
      }
      if (type === "EVENT") script.onEvent?.(socket, rest[0] as NostrEvent);
      if (type === "REQ") {
        if (script.onReq) script.onReq(socket, String(rest[0]), rest.slice(1));
        else send(socket, "EOSE", rest[0]);
      }
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", () => resolve()));
  cleanup.add(
    () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close();
        http.close(() => resolve());
      }),
  );
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}` };
}
