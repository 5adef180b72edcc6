/**
 * NUT-06 info, NUT-01/02 key endpoints, loopback-only start-up and the fake invoices.
 */
import * as cashu from "@cashu/cashu-ts";
import { createHTLCHash, deriveKeysetId, signP2PKProofs } from "@cashu/cashu-ts";
import { describe, expect, it } from "vitest";
import { fakeInvoice, invoiceAmountMsat } from "../src/bolt11.js";
import { ErrorCode } from "../src/errors.js";
import { TESTNET_WARNING } from "../src/info.js";
import { isLoopback, startMint } from "../src/mint.js";
import { expectMintError, fund, get, mintForTest, newKey, total, walletFor } from "./helpers.js";

describe("NUT-06 info and keys", () => {
  it("says it is testnet-only and advertises exactly the NUTs it implements", async () => {
    const mint = await mintForTest({ units: ["sat", "msat"] });
    const { status, body } = await get(mint, "/v1/info");
    expect(status).toBe(200);
    for (const field of ["name", "description", "motd"]) expect(body[field]).toContain(TESTNET_WARNING);
    expect(Object.keys(body.nuts).sort()).toEqual(["10", "11", "12", "14", "4", "5", "7", "8", "9"]);
    expect(body.nuts["4"].methods.map((m: { unit: string }) => m.unit)).toEqual(["sat", "msat"]);
    expect(body.pubkey).toMatch(/^0[23][0-9a-f]{64}$/);
  });

  it("serves keys whose keyset ids derive from the keys (NUT-02 v1)", async () => {
    const mint = await mintForTest({ inputFeePpk: 250 });
    const keys = await get(mint, "/v1/keys");
    const [keyset] = keys.body.keysets;
    expect(keyset.id).toBe(mint.keysetIds[0]);
    expect(Object.keys(keyset.keys)).toHaveLength(32);
    expect(deriveKeysetId(keyset.keys, { unit: "sat", input_fee_ppk: 250 })).toBe(keyset.id);
    expect((await get(mint, `/v1/keys/${keyset.id}`)).body.keysets[0].keys).toEqual(keyset.keys);
    expect((await get(mint, "/v1/keysets")).body).toEqual({
      keysets: [{ id: keyset.id, unit: "sat", active: true, input_fee_ppk: 250 }],
    });
  });

  it("refuses non-loopback addresses unless allowed", async () => {
    // 192.0.2.1 is TEST-NET-1: the refusal comes before any bind, and tests never listen beyond loopback.
    await expect(startMint({ host: "192.0.2.1" })).rejects.toThrow(/refusing to listen on 192\.0\.2\.1/);
    expect(isLoopback("127.0.0.1")).toBe(true);
    expect(isLoopback("::1")).toBe(true);
    expect(isLoopback("localhost")).toBe(true);
    expect(isLoopback("192.168.1.4")).toBe(false);
  });
});

describe("NUT-14 HTLC", () => {
  it("spends a hashlocked proof only with the preimage and the lock key's signature", async () => {
    const mint = await mintForTest();
    const alice = await walletFor(mint);
    const carol = newKey();
    const { hash, preimage } = createHTLCHash();
    const proofs = await fund(alice, 16);
    const locked = await alice.ops.send(4, proofs).asP2PK({ pubkey: carol.pub, hashlock: hash }).run();
    const signed = signP2PKProofs(
      locked.send.map((p) => ({ ...p, witness: { preimage: "00".repeat(32), signatures: [] } })),
      carol.priv,
    );
    const other = await walletFor(mint);
    await expectMintError(other.receive(signed), ErrorCode.PROOF_INVALID);
    const good = signP2PKProofs(
      locked.send.map((p) => ({ ...p, witness: { preimage, signatures: [] } })),
      carol.priv,
    );
    expect(total(await other.receive(good))).toBe(4);
  });
});

describe("fake bolt11 invoices", () => {
  const bolt11AmountMsat = (cashu as unknown as Record<string, (s: string) => bigint | null>)
    .bolt11AmountMsat;

  it("encode the amount in the HRP exactly as cashu-ts reads it", () => {
    // cashu-ts exports its parser at runtime but not in its types.
    expect(typeof bolt11AmountMsat).toBe("function");
    for (const msat of [1n, 1000n, 21_000n, 1_500n, 100_000n, 123_456_789_000n, 100_000_000_000n]) {
      const { request } = fakeInvoice({ amountMsat: msat, description: "test" });
      expect(request.startsWith("lnbcrt")).toBe(true);
      expect(invoiceAmountMsat(request)).toBe(msat);
      expect(bolt11AmountMsat?.(request)).toBe(msat);
    }
    expect(invoiceAmountMsat(fakeInvoice({}).request)).toBeNull();
  });

  it("are rejected when the checksum or syntax is broken", () => {
    const { request } = fakeInvoice({ amountMsat: 5000n });
    const last = request.at(-1) === "q" ? "p" : "q";
    expect(invoiceAmountMsat(request.slice(0, -1) + last)).toBeUndefined();
    expect(invoiceAmountMsat("lnbcrt10n1qqqq")).toBeUndefined();
    expect(invoiceAmountMsat("not an invoice")).toBeUndefined();
    expect(invoiceAmountMsat(request.toUpperCase())).toBe(5000n);
  });
});
