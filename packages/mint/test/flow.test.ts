/**
 * The whole life of some ecash, driven by cashu-ts's Wallet over real HTTP: mint → swap → P2PK send →
 * receive with the right key (wrong key refused) → refund after locktime → melt with change → state check,
 * with the mint's accounting checked against what the wallets hold.
 */
import { getEncodedToken, type Proof } from "@cashu/cashu-ts";
import { describe, expect, it } from "vitest";
import { fakeInvoice } from "../src/bolt11.js";
import { ErrorCode } from "../src/errors.js";
import { expectMintError, fund, mintForTest, newKey, total, walletFor } from "./helpers.js";

describe("cashu-ts wallet against the testnet mint", () => {
  it("mints, swaps, locks, unlocks, refunds, melts and accounts for every sat", async () => {
    const mint = await mintForTest({ inputFeePpk: 100 });
    const alice = await walletFor(mint);
    const bob = await walletFor(mint);
    const carol = newKey();
    const dave = newKey();
    const aliceKey = newKey();

    // Mint: the quote is paid at once and its invoice carries the amount in its HRP (cashu-ts checks it).
    const quote = await alice.createMintQuoteBolt11(300);
    expect(quote.state).toBe("PAID");
    expect(quote.request).toMatch(/^lnbcrt3u1/);
    const minted = await alice.mintProofsBolt11(300, quote);
    expect(total(minted)).toBe(300);
    expect(minted.every((p) => p.dleq !== undefined)).toBe(true);

    // Swap: a plain token to Bob, received through a cashuB string.
    const plain = await alice.send(40, minted, { includeFees: true });
    const plainToken = getEncodedToken({ mint: mint.url, proofs: plain.send, unit: "sat" });
    expect(plainToken.startsWith("cashuB")).toBe(true);
    const bobProofs = await bob.receive(plainToken);
    expect(total(bobProofs)).toBe(40);
    let wallet: Proof[] = plain.keep;

    // P2PK: locked to Carol; Dave's key is refused by the mint, Carol's is accepted.
    const locked = await alice.ops.send(50, wallet).asP2PK({ pubkey: carol.pub }).includeFees().run();
    wallet = locked.keep;
    const lockedToken = getEncodedToken({ mint: mint.url, proofs: locked.send, unit: "sat" });
    const carolWallet = await walletFor(mint);
    await expectMintError(carolWallet.receive(lockedToken), ErrorCode.PROOF_INVALID);
    await expectMintError(carolWallet.receive(lockedToken, { privkey: dave.priv }), ErrorCode.PROOF_INVALID);
    const carolProofs = await carolWallet.receive(lockedToken, { privkey: carol.priv });
    expect(total(carolProofs)).toBe(50);

    // Locktime: before it passes only the lock key spends; after it, the refund key spends too.
    const future = await alice.ops
      .send(20, wallet)
      .asP2PK({
        pubkey: carol.pub,
        locktime: Math.floor(Date.now() / 1000) + 3600,
        refundKeys: [aliceKey.pub],
      })
      .includeFees()
      .run();
    wallet = future.keep;
    await expectMintError(alice.receive(future.send, { privkey: aliceKey.priv }), ErrorCode.PROOF_INVALID);
    const expired = await alice.ops
      .send(20, wallet)
      .asP2PK({ pubkey: carol.pub, locktime: Math.floor(Date.now() / 1000) - 60, refundKeys: [aliceKey.pub] })
      .includeFees()
      .run();
    wallet = expired.keep;
    await expectMintError(alice.receive(expired.send, { privkey: dave.priv }), ErrorCode.PROOF_INVALID);
    const refunded = await alice.receive(expired.send, { privkey: aliceKey.priv });
    expect(total(refunded)).toBe(20); // includeFees: the sender covered the receiving swap's input fee
    wallet = [...wallet, ...refunded];

    // Melt: 1% / 2 sat reserve, fake Lightning charges 1 sat, NUT-08 change returns the rest.
    const invoice = fakeInvoice({ amountMsat: 60_000n, description: "coffee" });
    const meltQuote = await alice.createMeltQuoteBolt11(invoice.request);
    expect(meltQuote.amount.toNumber()).toBe(60);
    expect(meltQuote.fee_reserve.toNumber()).toBe(2);
    const toMelt = await alice.send(62, wallet, { includeFees: true });
    wallet = toMelt.keep;
    const melted = await alice.meltProofsBolt11(meltQuote, toMelt.send);
    expect(melted.quote.state).toBe("PAID");
    const inputFee = alice.getFeesForProofs(toMelt.send).toNumber();
    expect(total(melted.change)).toBe(total(toMelt.send) - 60 - 1 - inputFee);
    expect(total(melted.change)).toBeGreaterThan(0);
    wallet = [...wallet, ...melted.change];
    await expectMintError(alice.meltProofsBolt11(meltQuote, wallet), ErrorCode.INVOICE_ALREADY_PAID);

    // NUT-07: what was spent is SPENT, what the wallets hold is UNSPENT.
    const spentStates = await alice.checkProofsStates([...minted, ...toMelt.send, ...locked.send]);
    expect(spentStates.every((s) => s.state === "SPENT")).toBe(true);
    const held = [...wallet, ...bobProofs, ...carolProofs, ...future.send];
    const heldStates = await alice.checkProofsStates(held);
    expect(heldStates.every((s) => s.state === "UNSPENT")).toBe(true);
    // The witness a locked proof was spent with is reported back (NUT-07).
    const [lockedState] = await alice.checkProofsStates(locked.send.slice(0, 1));
    expect(lockedState?.witness).toContain("signatures");

    // Accounting: the mint's outstanding ecash is exactly what the wallets hold.
    const stats = mint.stats();
    expect(stats.minted).toBe(300);
    expect(stats.melted).toBe(60);
    expect(stats.lightningFees).toBe(1);
    expect(stats.outstanding).toBe(total(held));
    expect(stats.outstanding).toBe(stats.minted - stats.melted - stats.lightningFees - stats.inputFees);
    expect(stats.inputFees).toBeGreaterThan(0);
  });

  it("enforces SIG_ALL across inputs and outputs", async () => {
    const mint = await mintForTest();
    const alice = await walletFor(mint);
    const carol = newKey();
    const proofs = await fund(alice, 64);
    const locked = await alice.ops.send(16, proofs).asP2PK({ pubkey: carol.pub, sigFlag: "SIG_ALL" }).run();
    const carolWallet = await walletFor(mint);
    await expectMintError(carolWallet.receive(locked.send), ErrorCode.PROOF_INVALID);
    const received = await carolWallet.receive(locked.send, { privkey: carol.priv });
    expect(total(received)).toBe(16);
  });

  it("needs n_sigs distinct lock keys for a multisig lock", async () => {
    const mint = await mintForTest();
    const alice = await walletFor(mint);
    const [k1, k2, k3] = [newKey(), newKey(), newKey()];
    const proofs = await fund(alice, 32);
    const locked = await alice.ops
      .send(8, proofs)
      .asP2PK({ pubkey: [k1.pub, k2.pub, k3.pub], requiredSignatures: 2 })
      .run();
    const other = await walletFor(mint);
    await expectMintError(other.receive(locked.send, { privkey: k1.priv }), ErrorCode.PROOF_INVALID);
    const received = await other.receive(locked.send, { privkey: [k1.priv, k3.priv] });
    expect(total(received)).toBe(8);
  });
});
