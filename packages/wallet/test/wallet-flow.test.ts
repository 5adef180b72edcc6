import { join } from "node:path";
import { fakeInvoice, type RunningMint } from "@pylon/mint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WalletError } from "../src/errors.js";
import type { PylonWallet } from "../src/wallet.js";
import { Fixture } from "./helpers.js";

const fx = new Fixture();
let mint: RunningMint;
let alice: PylonWallet;
let bob: PylonWallet;

beforeAll(async () => {
  mint = await fx.mint();
  alice = await fx.wallet([mint.url]);
  bob = await fx.wallet([mint.url]);
});
afterAll(() => fx.cleanup.run());

describe("wallet against the real local mint", () => {
  it("funds, sends, receives in a second wallet, withdraws with change, and keeps history", async () => {
    const funded = await alice.fund(1000);
    expect(funded).toMatchObject({ kind: "fund", state: "completed", amount: 1000, fee: 0 });
    expect(alice.balance().total).toEqual({ unspent: 1000, reserved: 0, pending: 0 });

    const { op: sent, token } = await alice.send(300);
    expect(token).toMatch(/^cashuB/);
    expect(sent).toMatchObject({ kind: "send", state: "completed", amount: 300 });
    expect(alice.balance().total).toEqual({ unspent: 700, reserved: 0, pending: 300 });

    // Anyone may ask the mint what of a token is still unclaimed (NUT-07); nothing is taken in.
    expect(await bob.unclaimedSats(token)).toBe(300);
    const received = await bob.receive(token);
    expect(await alice.unclaimedSats(token)).toBe(0);
    expect(received).toMatchObject({ kind: "receive", state: "completed", amount: 300, fee: 0 });
    expect(bob.balance().total.unspent).toBe(300);
    // The sender learns the token was claimed from the mint.
    expect((await alice.checkPending()).claimedSats).toBe(300);
    expect(alice.balance().total).toEqual({ unspent: 700, reserved: 0, pending: 0 });

    const invoice = fakeInvoice({ amountMsat: 200_000n }).request;
    const paid = await alice.withdraw(invoice);
    expect(paid).toMatchObject({ kind: "withdraw", state: "completed", amount: 200 });
    expect(paid.fee).toBeGreaterThan(0); // the Lightning fee actually charged…
    expect(paid.fee).toBeLessThan(Number(paid.detail.feeReserve)); // …the rest of the reserve came back as change
    expect(alice.balance().total.unspent).toBe(700 - 200 - paid.fee);

    const kinds = alice.history().map((o) => o.kind);
    expect(kinds).toEqual(["withdraw", "send", "fund"]);
    expect(mint.stats().outstanding).toBe(alice.balance().total.unspent + bob.balance().total.unspent);
  });

  it("refuses a replayed token, a malformed token, and an overdraft with clear errors", async () => {
    await alice.fund(64);
    const { token } = await alice.send(10);
    await bob.receive(token);
    await expect(bob.receive(token)).rejects.toMatchObject({ code: "token-spent" });
    await expect(bob.receive("cashuBnotatoken")).rejects.toMatchObject({ code: "malformed-token" });
    await expect(alice.send(1_000_000)).rejects.toBeInstanceOf(WalletError);
    await expect(alice.send(1_000_000)).rejects.toMatchObject({ code: "insufficient-balance" });
  });

  it("keeps an operation the mint never answered, and settles it once the mint is back", async () => {
    const dir = await fx.dir();
    const db = join(dir, "mint.db");
    const first = await fx.mint({ db });
    const other = await fx.mint();
    const w = await fx.wallet([first.url, other.url]);
    await w.fund(400);
    await w.fund(50, { mint: other.url });
    expect(w.balance().byMint).toEqual({
      [first.url]: { unspent: 400, reserved: 0, pending: 0 },
      [other.url]: { unspent: 50, reserved: 0, pending: 0 },
    });

    await first.close();
    const err = await w.send(123).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "mint-unreachable", opId: expect.any(String) });
    const stuck = w.balance().byMint[first.url]!;
    expect(stuck.reserved).toBeGreaterThanOrEqual(123); // written down, not lost
    expect(stuck.unspent + stuck.reserved).toBe(400);
    expect((await w.recover()).errors).toHaveLength(1); // still down: reported, not thrown

    const back = await fx.mint({ db, port: first.port });
    const report = await w.recover();
    expect(report.failed.map((o) => o.id)).toEqual([(err as WalletError).opId]);
    expect(w.balance().byMint[first.url]).toEqual({ unspent: 400, reserved: 0, pending: 0 });
    expect(back.stats().outstanding).toBe(400);
  });
});
