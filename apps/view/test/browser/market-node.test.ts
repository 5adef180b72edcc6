/**
 * The market and node pages in real Chromium, from real parts: a local relay, a local test mint and paid
 * provider nodes on a SCRIPTED backend (@pylon/testkit/market), a swarm buying a few jobs through tabs; the
 * market snapshot comes from a standing provider directory on the relay (@pylon/swarm's watchProviders),
 * the node snapshot from one node's data dir (@pylon/provider's readNodeActivity), the way `pylon view`
 * builds them. Writes docs/images/view-market.png and view-node.png.
 */
import { readNodeActivity } from "@pylon/provider";
import { cashuTabStrategy, createSwarm, type ProviderWatch, watchProviders } from "@pylon/swarm";
import { Cleanup, tempDir, waitFor } from "@pylon/testkit";
import { MODEL, scriptedNode, startLocalMarket } from "@pylon/testkit/market";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { MarketSnapshot, NodeSnapshot } from "../../src/api.js";
import { type RunningViewServer, startViewServer } from "../../src/index.js";
import { npubOf } from "../../src/server/npub.js";
import { browserSuite, launchChromium, newPage, screenshot } from "./chromium.js";

const cleanup = new Cleanup();
let browser: Browser;
let server: RunningViewServer;
let relayUrl: string;
let mintUrl: string;
let nodeDir: string;
let nodeKey: string;
let watch: ProviderWatch;

function marketSnapshot(): MarketSnapshot {
  const relays = watch.relays();
  return {
    relays: relays.map((r) => ({ url: r.relay, connected: r.state === "open" })),
    providers: watch.providers().map((p) => ({
      pubkey: p.pubkey,
      npub: npubOf(p.pubkey)!,
      name: p.name,
      models: p.models.map((m) => ({ name: m.name, ...(m.digest ? { digest: m.digest } : {}) })),
      ...(p.price ? { priceMsatsPer1kOutput: p.price.outputPer1k } : {}),
      ...(p.capacity ? { capacity: { slots: p.capacity.slots, queue: p.capacity.queue } } : {}),
      ...(p.load ? { jobs: { active: p.load.active, queued: p.load.queued } } : {}),
      live: p.live,
      lastSeenAt: Date.now() - p.lastSeenSec * 1000,
      relays: relays.map((r) => r.relay),
    })),
    at: Date.now(),
  };
}

function nodeSnapshot(): NodeSnapshot {
  const activity = readNodeActivity(nodeDir);
  const jobs = activity?.jobs;
  return {
    name: "SCRIPTED home node",
    pubkey: nodeKey,
    model: MODEL,
    jobs: {
      running: jobs?.running ?? 0,
      queued: (jobs?.queued ?? 0) + (jobs?.received ?? 0),
      done: jobs?.done ?? 0,
      failed: (jobs?.failed ?? 0) + (jobs?.cancelled ?? 0),
    },
    tokensPerSecond: activity?.tokensPerSecond ?? [],
    earnings: { sats: Math.floor((activity?.chargedMsats ?? 0) / 1000), jobs: activity?.chargedJobs ?? 0 },
    tabs: (activity?.tabs ?? []).map((t) => ({
      buyer: t.buyer,
      balanceSats: t.balanceMsats / 1000,
      chargedSats: t.chargedMsats / 1000,
      openedAt: t.openedAt,
    })),
    at: Date.now(),
  };
}

browserSuite("the market and node pages", () => {
  beforeAll(async () => {
    const market = await startLocalMarket(cleanup, { providers: 2, paid: true, node: { latencyMs: 40 } });
    relayUrl = market.relay.url;
    mintUrl = market.mint!.url;
    nodeDir = await tempDir(cleanup, "pylon-view-node-");
    const home = await scriptedNode(cleanup, {
      relays: [relayUrl],
      mintUrl,
      name: "SCRIPTED home node",
      latencyMs: 40,
      config: { dataDir: nodeDir },
    });
    nodeKey = home.node.pubkey;
    // A buyer pays for a few jobs through tabs, so the node has work, earnings and a tab to show.
    const swarm = cleanup.use(
      await createSwarm({
        relays: [relayUrl],
        payment: cashuTabStrategy({ wallet: market.wallet!, mintUrl, depositSats: 20 }),
        hedge: false,
        batch: false,
        trust: { checks: false },
      }),
      (s) => s.close(),
    );
    await swarm.directory.waitFor(3);
    const asks = Array.from({ length: 18 }, (_, i) => ({
      messages: [{ role: "user" as const, content: `SCRIPTED question ${i}` }],
      maxTokens: 32,
      depth: 1,
      runId: "view-market-test",
    }));
    await swarm.complete(asks, new AbortController().signal);
    watch = cleanup.use(await watchProviders({ relays: [relayUrl], timeoutMs: 5_000 }), (w) => w.close());
    await waitFor(() => watch.providers().length === 3, "the directory to hear the three nodes");
    const runsDir = await tempDir(cleanup, "pylon-view-runs-");
    server = cleanup.use(
      await startViewServer({
        runsDir,
        market: async () => marketSnapshot(),
        node: async () => nodeSnapshot(),
      }),
      (s) => s.close(),
    );
    browser = cleanup.use(await launchChromium(), (b) => b.close());
  }, 120_000);
  afterAll(() => cleanup.run(), 30_000);

  it("lists the providers on the relay and picks up a new one on its own", async () => {
    const { page, problems } = await newPage(browser);
    await page.goto(server.url);
    await page.getByRole("link", { name: "Market" }).click();
    const rows = page.locator("table.grid tbody tr");
    await expect.poll(() => rows.count()).toBe(3);
    const text = (await page.locator("table.grid").textContent()) ?? "";
    for (const p of watch.providers()) {
      expect(text).toContain(p.name);
      expect(text).toContain(npubOf(p.pubkey)!.slice(0, 12));
    }
    expect(text).toContain(MODEL);
    expect(await page.locator(".relays").textContent()).toContain(relayUrl);
    expect(await page.locator(".relays .badge").first().textContent()).toBe("connected");
    // A node that joins later appears without a reload (the page refreshes every few seconds).
    await scriptedNode(cleanup, { relays: [relayUrl], mintUrl, name: "SCRIPTED late node" });
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(4);
    expect(await page.locator("table.grid").textContent()).toContain("SCRIPTED late node");
    await screenshot(page, "market");
    expect(problems).toEqual([]);
  });

  it("shows the node's jobs, throughput, earnings and tabs from its data dir", async () => {
    const { page, problems } = await newPage(browser);
    await page.goto(server.url);
    await page.getByRole("link", { name: "Node" }).click();
    const activity = readNodeActivity(nodeDir)!;
    expect(activity.jobs.done).toBeGreaterThan(0);
    const stat = (label: string) => page.locator(".stat", { hasText: label }).locator(".value").textContent();
    await expect.poll(() => stat("Done")).toBe(String(activity.jobs.done));
    expect(await stat("Earned")).toBe(`${Math.floor(activity.chargedMsats / 1000)} sat`);
    expect(await page.locator("h1").textContent()).toBe("Node SCRIPTED home node");
    // The throughput chart is a uPlot canvas; the tabs table lists the buyer's tab.
    expect(await page.locator("figure.chart canvas").count()).toBeGreaterThan(0);
    expect(await page.locator("section.card table.grid tbody tr").count()).toBe(activity.tabs.length);
    expect(activity.tabs.length).toBeGreaterThan(0);
    await screenshot(page, "node");
    expect(problems).toEqual([]);
  });
});
