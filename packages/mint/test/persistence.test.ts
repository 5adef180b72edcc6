/**
 * What survives a restart: the seed and so the keysets, spent proofs, signed outputs (NUT-09 restore by a
 * wallet with deterministic secrets) and the accounting.
 */

import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { tempDir } from "@pylon/testkit";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../src/errors.js";
import { startMint } from "../src/mint.js";
import {
  cleanup,
  expectMintError,
  fund,
  mintForTest,
  outputsFor,
  post,
  total,
  walletFor,
  wire,
} from "./helpers.js";

async function tempDb(): Promise<string> {
  return join(await tempDir(cleanup, "pylon-mint-"), "mint.db");
}

describe("restart persistence", () => {
  it("keeps keys, spent proofs, quotes and stats across a restart", async () => {
    const db = await tempDb();
    const first = await mintForTest({ db });
    const wallet = await walletFor(first);
    const proofs = await fund(wallet, 40);
    const { keep, send } = await wallet.send(10, proofs);
    const quote = await wallet.createMintQuoteBolt11(5);
    const before = first.stats();
    const keysetIds = first.keysetIds;
    await first.close();

    const second = await mintForTest({ db });
    expect(second.keysetIds).toEqual(keysetIds);
    // The accounting persists; the operation counts are the process's (operations.test.ts).
    expect({ ...second.stats(), operations: undefined }).toEqual({ ...before, operations: undefined });
    // Same keys: a wallet that only knew the old process's keys redeems its proofs on the new one.
    const again = await walletFor(second);
    expect(total(await again.receive(send))).toBe(10);
    // Spent stays spent (send swapped only some of the minted proofs; the rest are in keep).
    const spent = proofs.filter((p) => !keep.some((k) => k.secret === p.secret));
    expect(spent.length).toBeGreaterThan(0);
    await expectMintError(again.receive(spent), ErrorCode.PROOF_ALREADY_SPENT);
    expect((await again.checkProofsStates(spent)).every((s) => s.state === "SPENT")).toBe(true);
    expect((await again.checkProofsStates(keep)).every((s) => s.state === "UNSPENT")).toBe(true);
    // A quote from before the restart still mints, once.
    expect(total(await again.mintProofsBolt11(5, quote.quote))).toBe(5);
    expect(second.stats().outstanding).toBe(45);
  });

  it("refuses to re-key an existing database with another seed", async () => {
    const db = await tempDb();
    const seed = new Uint8Array(randomBytes(32));
    const first = await mintForTest({ db, seed });
    await first.close();
    await expect(startMint({ db, seed: new Uint8Array(randomBytes(32)) })).rejects.toThrow(
      /different mint seed/,
    );
    const same = await mintForTest({ db, seed });
    expect(same.keysetIds).toEqual(first.keysetIds);
  });

  it("derives the same keysets from the same seed, and a new active keyset when the fee changes", async () => {
    const seed = new Uint8Array(32).fill(9);
    const a = await mintForTest({ seed });
    const b = await mintForTest({ seed });
    expect(b.keysetIds).toEqual(a.keysetIds);

    const db = await tempDb();
    const free = await mintForTest({ db, seed });
    const wallet = await walletFor(free);
    const old = await fund(wallet, 8);
    await free.close();
    const paid = await mintForTest({ db, seed, inputFeePpk: 1000 });
    expect(paid.keysetIds).not.toEqual(free.keysetIds);
    const keysets = (await (await fetch(`${paid.url}/v1/keysets`)).json()) as {
      keysets: { id: string; active: boolean; input_fee_ppk: number }[];
    };
    expect(keysets.keysets).toContainEqual({
      id: free.keysetIds[0],
      unit: "sat",
      active: false,
      input_fee_ppk: 0,
    });
    // Old proofs stay redeemable into the new keyset (their own keyset's fee: 0); outputs to the inactive
    // keyset are refused (12002).
    const w2 = await walletFor(paid);
    const toOld = await post(paid, "/v1/swap", { inputs: wire(old), outputs: outputsFor(wallet, 8).json });
    expect(toOld.body.code).toBe(12002);
    const toNew = await post(paid, "/v1/swap", { inputs: wire(old), outputs: outputsFor(w2, 8).json });
    expect(toNew.status).toBe(200);
    expect(toNew.body.signatures[0].id).toBe(paid.keysetIds[0]);
  });
});

describe("NUT-09 restore", () => {
  it("lets a wallet with deterministic secrets recover proofs it never saw", async () => {
    const mint = await mintForTest();
    const bip39seed = new Uint8Array(randomBytes(64));
    const before = await walletFor(mint, { bip39seed });
    const minted = await fund(before, 21);
    const { keep, send } = await before.send(5, minted);
    // The "crashed" wallet lost everything but its seed.
    const after = await walletFor(mint, { bip39seed });
    const { proofs } = await after.batchRestore();
    const states = await after.checkProofsStates(proofs);
    const unspent = proofs.filter((_, i) => states[i]?.state === "UNSPENT");
    expect(total(unspent)).toBe(total(keep) + total(send));
    expect(total(unspent)).toBe(21);
  });
});
