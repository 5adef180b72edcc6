/** NIP-11 information document and the /metrics endpoint, served by the relay's own HTTP server. */
import { describe, expect, it } from "vitest";
import type { RelayMetrics } from "../src/metrics.js";
import { connectedRelay, newKeys, relayForTest, sign } from "./helpers.js";

describe("HTTP endpoints", () => {
  it("serves NIP-11 with CORS on Accept: application/nostr+json", async () => {
    const pubkey = newKeys().pk;
    const relay = await relayForTest({
      info: { name: "test relay", description: "for tests", pubkey, contact: "ops@example.invalid" },
      auth: { write: true },
      limits: { maxSubscriptions: 7, maxEventBytes: 1234 },
    });
    const http = relay.url.replace("ws://", "http://");
    const res = await fetch(http, { headers: { accept: "application/nostr+json" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/nostr+json");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const info = await res.json();
    expect(info).toMatchObject({
      name: "test relay",
      description: "for tests",
      pubkey,
      contact: "ops@example.invalid",
      supported_nips: [1, 9, 11, 13, 40, 42],
      software: expect.any(String),
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      limitation: {
        max_subscriptions: 7,
        max_content_length: 1234,
        max_subid_length: 64,
        auth_required: true,
        restricted_writes: true,
        created_at_upper_limit: 900,
      },
    });
    const preflight = await fetch(http, { method: "OPTIONS" });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toBe("*");
    const plain = await fetch(http);
    expect(plain.headers.get("content-type")).toMatch(/^text\/plain/);
    expect((await fetch(`${http}/nope`)).status).toBe(404);
  });

  it("serves metrics as JSON matching metrics()", async () => {
    const { relay, client } = await connectedRelay();
    await client.publish(sign(newKeys()));
    client.send("nonsense");
    await client.next((m) => m[0] === "NOTICE");
    const res = await fetch(`${relay.url.replace("ws://", "http://")}/metrics`);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as RelayMetrics;
    expect(body.connections).toEqual({ open: 1, total: 1 });
    expect(body.events).toMatchObject({ received: 1, stored: 1, inStore: 1 });
    expect(body.messages.invalid).toBe(1);
    expect(relay.metrics().events.stored).toBe(body.events.stored);
  });

  it("rejects bad options before starting", async () => {
    await expect(relayForTest({ limits: { maxFilters: -1 } })).rejects.toThrow(/maxFilters/);
    await expect(relayForTest({ limits: { nonsense: 1 } as never })).rejects.toThrow(/unknown relay limit/);
    await expect(relayForTest({ port: 70_000 })).rejects.toThrow(/port/);
    await expect(relayForTest({ verifier: "gpu" as never })).rejects.toThrow(/verifier/);
    await expect(relayForTest({ db: "/nonexistent-dir/relay.db" })).rejects.toThrow(
      /directory does not exist/,
    );
  });

  it("fails cleanly when the port is taken", async () => {
    const first = await relayForTest();
    await expect(relayForTest({ port: first.port })).rejects.toThrow(/EADDRINUSE/);
    expect(first.metrics().connections.open).toBe(0);
  });
});
