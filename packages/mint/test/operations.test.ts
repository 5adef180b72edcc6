/**
 * The mint's operation counts: one per request by NUT endpoint, refusals counted again as `refused`, blind
 * signatures counted from the database, and a restart starting the request counts (not the signatures) at zero.
 */
import { join } from "node:path";
import { tempDir } from "@pylon/testkit";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../src/errors.js";
import { MINT_OPERATIONS, type MintOperations } from "../src/options.js";
import { cleanup, expectMintError, fund, get, mintForTest, post, walletFor } from "./helpers.js";

const zero = (): MintOperations => {
  const ops = { refused: 0 } as MintOperations;
  for (const op of MINT_OPERATIONS) ops[op] = 0;
  return ops;
};

/** What changed between two snapshots, leaving out the operations that did not. */
function delta(before: MintOperations, after: MintOperations): Partial<MintOperations> {
  const out: Partial<MintOperations> = {};
  for (const key of [...MINT_OPERATIONS, "refused"] as const)
    if (after[key] !== before[key]) out[key] = after[key] - before[key];
  return out;
}

describe("operation counts", () => {
  it("counts each request by endpoint, refusals as well, and every blind signature", async () => {
    const mint = await mintForTest();
    expect(mint.stats().operations).toEqual(zero());
    expect(mint.stats().blindSignatures).toBe(0);

    const wallet = await walletFor(mint);
    const loaded = mint.stats().operations;
    // Loading a wallet reads the mint's keys only: no ecash operation.
    expect(loaded.keys + loaded.keysets + loaded.info).toBeGreaterThan(0);
    expect({ ...loaded, keys: 0, keysets: 0, info: 0 }).toEqual(zero());

    // 40 sats = 32 + 8: one quote, one mint request, two blind signatures.
    const proofs = await fund(wallet, 40);
    expect(delta(loaded, mint.stats().operations)).toEqual({ mintQuote: 1, mint: 1 });
    expect(mint.stats().blindSignatures).toBe(proofs.length);

    let before = mint.stats().operations;
    const { keep, send } = await wallet.send(10, proofs);
    expect(delta(before, mint.stats().operations)).toEqual({ swap: 1 });
    // cashu-ts swaps only the proofs it must; the ones it kept as they were were not signed again.
    const fresh = [...keep, ...send].filter((p) => !proofs.some((q) => q.secret === p.secret));
    expect(fresh.length).toBeGreaterThan(0);
    expect(mint.stats().blindSignatures).toBe(proofs.length + fresh.length);

    before = mint.stats().operations;
    await wallet.checkProofsStates(send);
    expect(delta(before, mint.stats().operations)).toEqual({ checkState: 1 });

    // Spending the inputs again is refused: still one swap, and one refusal.
    before = mint.stats().operations;
    await expectMintError(wallet.receive(proofs), ErrorCode.PROOF_ALREADY_SPENT);
    expect(delta(before, mint.stats().operations)).toEqual({ swap: 1, refused: 1 });

    // A malformed body is an operation refused; a path that is no endpoint is not an operation at all.
    before = mint.stats().operations;
    expect((await post(mint, "/v1/checkstate", { Ys: "nope" })).status).toBe(400);
    expect((await get(mint, "/v1/nothing")).status).toBe(404);
    expect(delta(before, mint.stats().operations)).toEqual({ checkState: 1, refused: 1 });
  });

  it("starts the request counts at zero on restart while the signatures stay counted", async () => {
    const db = join(await tempDir(cleanup, "pylon-mint-"), "mint.db");
    const first = await mintForTest({ db });
    const proofs = await fund(await walletFor(first), 40);
    const signed = first.stats().blindSignatures;
    expect(signed).toBe(proofs.length);
    await first.close();
    // After close the figures at close stay readable.
    expect(first.stats().operations.mint).toBe(1);

    const second = await mintForTest({ db });
    expect(second.stats().operations).toEqual(zero());
    expect(second.stats().blindSignatures).toBe(signed);
  });
});
