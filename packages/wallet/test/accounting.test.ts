/**
 * Every sat accounted for, on a mint that charges input fees (NUT-02): after fund, send, receive, locked
 * payments with acceptance and batch redeem, reclaim and withdraw, each wallet's history adds up to its
 * balance, and all wallets together (plus what a provider still holds) are exactly the mint's outstanding
 * ecash.
 */
import { fakeInvoice, type RunningMint } from "@pylon/mint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acceptLockedPayment } from "../src/payments/accept.js";
import { KeysetDirectory } from "../src/payments/keysets.js";
import { PaymentLedger } from "../src/payments/ledger.js";
import { redeemCollected } from "../src/payments/redeem.js";
import type { Operation } from "../src/store/operations.js";
import type { PylonWallet } from "../src/wallet.js";
import { Fixture } from "./helpers.js";

const fx = new Fixture();
let mint: RunningMint;
afterAll(() => fx.cleanup.run());
beforeAll(async () => {
  mint = await fx.mint({ inputFeePpk: 400 });
});

/** What the history says the spendable balance is. */
function fromHistory(ops: Operation[]): number {
  let sats = 0;
  for (const op of ops.filter((o) => o.state === "completed")) {
    if (op.kind === "send" || op.kind === "lock" || op.kind === "withdraw") sats -= op.amount + op.fee;
    else sats += op.amount;
  }
  return sats;
}

describe("accounting with input fees", () => {
  it("balances every wallet against its history and all of them against the mint", async () => {
    const [alice, bob, provider] = (await Promise.all([0, 1, 2].map(() => fx.wallet([mint.url])))) as [
      PylonWallet,
      PylonWallet,
      PylonWallet,
    ];
    await alice.fund(2000);
    const { op: sent, token } = await alice.send(333);
    expect(sent.fee).toBeGreaterThan(0); // the swap's input fee and the receiver's, paid by the sender
    const got = await bob.receive(token);
    expect(got.amount).toBe(333); // the sender covered the receiver's fee

    const keysets = new KeysetDirectory();
    await keysets.refresh(mint.url);
    const ledger = new PaymentLedger(":memory:");
    const { payments } = await alice.createLockedPayments([
      { pubkey: provider.p2pk.pubkey, amountSats: 100, locktime: Math.floor(Date.now() / 1000) + 3600 },
      { pubkey: bob.p2pk.pubkey, amountSats: 50, locktime: Math.floor(Date.now() / 1000) + 3600 },
    ]);
    const toProvider = payments.find((p) => p.pubkey === provider.p2pk.pubkey)!;
    const accepted = acceptLockedPayment(toProvider.token, {
      allowedMints: [mint.url],
      keysets,
      paymentKey: provider.p2pk.pubkey,
      minLocktime: 0,
      priceSats: 100,
      seenYs: ledger,
    });
    if (!accepted.ok) throw new Error(accepted.reason);
    expect(accepted.feeSats).toBeGreaterThan(0);
    expect(accepted.amountSats - accepted.feeSats).toBeGreaterThanOrEqual(100);
    ledger.record(accepted);
    const [batch] = await redeemCollected(ledger, provider, { paymentPrivkey: provider.p2pk.privkey });
    expect(batch!.redeemedSats).toBeGreaterThanOrEqual(100); // the provider nets at least its price

    // Bob redeems his locked payment as a plain receive signed with his key.
    const toBob = payments.find((p) => p.pubkey === bob.p2pk.pubkey)!;
    expect((await bob.receive(toBob.token)).amount).toBeGreaterThanOrEqual(50);

    // An unclaimed token comes back; an invoice is paid with change.
    const { op: unclaimed } = await alice.send(77);
    await alice.reclaim({ opId: unclaimed.id });
    await alice.withdraw(fakeInvoice({ amountMsat: 500_000n }).request);

    for (const w of [alice, bob, provider]) {
      await w.checkPending();
      expect(w.balance().total.reserved).toBe(0);
      expect(w.balance().total.unspent).toBe(fromHistory(w.history()));
    }
    const held =
      alice.balance().total.pending + bob.balance().total.pending + provider.balance().total.pending;
    const unspent =
      alice.balance().total.unspent + bob.balance().total.unspent + provider.balance().total.unspent;
    expect(held).toBe(0);
    expect(unspent).toBe(mint.stats().outstanding);
    const fees = [alice, bob, provider].flatMap((w) => w.history()).reduce((s, o) => s + o.fee, 0);
    const stats = mint.stats();
    expect(fees).toBe(stats.inputFees + stats.lightningFees);
    ledger.close();
  });
});
