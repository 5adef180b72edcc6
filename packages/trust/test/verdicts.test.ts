/**
 * NIP-32 verdicts over our real relay (WebSockets on 127.0.0.1): one buyer publishes, another reads only
 * what the buyers it trusts signed. One relay here is a raw `ws` server scripted to lie (it answers every
 * query with labels nobody asked for), because an honest relay never does.
 */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { getPublicKey, type NostrEvent, normaliseRelayUrl, RelayPool, signEvent } from "@pylon/nostr";
import { buildVerdictLabel } from "@pylon/protocol";
import { Cleanup } from "@pylon/testkit";
import { startTestRelay } from "@pylon/testkit/market";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { publishVerdict, readVerdicts } from "../src/verdicts.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const newKey = () => new Uint8Array(randomBytes(32));
const jobId = () => randomBytes(32).toString("hex");

function pool(urls: string[], signer?: Uint8Array): RelayPool {
  const options = { connectTimeoutMs: 2_000, eoseTimeoutMs: 2_000, ...(signer ? { signer } : {}) };
  return cleanup.use(new RelayPool(urls, options), (p) => p.close());
}

/** A relay that answers every REQ with `events` then EOSE, whatever the filter asked for. */
async function lyingRelay(events: NostrEvent[]): Promise<string> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  server.on("connection", (socket) => {
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as unknown[];
      if (message[0] !== "REQ") return;
      for (const event of events) socket.send(JSON.stringify(["EVENT", message[1], event]));
      socket.send(JSON.stringify(["EOSE", message[1]]));
    });
  });
  cleanup.add(
    () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  );
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("verdicts", () => {
  it("buyer B trusting buyer A reads A's verdict; trusting nobody who labelled, B reads nothing", async () => {
    const relay = await startTestRelay(cleanup);
    const a = newKey();
    const provider = getPublicKey(newKey());
    const evidence = [jobId(), jobId()];
    const results = await publishVerdict(pool([relay.url], a), {
      provider,
      jobIds: evidence,
      reason: "5 strikes in 5 checks",
    });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ ok: true });

    const b = pool([relay.url], newKey());
    const trustingA = await readVerdicts(b, [getPublicKey(a)], { timeoutMs: 5_000 });
    expect([...trustingA]).toEqual([[provider, { authors: [getPublicKey(a)], jobIds: evidence }]]);

    const trustingOther = await readVerdicts(b, [getPublicKey(newKey())], { timeoutMs: 5_000 });
    expect(trustingOther.size).toBe(0);
    expect((await readVerdicts(b, [], { timeoutMs: 5_000 })).size).toBe(0);
  });

  it("counts each trusted author once per provider and merges their evidence", async () => {
    const relay = await startTestRelay(cleanup);
    const [a, c] = [newKey(), newKey()];
    const provider = getPublicKey(newKey());
    const [j1, j2, j3] = [jobId(), jobId(), jobId()];
    await publishVerdict(pool([relay.url], a), { provider, jobIds: [j1], reason: "first", now: 1_000 });
    await publishVerdict(pool([relay.url], a), { provider, jobIds: [j1, j2], reason: "again", now: 2_000 });
    await publishVerdict(pool([relay.url], c), { provider, jobIds: [j3], reason: "me too" });
    const reports = await readVerdicts(pool([relay.url]), [getPublicKey(a), getPublicKey(c)]);
    const entry = reports.get(provider);
    expect(entry?.authors.sort()).toEqual([getPublicKey(a), getPublicKey(c)].sort());
    expect(entry?.jobIds.sort()).toEqual([j1, j2, j3].sort());
  });

  it("ignores labels by authors not listed, and forgeries, even from a relay that hands them out", async () => {
    const relay = await startTestRelay(cleanup);
    const [a, stranger] = [newKey(), newKey()];
    const honestlyCaught = getPublicKey(newKey());
    const framed = getPublicKey(newKey());
    await publishVerdict(pool([relay.url], a), {
      provider: honestlyCaught,
      jobIds: [jobId()],
      reason: "caught",
    });
    // On the honest relay: the stranger's label, not asked for.
    await publishVerdict(pool([relay.url], stranger), { provider: framed, jobIds: [], reason: "lies" });
    // On the lying relay: the stranger's label again, and one claiming A's pubkey with the stranger's signature.
    const strangers = signEvent(
      buildVerdictLabel({ provider: framed, jobIds: [], reason: "lies", now: Math.floor(Date.now() / 1000) }),
      stranger,
    );
    const forged = { ...strangers, pubkey: getPublicKey(a) };
    const liar = await lyingRelay([strangers, forged]);

    const reader = pool([relay.url, liar]);
    const reports = await readVerdicts(reader, [getPublicKey(a)], { timeoutMs: 5_000 });
    expect([...reports.keys()]).toEqual([honestlyCaught]);
    // The liar was heard: its forgery failed verification, its stranger's label matched no filter.
    const heard = reader.status().find((s) => s.relay === normaliseRelayUrl(liar));
    expect(heard?.invalidEvents).toBeGreaterThan(0);
    expect(heard?.droppedEvents).toBeGreaterThan(0);
    expect(reports.get(honestlyCaught)?.authors).toEqual([getPublicKey(a)]);
  });

  it("refuses a trusted author that is not a hex pubkey, and a pool without a signer for publishing", async () => {
    const relay = await startTestRelay(cleanup);
    await expect(readVerdicts(pool([relay.url]), ["npub1notdecoded"])).rejects.toThrow(
      /trusted author must be a hex pubkey, got "npub1notdecoded"/,
    );
    const provider = getPublicKey(newKey());
    await expect(publishVerdict(pool([relay.url]), { provider, jobIds: [], reason: "" })).rejects.toThrow(
      /signer/,
    );
  });
});
