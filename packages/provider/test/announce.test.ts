import { isProviderLive, type ProviderAnnouncement, parseAnnouncement } from "@pylon/protocol";
import { Cleanup, sleep, unusedPort, waitFor } from "@pylon/testkit";
import { startTestRelay } from "@pylon/testkit/market";
import { afterAll, describe, expect, it } from "vitest";
import { buyerClient, startNode, tinyModel } from "./helpers/harness.js";

const cleanup = new Cleanup();
afterAll(() => cleanup.run());

describe("NIP-89 announcement", () => {
  it("announces models, price, capacity and encryption at start, refreshes its heartbeat, and goes offline on stop", async () => {
    const model = await tinyModel(cleanup);
    const relayUrl = (await startTestRelay(cleanup)).url;
    const node = await startNode(cleanup, {
      relays: [relayUrl],
      model,
      free: false,
      prices: { inputPer1k: 100, outputPer1k: 300, minimum: 5 },
      allowedMints: ["http://127.0.0.1:3338"],
      slots: 3,
      queue: 5,
      name: "test node",
      about: "serves tests",
      announceIntervalSec: 1,
    });
    const { pool } = buyerClient(cleanup, relayUrl);
    const latest = async (): Promise<ProviderAnnouncement> => {
      const [event] = await pool.query({
        kinds: [31990],
        authors: [node.pubkey],
        "#k": ["5050"],
        "#t": ["pylon"],
      });
      const parsed = parseAnnouncement(event);
      if (!parsed.ok) throw new Error(parsed.reason);
      return parsed.announcement;
    };

    const first = await latest();
    const price = { inputMsatsPer1k: 100, outputMsatsPer1k: 300, minimumMsats: 5 };
    expect(first).toMatchObject({
      name: "test node",
      about: "serves tests",
      isPylon: true,
      status: "online",
      kinds: [5050],
      handlerId: "pylon",
      models: [{ name: "tiny", contextLength: 2048, maxOutputTokens: 1024, price }],
      price,
      capacity: { slots: 3, maxQueue: 5 },
      load: { active: 0, queued: 0 },
      encryption: ["nip44", "nip04"],
      payment: { methods: ["cashu"], mints: ["http://127.0.0.1:3338"] },
    });
    expect(isProviderLive(first, Math.floor(Date.now() / 1000))).toBe(true);
    expect(first.expiration).toBeGreaterThan(first.createdAt);

    // Refreshed every second: a later created_at and heartbeat replace the first (same `d` tag).
    let refreshed = first;
    const deadline = Date.now() + 5_000;
    while (refreshed.createdAt === first.createdAt && Date.now() < deadline) {
      await sleep(200);
      refreshed = await latest();
    }
    expect(refreshed.id).not.toBe(first.id);
    expect(refreshed.heartbeat).toBeGreaterThan(first.heartbeat);
    expect(refreshed.status).toBe("online");

    await node.stop();
    const last = await latest();
    expect(last.status).toBe("offline");
    expect(last.createdAt).toBeGreaterThan(refreshed.createdAt);
    expect(isProviderLive(last, Math.floor(Date.now() / 1000))).toBe(false);
  });
});

describe("an announcement no relay took", () => {
  it("is published again within seconds once a relay is up, not at the next refresh", async () => {
    const model = await tinyModel(cleanup);
    const port = await unusedPort();
    // Nothing listens yet: the first announcement reaches no relay.
    const node = await startNode(cleanup, {
      relays: [`ws://127.0.0.1:${port}`],
      model,
      name: "late relay node",
      announceIntervalSec: 600,
    });
    await sleep(500);
    const relayUrl = (await startTestRelay(cleanup, { port })).url;
    const { pool } = buyerClient(cleanup, relayUrl);
    const found = await waitFor(
      async () => {
        const events = await pool.query({ kinds: [31990], authors: [node.pubkey] });
        return events.length > 0 ? events : undefined;
      },
      "the announcement on the relay that came up",
      20_000,
      250,
    );
    expect(parseAnnouncement(found[0]).ok).toBe(true);
  }, 40_000);
});
