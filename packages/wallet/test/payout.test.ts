/**
 * A payout riding on a redeem (a provider's tab refund paid from the collected proofs), against the real
 * local mint with an input fee: one swap both redeems the proofs and mints the refund token, which its
 * receiver takes in at exactly the sats asked; every sat of the batch is accounted for.
 */
import { randomUUID } from "node:crypto";
import type { RunningMint } from "@pylon/mint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acceptLockedPayment } from "../src/payments/accept.js";
import { KeysetDirectory } from "../src/payments/keysets.js";
import { PaymentLedger } from "../src/payments/ledger.js";
import { redeemCollected } from "../src/payments/redeem.js";
import type { PylonWallet } from "../src/wallet.js";
import { FetchSpy } from "./fetch-spy.js";
import { acceptOptions, Fixture } from "./helpers.js";

const fx = new Fixture();
const spy = new FetchSpy();
let mint: RunningMint;
let buyer: PylonWallet;
let keysets: KeysetDirectory;

const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  mint = await fx.mint({ inputFeePpk: 400 });
  buyer = await fx.wallet([mint.url]);
  keysets = new KeysetDirectory();
  await keysets.refresh(mint.url);
  await buyer.fund(5000);
  spy.install();
});
afterAll(async () => {
  spy.uninstall();
  await fx.cleanup.run();
});

/** A provider that collected locked payments of `prices` sats from the buyer (held, not yet redeemed). */
async function providerHolding(prices: number[]): Promise<{ provider: PylonWallet; ledger: PaymentLedger }> {
  const provider = await fx.wallet([mint.url]);
  const ledger = new PaymentLedger(":memory:");
  for (const price of prices) await collect(provider, ledger, price);
  return { provider, ledger };
}

/** The buyer pays `provider` `price` sats, locked to its key; the provider accepts it offline. */
async function collect(provider: PylonWallet, ledger: PaymentLedger, price: number): Promise<void> {
  const { payments } = await buyer.createLockedPayments([
    { pubkey: provider.p2pk.pubkey, amountSats: price, locktime: now() + 3600 },
  ]);
  const accepted = acceptLockedPayment(
    payments[0]!.token,
    acceptOptions(provider, ledger, price, { mintUrl: mint.url, keysets }),
  );
  if (!accepted.ok) throw new Error(accepted.reason);
  ledger.record(accepted);
}

describe("a payout in the redeem's swap", () => {
  it("redeems and mints the refund token in one swap; the receiver gets exactly the sats asked", async () => {
    const { provider, ledger } = await providerHolding([21, 34, 55]);
    // Each payment's face value carries the fee of redeeming it, so the ledger holds a little over 110.
    const held = ledger.totals().held;
    expect(held).toBeGreaterThanOrEqual(110);
    const id = randomUUID();
    spy.reset();
    const batches = await redeemCollected(ledger, provider, {
      paymentPrivkey: provider.p2pk.privkey,
      payout: { mintUrl: mint.url, sats: 40, id },
    });
    expect(spy.count("POST /v1/swap")).toBe(1);
    expect(batches).toHaveLength(1);
    const op = provider.operation(id)!;
    expect(op).toMatchObject({ kind: "redeem", state: "completed" });
    expect(typeof op.detail.token).toBe("string");
    const batch = batches[0]!;
    expect(batch).toMatchObject({ batchId: id, lostSats: 0, paidOutSats: op.amount, feeSats: op.fee });
    // The token carries its receiver's fee on top of the 40 sats.
    expect(op.amount).toBeGreaterThan(40);
    // Every sat of the batch: kept, paid out, or the mint's fee.
    expect(batch.redeemedSats + batch.paidOutSats + batch.feeSats).toBe(held);
    expect(provider.balance().total).toMatchObject({ unspent: batch.redeemedSats, pending: op.amount });
    expect(ledger.totals()).toMatchObject({ held: 0, redeeming: 0, redeemed: held });

    const before = buyer.balance().total.unspent;
    const received = await buyer.receive(String(op.detail.token));
    expect(received.amount).toBe(40);
    expect(buyer.balance().total.unspent).toBe(before + 40);
    expect((await provider.checkPending()).claimedSats).toBe(op.amount);
    expect(provider.balance().total).toMatchObject({ unspent: batch.redeemedSats, pending: 0 });
    ledger.close();
  });

  it("leaves a payout no batch covers to the caller, and redeems as usual", async () => {
    const { provider, ledger } = await providerHolding([8, 8]);
    const held = ledger.totals().held;
    const id = randomUUID();
    spy.reset();
    // Under the face value held, but not once the fees are paid: found out before any mint call.
    const batches = await redeemCollected(ledger, provider, {
      paymentPrivkey: provider.p2pk.privkey,
      payout: { mintUrl: mint.url, sats: held - 1, id },
    });
    expect(spy.count("POST /v1/swap")).toBe(1);
    expect(provider.operation(id)).toBeUndefined();
    expect(batches).toMatchObject([{ paidOutSats: 0, lostSats: 0 }]);
    expect(batches[0]!.redeemedSats + batches[0]!.feeSats).toBe(held);
    expect(ledger.totals()).toMatchObject({ held: 0, redeemed: held });
    ledger.close();
  });

  it("never pays twice under one id: a payout whose operation exists is not made again", async () => {
    const { provider, ledger } = await providerHolding([30, 30]);
    const id = randomUUID();
    const payout = { mintUrl: mint.url, sats: 10, id };
    await redeemCollected(ledger, provider, { paymentPrivkey: provider.p2pk.privkey, payout });
    const first = provider.operation(id)!;
    expect(first.state).toBe("completed");

    await collect(provider, ledger, 30);
    const again = await redeemCollected(ledger, provider, { paymentPrivkey: provider.p2pk.privkey, payout });
    expect(again).toMatchObject([{ paidOutSats: 0 }]);
    expect(again[0]!.batchId).not.toBe(id);
    expect(provider.operation(id)).toEqual(first);
    expect(provider.balance().total.pending).toBe(first.amount);
    ledger.close();
  });
});
