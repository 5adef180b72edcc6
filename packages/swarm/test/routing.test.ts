/**
 * Requests go where their provider is heard: over two real relays (ours and the foreign one, real
 * WebSockets), the directory learns each provider's relays from its stored announcements (every relay that
 * holds one) and its live ones (the relay that delivered each first), and a swarm publishes each job
 * request only there. A relay that carried every request would hand each one to
 * every provider listening on it (the foreign relay ignores tag filters when it fans out): at a thousand
 * providers that fan-out was what loaded the machine.
 */
import { normaliseRelayUrl, RelayPool } from "@pylon/nostr";
import { Cleanup } from "@pylon/testkit";
import { scriptedNode, startForeignRelay, startTestRelay } from "@pylon/testkit/market";
import { afterAll, describe, expect, it } from "vitest";
import { ProviderDirectory } from "../src/directory.js";
import { ask, NO_CHECKS, signedAnnouncement, startSwarm } from "./harness.js";

const cleanup = new Cleanup();
afterAll(() => cleanup.run(), 30_000);

describe("routing requests to the relays a provider is heard on", () => {
  it("learns each provider's relays, and sends each request only there", async () => {
    const ours = await startTestRelay(cleanup);
    const foreign = await startForeignRelay(cleanup);
    // A node on ours and one on both announce before the buyer starts (it reads them stored: every relay
    // holding one is learned), one on the foreign relay after (live: the relay that delivered it first).
    const onOurs = await scriptedNode(cleanup, { relays: [ours.url], name: "ours" });
    const onBoth = await scriptedNode(cleanup, { relays: [ours.url, foreign.url], name: "both" });
    const swarm = await startSwarm(cleanup, { relays: [ours.url, foreign.url], trust: NO_CHECKS }, 2);
    const onForeign = await scriptedNode(cleanup, { relays: [foreign.url], name: "foreign" });
    await swarm.directory.waitFor(3, 10_000);
    const [oursUrl, foreignUrl] = [ours.url, foreign.url].map(normaliseRelayUrl) as [string, string];
    const relaysOf = (pubkey: string) => [...(swarm.directory.get(pubkey)?.relays ?? [])].sort();
    expect(relaysOf(onOurs.node.pubkey)).toEqual([oursUrl]);
    expect(relaysOf(onForeign.node.pubkey)).toEqual([foreignUrl]);
    expect(relaysOf(onBoth.node.pubkey)).toEqual([oursUrl, foreignUrl].sort());

    const results = await swarm.complete(
      Array.from({ length: 30 }, (_, i) => ask(`routed ${i}`)),
      new AbortController().signal,
    );
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const used = new Set(results.map((r) => r.provider));
    expect(used.has(onOurs.node.pubkey) && used.has(onForeign.node.pubkey)).toBe(true);

    // What each relay stored: requests (5050) addressed to whom.
    const addressees = async (url: string) => {
      const pool = new RelayPool([url]);
      try {
        const events = await pool.query({ kinds: [5050], limit: 500 }, { timeoutMs: 5_000 });
        return new Set(events.map((e) => e.tags.find((t) => t[0] === "p")?.[1]));
      } finally {
        pool.close();
      }
    };
    const atOurs = await addressees(ours.url);
    const atForeign = await addressees(foreign.url);
    expect(atOurs.has(onOurs.node.pubkey)).toBe(true);
    expect(atOurs.has(onForeign.node.pubkey)).toBe(false);
    expect(atForeign.has(onForeign.node.pubkey)).toBe(true);
    expect(atForeign.has(onOurs.node.pubkey)).toBe(false);
  }, 60_000);

  it("sends to every relay when none of the provider's is open", async () => {
    const up = await startTestRelay(cleanup);
    const pool = new RelayPool([up.url, "ws://127.0.0.1:9"]);
    cleanup.add(() => pool.close());
    await pool.connect({ timeoutMs: 500 });
    const directory = new ProviderDirectory(pool);
    const node = await scriptedNode(cleanup, { relays: [up.url] });
    cleanup.add(() => directory.stop());
    await directory.start({ eoseTimeoutMs: 1_000 });
    await directory.waitFor(1, 10_000);
    const upUrl = normaliseRelayUrl(up.url);
    expect(directory.get(node.node.pubkey)?.relays).toEqual([upUrl]);
    // A signed event routed to the closed relay only goes to the open one instead (not lost waiting).
    const event = signedAnnouncement({ name: "routed" });
    const results = await pool.publish(event, { relays: ["ws://127.0.0.1:9"], timeoutMs: 1_000 });
    expect(results.map((r) => r.relay).sort()).toEqual(pool.relays.slice().sort());
    expect(results.find((r) => r.relay === upUrl)?.ok).toBe(true);
    // Routed to the open one: the closed one is not tried at all.
    const routed = await pool.publish(event, { relays: [up.url], timeoutMs: 3_000 });
    expect(routed.map((r) => r.relay)).toEqual([upUrl]);
  }, 30_000);
});
