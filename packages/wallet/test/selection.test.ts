import { afterAll, describe, expect, it } from "vitest";
import { deriveKeyPair } from "../src/keys.js";
import { Fixture } from "./helpers.js";

const fx = new Fixture();
afterAll(() => fx.cleanup.run());

// cashu-ts 4.8's selection finds nothing for 32 sats from {32, 256, 8192} at 100 ppk (32 alone nets 31);
// the wallet then picks covering inputs itself (ops/select.ts).
describe("proof selection fallback (real mint, 100 ppk input fee)", () => {
  it("locks and sends an amount equal to a stored denomination", async () => {
    const mint = await fx.mint({ inputFeePpk: 100 });
    const wallet = await fx.wallet([mint.url]);
    await wallet.fund(8_480);
    expect(
      wallet
        .proofs({ state: "unspent" })
        .map((p) => p.proof.amount.toNumber())
        .sort((a, b) => a - b),
    ).toEqual([32, 256, 8192]);
    const keys = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => deriveKeyPair(new Uint8Array(64).fill(i)).pubkey);
    const locktime = Math.floor(Date.now() / 1000) + 3_600;
    const { op, payments } = await wallet.createLockedPayments(
      keys.map((pubkey) => ({ pubkey, amountSats: 3, locktime })),
    );
    expect(payments).toHaveLength(8);
    expect(op.amount).toBe(32);
    const sent = await wallet.send(32);
    expect(sent.token).toMatch(/^cashuB/);
    const { total } = wallet.balance();
    expect(total.unspent + total.pending + op.fee + sent.op.fee).toBe(8_480);
  });
});
