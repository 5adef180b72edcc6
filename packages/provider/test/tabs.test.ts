import path from "node:path";
import type { JobError } from "@pylon/nostr";
import { tempDir } from "@pylon/testkit";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { countMintCalls, PAID_ACTUAL_MSATS, PAID_JOB, paidSuite } from "./helpers/cashu.js";
import { buyerClient } from "./helpers/harness.js";
import { lockedTokenFor } from "./helpers/paid-job.js";

// Real mint (HTTP), real relay (WebSockets), real SQLite; scripted (instant) backend counting generate().
const market = paidSuite({ inputFeePpk: 100, fundSats: 1_000 });
const { cleanup } = market;

const ACTUAL_MSATS = PAID_ACTUAL_MSATS;

/** The kinds of the node wallet's operations that minted a bearer token (a refund), read from its file. */
function tokenOperations(dataDir: string): string[] {
  const db = new Database(path.join(dataDir, "wallet.db"), { readonly: true });
  try {
    const rows = db
      .prepare("SELECT kind FROM operations WHERE json_extract(detail, '$.token') IS NOT NULL")
      .all() as Array<{ kind: string }>;
    return rows.map((r) => r.kind);
  } finally {
    db.close();
  }
}
const job = PAID_JOB;

describe("Cashu tabs (scripted backend, real mint and relay)", () => {
  it("deposits once, debits each job its actual cost with no mint call, returns the rest as a token", async () => {
    const dataDir = await tempDir(cleanup);
    const { node, calls, target } = await market.node({ dataDir });
    const { client } = buyerClient(cleanup, market.relayUrl);
    const ask = (extra: Record<string, string> = {}, cashuToken?: string, prompt = job.prompt) =>
      client.submit({
        ...job,
        prompt,
        provider: node.pubkey,
        encryption: "nip44",
        extraParams: extra,
        ...(cashuToken ? { cashuToken } : {}),
      });

    const deposit = await lockedTokenFor(market.buyer, target, 20);
    const opened = await ask({ tab: "open" }, deposit);
    expect(opened.output).toBe("paid output");
    const credited = node.status().earnings?.creditedSats ?? 0;
    expect(credited).toBe(20);
    expect(opened.result.tabMsats).toBe(20_000 - ACTUAL_MSATS);

    // The same deposit again is a replay: refused, nothing credited, no work.
    const replayed = (await ask({ tab: "open" }, deposit).catch((e: unknown) => e)) as JobError;
    expect(replayed.message).toMatch(/payment refused \(replayed\)/);
    expect(node.status().earnings?.creditedSats).toBe(20);
    expect(calls()).toBe(1);

    // The hot path: jobs paid from the tab make no mint call at all.
    const mintCalls = countMintCalls(cleanup);
    let balance = opened.result.tabMsats ?? 0;
    for (let i = 0; i < 5; i++) {
      const served = await ask();
      expect(served.output).toBe("paid output");
      expect(served.result.tabMsats).toBe(balance - ACTUAL_MSATS);
      balance = served.result.tabMsats ?? 0;
    }
    mintCalls.stop();
    expect(mintCalls.count()).toBe(0);
    expect(calls()).toBe(6);

    // A job whose maximum cost exceeds the balance is not admitted.
    const tooBig = (await ask({}, undefined, "x".repeat(8_000)).catch((e: unknown) => e)) as JobError;
    expect(tooBig.code).toBe("payment-required");
    expect(tooBig.feedback[0]?.extra).toMatch(/your tab holds \d+ msats, not enough/);
    expect(calls()).toBe(6);

    // A plaintext close is refused: its refund, a bearer token, would be public.
    const plain = (await client
      .submit({ ...job, provider: node.pubkey, extraParams: { tab: "close" } })
      .catch((e: unknown) => e)) as JobError;
    expect(plain.message).toMatch(/close a tab with an encrypted request/);

    // Close: the whole sats of the balance come back as a token the buyer can receive. The node holds no
    // ecash of its own yet (the deposit is not redeemed): the refund rides on the redeem's one swap.
    expect(node.status().earnings).toMatchObject({ walletSats: 0, heldSats: 21 }); // 20 and its redeem fee
    const before = market.buyer.balance().total.unspent;
    const closeCalls = countMintCalls(cleanup);
    const closed = await ask({ tab: "close" });
    closeCalls.stop();
    expect(closeCalls.countOf("/v1/swap")).toBe(1);
    expect(tokenOperations(dataDir)).toEqual(["redeem"]); // not a redeem and then a send
    expect(closed.output).toMatch(/^cashuB/);
    const refundSats = Math.floor(balance / 1000);
    expect(closed.result.tabMsats).toBe(balance - refundSats * 1000);
    const received = await market.buyer.receive(closed.output);
    expect(received.amount).toBe(refundSats);
    // The refund token carries the input fee of swapping it in (paid by the provider): the buyer nets it all.
    expect(market.buyer.balance().total.unspent).toBe(before + refundSats);
    expect(calls()).toBe(6);

    const totals = node.payments?.tabTotals();
    expect(totals).toEqual({
      depositedMsats: 20_000,
      balanceMsats: balance - refundSats * 1000,
      reservedMsats: 0,
      chargedMsats: 6 * ACTUAL_MSATS,
      refundedMsats: refundSats * 1000,
    });
    // After the close the sub-sat rest cannot pay a job: payment is asked for again.
    const after = (await ask().catch((e: unknown) => e)) as JobError;
    expect(after.code).toBe("payment-required");
    expect(calls()).toBe(6);
  });

  it("keeps the tab across a restart: same balance, the deposit still a replay", async () => {
    const dataDir = await tempDir(cleanup);
    const start = () => market.node({ dataDir });
    const first = await start();
    const { client } = buyerClient(cleanup, market.relayUrl);
    const { target } = first;
    const deposit = await lockedTokenFor(market.buyer, target, 5);
    const ask = (extra: Record<string, string> = {}, cashuToken?: string) =>
      client.submit({
        ...job,
        provider: target.provider,
        encryption: "nip44",
        extraParams: extra,
        ...(cashuToken ? { cashuToken } : {}),
      });
    const opened = await ask({ tab: "open" }, deposit);
    expect(opened.result.tabMsats).toBe(5_000 - ACTUAL_MSATS);
    await first.node.stop();

    const second = await start();
    const served = await ask();
    expect(served.result.tabMsats).toBe(5_000 - 2 * ACTUAL_MSATS);
    const replayed = (await ask({ tab: "open" }, deposit).catch((e: unknown) => e)) as JobError;
    expect(replayed.message).toMatch(/replayed/);
    expect(first.calls() + second.calls()).toBe(2);
  });
});
