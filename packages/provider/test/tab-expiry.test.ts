import { randomUUID } from "node:crypto";
import path from "node:path";
import type { Backend } from "@pylon/inference";
import { createScriptedBackend } from "@pylon/inference/scripted";
import { receiveTabRefunds } from "@pylon/swarm";
import { tempDir, waitFor } from "@pylon/testkit";
import { MODEL } from "@pylon/testkit/market";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { WALLET_FILE } from "../src/payments/setup.js";
import { TAB_REFUND_STATUS } from "../src/payments/tab-refunder.js";
import { PAID_ACTUAL_MSATS, PAID_JOB, PAID_OUTPUT, paidSuite } from "./helpers/cashu.js";
import { buyerClient, collect } from "./helpers/harness.js";
import { lockedTokenFor } from "./helpers/paid-job.js";

// Real mint (HTTP, 100 ppk input fee), real relay, real SQLite; scripted (instant) backend.
const market = paidSuite({ inputFeePpk: 100, fundSats: 1_000 });
const { cleanup } = market;

const ACTUAL_MSATS = PAID_ACTUAL_MSATS;
const job = PAID_JOB;
const TTL_SEC = 2;

function paidNode(dataDir: string, backend?: Backend) {
  return market.node({
    dataDir,
    payments: { tabTtlSec: TTL_SEC, tabSweepSec: 1 },
    ...(backend ? { backend } : {}),
  });
}

describe("tab expiry refunds (scripted backend, real mint and relay)", () => {
  it("refunds an expired tab on its own, once, also across a restart; the buyer receives it", async () => {
    const dataDir = await tempDir(cleanup);
    const { node, target } = await paidNode(dataDir);
    const me = buyerClient(cleanup, market.relayUrl);
    const deposit = await lockedTokenFor(market.buyer, target, 20);
    const opened = await me.client.submit({
      ...job,
      provider: node.pubkey,
      encryption: "nip44",
      extraParams: { tab: "open" },
      cashuToken: deposit,
    });
    expect(opened.result.tabMsats).toBe(20_000 - ACTUAL_MSATS);

    // The tab expires; the node refunds the whole sats and a relay takes the feedback.
    const [refund] = await waitFor(() => {
      const made = node.payments?.tabRefunds(me.pubkey) ?? [];
      return made.length > 0 && made[0]?.deliveredAt !== undefined ? made : undefined;
    }, "the expiry refund");
    const refundSats = Math.floor((20_000 - ACTUAL_MSATS) / 1000);
    expect(refund?.sats).toBe(refundSats);
    expect(refund?.jobId).toBe(opened.jobId);

    // The event: kind 7000 to the buyer about the opening job, the token encrypted.
    const events = await collect(me.pool, { kinds: [7000], authors: [node.pubkey], "#p": [me.pubkey] }, 300);
    const refundEvents = events.filter((e) => e.tags.some((t) => t[0] === "tab"));
    expect(refundEvents).toHaveLength(1);
    const tags = refundEvents[0]?.tags ?? [];
    expect(tags).toContainEqual(["e", opened.jobId]);
    expect(tags).toContainEqual(["p", me.pubkey]);
    expect(tags).toContainEqual(["status", "success", TAB_REFUND_STATUS]);
    expect(tags).toContainEqual(["tab", "0", String(refund?.expiresAt)]);
    expect(tags).toContainEqual(["encrypted"]);
    expect(tags).toContainEqual(["t", "pylon-tab-refund"]); // what the buyer's search filters on
    expect(refundEvents[0]?.content).not.toMatch(/cashu/);

    // The buyer finds it and takes it into its wallet; the refund carries its own input fee.
    const before = market.buyer.balance().total.unspent;
    const receipts = await receiveTabRefunds(me.pool, me.secretKey, market.buyer, { provider: node.pubkey });
    expect(receipts).toHaveLength(1);
    expect(receipts[0]?.receivedSats).toBe(refundSats);
    expect(market.buyer.balance().total.unspent).toBe(before + refundSats);

    // To the sat: deposit = charged + refunded + the sub-sat rest the node keeps.
    const totals = node.payments?.tabTotals();
    expect(totals).toEqual({
      depositedMsats: 20_000,
      balanceMsats: 20_000 - ACTUAL_MSATS - refundSats * 1000,
      reservedMsats: 0,
      chargedMsats: ACTUAL_MSATS,
      refundedMsats: refundSats * 1000,
    });

    // Restart: the delivered refund is neither made nor sent again.
    await node.stop();
    const second = await paidNode(dataDir);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(second.node.payments?.tabRefunds()).toHaveLength(1);
    expect(second.node.payments?.tabTotals()).toEqual(totals);
    const again = await collect(me.pool, { kinds: [7000], authors: [node.pubkey], "#p": [me.pubkey] }, 300);
    expect(again.filter((e) => e.tags.some((t) => t[0] === "tab"))).toHaveLength(1);
    await second.node.stop();

    // A refund recorded but not delivered (crash before a relay took it) is sent again after a restart,
    // the same token: nothing minted twice.
    const db = new Database(path.join(dataDir, WALLET_FILE));
    db.prepare("UPDATE tab_refunds SET delivered_at = NULL").run();
    // The operations that minted a refund token (a send, or a redeem that paid the refund in its swap).
    const minted = "SELECT COUNT(*) AS n FROM operations WHERE json_extract(detail, '$.token') IS NOT NULL";
    const sends = (db.prepare(minted).get() as { n: number }).n;
    db.close();
    expect(sends).toBeGreaterThan(0);
    const third = await paidNode(dataDir);
    await waitFor(() => third.node.payments?.tabRefunds()[0]?.deliveredAt !== undefined, "the re-delivery");
    const resent = (
      await collect(me.pool, { kinds: [7000], authors: [node.pubkey], "#p": [me.pubkey] }, 300)
    ).filter((e) => e.tags.some((t) => t[0] === "tab"));
    expect(resent).toHaveLength(2);
    expect(third.node.payments?.tabRefunds()).toHaveLength(1);
    expect(third.node.payments?.tabTotals()).toEqual(totals);
    await third.node.stop();
    const check = new Database(path.join(dataDir, WALLET_FILE));
    expect((check.prepare(minted).get() as { n: number }).n).toBe(sends);
    check.close();
    // Taking the same token again credits nothing.
    const twice = await receiveTabRefunds(me.pool, me.secretKey, market.buyer, { provider: node.pubkey });
    expect(twice.every((r) => r.receivedSats === 0 && r.error !== undefined)).toBe(true);
    expect(market.buyer.balance().total.unspent).toBe(before + refundSats);
  });

  it("does not refund a tab while a job on it is running; refunds once it settled", async () => {
    const real = createScriptedBackend({ responses: () => PAID_OUTPUT, model: MODEL });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const gated: Backend = {
      ...real,
      generate: async (request, options) => {
        if (++calls === 2) await gate;
        return real.generate(request, options);
      },
    };
    const { node, target } = await paidNode(await tempDir(cleanup), gated);
    const me = buyerClient(cleanup, market.relayUrl);
    const ask = (extra: Record<string, string> = {}, cashuToken?: string) =>
      me.client.submit({
        ...job,
        provider: node.pubkey,
        encryption: "nip44",
        extraParams: extra,
        ...(cashuToken ? { cashuToken } : {}),
      });
    await ask({ tab: "open" }, await lockedTokenFor(market.buyer, target, 20));
    const running = ask();
    await waitFor(() => calls === 2, "the second job to start");
    // Past the expiry and two sweeps: the reserve blocks the refund.
    await new Promise((resolve) => setTimeout(resolve, (TTL_SEC + 2) * 1000));
    expect(node.payments?.tabRefunds()).toHaveLength(0);
    expect(node.payments?.tabTotals().reservedMsats).toBeGreaterThan(0);
    release();
    const served = await running;
    expect(served.output).toBe("paid output");
    const [refund] = await waitFor(() => {
      const made = node.payments?.tabRefunds() ?? [];
      return made.length > 0 ? made : undefined;
    }, "the refund after the job settled");
    expect(refund?.sats).toBe(Math.floor((20_000 - 2 * ACTUAL_MSATS) / 1000));
    expect(node.payments?.tabTotals()).toMatchObject({ reservedMsats: 0, chargedMsats: 2 * ACTUAL_MSATS });
  });

  it("finishes a close the buyer gave up on after a minute, long before the tab expires, and delivers its refund", async () => {
    const dataDir = await tempDir(cleanup);
    const live = <T extends { stop(): Promise<void> }>(node: T): T => cleanup.use(node, (n) => n.stop());
    const longLived = () => market.node({ dataDir, payments: { tabTtlSec: 3_600, tabSweepSec: 1 } });
    const first = await longLived();
    const me = buyerClient(cleanup, market.relayUrl);
    await me.client.submit({
      ...job,
      provider: first.node.pubkey,
      encryption: "nip44",
      extraParams: { tab: "open" },
      cashuToken: await lockedTokenFor(market.buyer, first.target, 20),
    });
    await first.node.stop();
    const refundSats = Math.floor((20_000 - ACTUAL_MSATS) / 1000);
    // A close written ahead (its refund's operation id claimed) and left unfinished, as when the buyer
    // stopped waiting while the mint was slow; `ago`: seconds since it was last touched.
    const leaveClose = (ago: number) => {
      const db = new Database(path.join(dataDir, WALLET_FILE));
      db.prepare("UPDATE tabs SET closing_op = ?, closing_sats = ?, updated_at = ? WHERE buyer = ?").run(
        randomUUID(),
        refundSats,
        Math.floor(Date.now() / 1000) - ago,
        me.pubkey,
      );
      db.close();
    };

    leaveClose(5); // the buyer may still ask again: left alone
    const second = live((await longLived()).node);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(second.payments?.tabRefunds()).toHaveLength(0);
    await second.stop();

    leaveClose(120);
    const third = live((await longLived()).node);
    const [refund] = await waitFor(() => {
      const made = third.payments?.tabRefunds(me.pubkey) ?? [];
      return made[0]?.deliveredAt !== undefined ? made : undefined;
    }, "the unfinished close's refund");
    expect(refund?.sats).toBe(refundSats);
    const before = market.buyer.balance().total.unspent;
    const receipts = await receiveTabRefunds(me.pool, me.secretKey, market.buyer, { provider: third.pubkey });
    expect(receipts.map((r) => r.receivedSats)).toEqual([refundSats]);
    expect(market.buyer.balance().total.unspent).toBe(before + refundSats);
    expect(third.payments?.tabTotals()).toMatchObject({ refundedMsats: refundSats * 1000, reservedMsats: 0 });
  });
});
