import path from "node:path";
import { startMint } from "@pylon/mint";
import { JobError } from "@pylon/nostr";
import { parseAnnouncement } from "@pylon/protocol";
import { tempDir, waitFor } from "@pylon/testkit";
import { fundedWallet } from "@pylon/testkit/market";
import {
  acceptLockedPayment,
  decodeLockedPaymentRequest,
  KeysetDirectory,
  PaymentLedger,
} from "@pylon/wallet";
import { describe, expect, it } from "vitest";
import { WALLET_FILE } from "../src/payments/setup.js";
import { JobStore } from "../src/store/job-store.js";
import {
  flipParity,
  PAID_JOB,
  PAID_PRICE_SATS,
  PAID_QUOTE_MSATS,
  paidSuite,
  paidNode as startPaidNode,
  tamper,
} from "./helpers/cashu.js";
import { buyerClient } from "./helpers/harness.js";
import { lockedTokenFor, type PaymentTarget, submitPaidJob } from "./helpers/paid-job.js";

// Real local mint over HTTP (1 sat input fee per 10 proofs), real relay over WebSockets, real SQLite; the
// inference backend is scripted (instant) and counts generate() calls, to prove refused jobs did no work.
const market = paidSuite({ inputFeePpk: 100, fundSats: 3_000, foreignFundSats: 200 });
const { cleanup } = market;

const QUOTE_MSATS = PAID_QUOTE_MSATS;
const PRICE_SATS = PAID_PRICE_SATS;
const job = PAID_JOB;

function paidNode(dataDir?: string, payments?: { redeemCheckSec: number; redeemLeadSec: number }) {
  return market.node({ ...(dataDir ? { dataDir } : {}), ...(payments ? { payments } : {}) });
}

describe("Cashu per-job payments (scripted backend, real mint and relay)", () => {
  it("announces its payment key, asks unpaid jobs for a NUT-18 payment, serves a paid one", async () => {
    const { node, calls, target } = await paidNode();
    const { client, pool } = buyerClient(cleanup, market.relayUrl);

    const [event] = await pool.query({ kinds: [31990], authors: [node.pubkey] });
    const announced = parseAnnouncement(event);
    if (!announced.ok) throw new Error(announced.reason);
    expect(announced.announcement.payment).toEqual({
      methods: ["cashu"],
      mints: [market.mint.url],
      p2pkPubkey: target.p2pk,
    });

    const unpaid = (await client
      .submit({ ...job, provider: node.pubkey, encryption: "nip44" })
      .catch((e: unknown) => e)) as JobError;
    expect(unpaid.code).toBe("payment-required");
    expect(unpaid.amountMsats).toBe(QUOTE_MSATS);
    const request = unpaid.feedback[0]?.paymentRequest;
    expect(request).toMatch(/^creqA/);
    expect(decodeLockedPaymentRequest(request ?? "")).toMatchObject({
      amountSats: PRICE_SATS,
      unit: "sat",
      mints: [market.mint.url],
      pubkey: target.p2pk,
    });
    expect(calls()).toBe(0);

    const paid = await submitPaidJob(client, market.buyer, target, PRICE_SATS, job);
    expect(paid.output).toBe("paid output");
    expect(paid.result.amount).toEqual({ msats: 0 });
    expect(calls()).toBe(1);
    expect(node.status().earnings).toMatchObject({ creditedSats: PRICE_SATS, heldSats: 4, redeemedSats: 0 });

    // Redeemed in one swap into the provider's own wallet: one 4-sat proof, 1 sat input fee.
    const batches = await node.payments?.redeemNow();
    expect(batches).toMatchObject([{ proofs: 1, redeemedSats: 3, feeSats: 1, lostSats: 0 }]);
    expect(node.status().earnings).toMatchObject({ heldSats: 0, redeemedSats: 4, walletSats: 3 });
  });

  it("refuses every attack with a clear feedback and does no work, also a replay after a restart", async () => {
    const dataDir = await tempDir(cleanup);
    const { node, calls, target } = await paidNode(dataDir);
    const other = await fundedWallet(cleanup, market.mint.url);
    const { client } = buyerClient(cleanup, market.relayUrl);
    const keysets = new KeysetDirectory();
    await keysets.refresh(market.mint.url);
    const ids = keysets.ids(market.mint.url);

    const good = await lockedTokenFor(market.buyer, target, PRICE_SATS);
    const lockTo = (t: PaymentTarget, sats: number, lockSec?: number) =>
      lockedTokenFor(market.buyer, t, sats, lockSec);
    const attacks: Array<[string, string, RegExp]> = [
      [
        "forged proof (bad DLEQ)",
        tamper(good, ids, (ps) => ps.splice(0, 1, { ...ps[0]!, C: flipParity(ps[0]!.C) })),
        /bad-dleq/,
      ],
      [
        "tampered amount",
        tamper(good, ids, (ps) => ps.splice(0, 1, { ...ps[0]!, amount: ps[0]!.amount.multiplyBy(4) })),
        /bad-dleq/,
      ],
      [
        "non-allow-listed mint",
        await lockTo({ ...target, mint: market.foreignMint.url }, PRICE_SATS),
        /foreign-mint/,
      ],
      [
        "lock to the wrong key",
        await lockTo({ ...target, p2pk: other.p2pk.pubkey }, PRICE_SATS),
        /wrong-key/,
      ],
      ["locktime too close", await lockTo(target, PRICE_SATS, 120), /locktime-too-close/],
      ["bearer token", (await market.buyer.send(PRICE_SATS + 1)).token, /not-locked/],
      ["garbage", "cashuBnot-a-token", /malformed/],
    ];
    const refusals: string[] = [];
    for (const [what, cashuToken, reason] of attacks) {
      const error = (await client
        .submit({ ...job, provider: node.pubkey, encryption: "nip44", cashuToken })
        .catch((e: unknown) => e)) as JobError;
      expect(error, what).toBeInstanceOf(JobError);
      expect(error.code, what).toBe("error");
      expect(error.message, what).toMatch(reason);
      refusals.push(what);
    }
    // Underpaid: asked again for the full price.
    const under = (await client
      .submit({ ...job, provider: node.pubkey, encryption: "nip44", cashuToken: await lockTo(target, 1) })
      .catch((e: unknown) => e)) as JobError;
    expect(under.code).toBe("payment-required");
    expect(under.amountMsats).toBe(QUOTE_MSATS);
    expect(under.feedback[0]?.extra).toMatch(/^payment refused: token carries 2 sats; 3 \+ 1 fee needed/);
    expect(calls()).toBe(0);

    // The genuine token pays once; the same token on a second job is a replay.
    await client.submit({ ...job, provider: node.pubkey, encryption: "nip44", cashuToken: good });
    expect(calls()).toBe(1);
    const replay = (await client
      .submit({ ...job, provider: node.pubkey, encryption: "nip44", cashuToken: good })
      .catch((e: unknown) => e)) as JobError;
    expect(replay.message).toMatch(/replayed/);

    await node.stop();
    const again = await paidNode(dataDir);
    const afterRestart = (await client
      .submit({ ...job, provider: again.node.pubkey, encryption: "nip44", cashuToken: good })
      .catch((e: unknown) => e)) as JobError;
    expect(afterRestart.message).toMatch(/replayed/);
    expect(again.calls()).toBe(0);
    // 0 unpaid jobs served: exactly one job ran, and exactly one payment was credited.
    expect(calls() + again.calls()).toBe(1);
    expect(again.node.status().earnings?.creditedSats).toBe(PRICE_SATS);
    expect(refusals).toHaveLength(attacks.length);
  });

  it("after a crash between recording the payment and queueing the job, runs the paid job; an unpaid one is refused", async () => {
    const dataDir = await tempDir(cleanup);
    const first = await paidNode(dataDir);
    await first.node.stop();
    const { client } = buyerClient(cleanup, market.relayUrl);
    const token = await lockedTokenFor(market.buyer, first.target, PRICE_SATS);
    const spec = { ...job, provider: first.target.provider, encryption: "nip44" as const };
    const paid = client.prepare({ ...spec, cashuToken: token });
    const unpaid = client.prepare({ ...spec, prompt: "hello again" });

    // The state a crash leaves: job rows `received` (provider.db); one of them has its credit (wallet.db).
    const store = JobStore.open(path.join(dataDir, "provider.db"));
    const now = Math.floor(Date.now() / 1000);
    for (const event of [paid, unpaid])
      store.recordRequest(event, now, {
        buyer: event.pubkey,
        event,
        state: "received",
        quoteMsats: QUOTE_MSATS,
      });
    store.close();
    const ledger = new PaymentLedger(path.join(dataDir, WALLET_FILE));
    const keysets = new KeysetDirectory();
    await keysets.refresh(market.mint.url);
    const accepted = acceptLockedPayment(token, {
      allowedMints: [market.mint.url],
      keysets,
      paymentKey: first.target.p2pk,
      minLocktime: now + 600,
      priceSats: PRICE_SATS,
      seenYs: ledger,
    });
    if (!accepted.ok) throw new Error(accepted.reason);
    expect(ledger.record(accepted, { ref: paid.id }).ok).toBe(true);
    ledger.close();

    const paidOutcome = client.run(paid);
    const unpaidOutcome = client.run(unpaid).catch((e: unknown) => e);
    const second = await paidNode(dataDir);
    expect((await paidOutcome).output).toBe("paid output");
    expect(((await unpaidOutcome) as JobError).message).toMatch(/restarted while checking the payment/);
    expect(second.calls()).toBe(1);
    expect(second.node.status().earnings?.creditedSats).toBe(PRICE_SATS);
  });

  it("redeems collected proofs on its own once the earliest locktime comes within the lead time", async () => {
    const { node, target } = await paidNode(undefined, { redeemCheckSec: 1, redeemLeadSec: 600 });
    const { client } = buyerClient(cleanup, market.relayUrl);
    // Locked for 602 s: accepted (≥ 600 s), and due for redeem (locktime ≤ 600 s away) a few seconds later.
    await submitPaidJob(client, market.buyer, target, PRICE_SATS, job, { lockSec: 602 });
    await waitFor(() => node.status().earnings?.redeemedSats === 4, "the scheduled redeem", 10_000);
    expect(node.status().earnings).toMatchObject({ heldSats: 0, walletSats: 3, lostSats: 0 });
  });

  it("fetches a mint's keys again when a token names a keyset it does not know (the mint rotated)", async () => {
    const dir = await tempDir(cleanup);
    const db = path.join(dir, "mint.db");
    const seed = new Uint8Array(32).fill(7);
    const before = await startMint({ port: 0, db, seed });
    const port = Number(new URL(before.url).port);
    const { node, calls } = await startPaidNode(cleanup, {
      relayUrl: market.relayUrl,
      mintUrl: before.url,
      payments: { keysetRefreshSec: 0 },
    });
    await before.close();
    // Same keys seed, new fee: a new active keyset the node has never seen.
    const rotated = await startMint({ port, db, seed, inputFeePpk: 100 });
    cleanup.add(() => rotated.close());
    const payer = await fundedWallet(cleanup, rotated.url, 50);
    const target = { provider: node.pubkey, p2pk: node.payments?.paymentKey ?? "", mint: rotated.url };
    const { client } = buyerClient(cleanup, market.relayUrl);
    const paid = await submitPaidJob(client, payer, target, PRICE_SATS, job);
    expect(paid.output).toBe("paid output");
    expect(calls()).toBe(1);
    // Stopping redeems what was collected (one swap), while the mint is still up.
    await node.stop();
    expect(node.status().earnings).toMatchObject({ heldSats: 0, redeemedSats: 4, walletSats: 3 });
  });
});
