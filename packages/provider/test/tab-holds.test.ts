/**
 * A tab's reserve outlives no job (found by the soak: a tab that could never be closed, nor refunded on
 * expiry, because a reserve stayed held after every job had ended). Real mint (HTTP), real relays, real
 * SQLite; scripted (instant) backend.
 */
import path from "node:path";
import type { NostrEvent } from "@pylon/protocol";
import { tempDir, waitFor } from "@pylon/testkit";
import { scriptedNode } from "@pylon/testkit/market";
import Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import { WALLET_FILE } from "../src/payments/setup.js";
import { JobStore } from "../src/store/job-store.js";
import { PAID_ACTUAL_MSATS, PAID_JOB, PAID_OUTPUT, PAID_QUOTE_MSATS, paidSuite } from "./helpers/cashu.js";
import { type BuyerClient, buyerClient, tag } from "./helpers/harness.js";
import { startHostileRelay } from "./helpers/hostile-relay.js";
import { lockedTokenFor } from "./helpers/paid-job.js";

const market = paidSuite({ inputFeePpk: 100, fundSats: 1_000 });
const { cleanup } = market;
const DEPOSIT_SATS = 20;

/** A node's first life on the market's relay: the buyer opens a tab (one job), then the node stops. */
async function tabOpened(dataDir: string): Promise<{ me: BuyerClient; provider: string }> {
  const { node, target } = await market.node({ dataDir });
  const me = buyerClient(cleanup, market.relayUrl);
  const opened = await me.client.submit({
    ...PAID_JOB,
    provider: node.pubkey,
    encryption: "nip44",
    extraParams: { tab: "open" },
    cashuToken: await lockedTokenFor(market.buyer, target, DEPOSIT_SATS),
  });
  expect(opened.result.tabMsats).toBe(DEPOSIT_SATS * 1000 - PAID_ACTUAL_MSATS);
  await node.stop();
  return { me, provider: node.pubkey };
}

/** Jobs the node's job store holds as `state` (as a crash leaves them), with their requests. */
function storeJobs(dataDir: string, buyer: string, requests: NostrEvent[], state: "queued" | "failed"): void {
  const store = JobStore.open(path.join(dataDir, "provider.db"));
  try {
    const now = Math.floor(Date.now() / 1000);
    for (const event of requests) {
      store.recordRequest(event, now, { buyer, event, state: "received" });
      store.update(event.id, { state });
    }
  } finally {
    store.close();
  }
}

describe("tab reserves (scripted backend, real mint and relays)", () => {
  it("a tab job read in the same breath as the restart resumes jobs into a full queue still runs, and its reserve is settled", async () => {
    const dataDir = await tempDir(cleanup);
    const { me, provider } = await tabOpened(dataDir);
    // The crash left two jobs queued: on restart they are resumed past the bound, into a full queue (1 + 1).
    const interrupted = [
      me.client.prepare({ prompt: "interrupted one", provider }),
      me.client.prepare({ prompt: "interrupted two", provider }),
    ];
    storeJobs(dataDir, me.pubkey, interrupted, "queued");
    // A new job paid from the tab reaches the node with the EOSE that lets its start resume those jobs: its
    // place is checked before they are queued, its payment (the tab's reserve) taken, and it is queued after.
    const relay = await startHostileRelay(cleanup);
    const tabJob = me.client.prepare({ ...PAID_JOB, provider, encryption: "nip44" });
    relay.afterEose(5, tabJob);

    const { node } = await scriptedNode(cleanup, {
      relays: [relay.url],
      mintUrl: market.mint.url,
      responses: () => PAID_OUTPUT,
      latencyMs: 20,
      slots: 1,
      queue: 1,
      config: { dataDir },
    });
    const results = (id: string) => relay.published.find((e) => e.kind === 6050 && tag(e, "e")?.[1] === id);
    for (const event of [...interrupted, tabJob])
      await waitFor(() => results(event.id), "every job's result");
    await waitFor(() => node.payments?.tabTotals().reservedMsats === 0, "no reserve left on the tab");
    expect(node.payments?.tabTotals()).toMatchObject({
      depositedMsats: DEPOSIT_SATS * 1000,
      reservedMsats: 0,
      chargedMsats: 2 * PAID_ACTUAL_MSATS,
    });
    // A job counts as served once the relay's OK reaches the node, which may be after the test sees the result.
    await waitFor(() => node.status().jobs.served === 3, "the node counting every result served");
    expect(node.status().jobs).toMatchObject({ resumed: 2, served: 3 });
  });

  it("at start, releases a reserve its ended job left held (nothing charged, one log line), and leaves a queued job's to its run", async () => {
    const dataDir = await tempDir(cleanup);
    const { me, provider } = await tabOpened(dataDir);
    // Two requests for the standard paid job (distinct ids: each encryption has its own nonce).
    const ended = me.client.prepare({ ...PAID_JOB, provider, encryption: "nip44" });
    const queued = me.client.prepare({ ...PAID_JOB, provider, encryption: "nip44" });
    storeJobs(dataDir, me.pubkey, [ended], "failed");
    storeJobs(dataDir, me.pubkey, [queued], "queued");
    // Both reserved on the tab, as an earlier run (or version) left them.
    const db = new Database(path.join(dataDir, WALLET_FILE));
    try {
      const now = Math.floor(Date.now() / 1000);
      for (const { id } of [ended, queued]) {
        db.prepare(
          `UPDATE tabs SET balance_msats = balance_msats - ?, reserved_msats = reserved_msats + ? WHERE buyer = ?`,
        ).run(PAID_QUOTE_MSATS, PAID_QUOTE_MSATS, me.pubkey);
        db.prepare(
          "INSERT INTO tab_holds (job_id, buyer, reserved_msats, state, created_at) VALUES (?, ?, ?, 'held', ?)",
        ).run(id, me.pubkey, PAID_QUOTE_MSATS, now);
      }
    } finally {
      db.close();
    }

    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    cleanup.add(() => errors.mockRestore());
    const { node } = await market.node({ dataDir });
    // The queued job runs (resumed) and is charged what it used; the ended one is charged nothing.
    await waitFor(() => node.status().jobs.served === 1, "the queued job's result");
    expect(node.status().jobs.resumed).toBe(1);
    expect(node.payments?.tabTotals()).toEqual({
      depositedMsats: DEPOSIT_SATS * 1000,
      balanceMsats: DEPOSIT_SATS * 1000 - 2 * PAID_ACTUAL_MSATS,
      reservedMsats: 0,
      chargedMsats: 2 * PAID_ACTUAL_MSATS,
      refundedMsats: 0,
    });
    const released = errors.mock.calls
      .map((call) => String(call[0]))
      .filter((l) => /reserve outlived/.test(l));
    expect(released).toEqual([
      `pylon node: job ${ended.id.slice(0, 12)}: its tab reserve outlived it (job failed); released, nothing charged`,
    ]);
  });
});
