/**
 * Every refusal over raw HTTP: the status, the NUT error code, and that nothing was applied.
 */
import { type Proof, schnorrSignMessage, type Wallet } from "@cashu/cashu-ts";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeInvoice } from "../src/bolt11.js";
import type { RunningMint } from "../src/mint.js";
import {
  expectMintError,
  expectRefusal,
  fund,
  get,
  mintForTest,
  newKey,
  outputsFor,
  post,
  walletFor,
  wire,
} from "./helpers.js";

const UNKNOWN_KEYSET = `01${"ab".repeat(32)}`;

describe("swap refusals", () => {
  let mint: RunningMint;
  let wallet: Wallet;
  let proofs: Proof[];

  beforeEach(async () => {
    mint = await mintForTest();
    wallet = await walletFor(mint);
    proofs = await fund(wallet, 15); // 8 + 4 + 2 + 1
  });

  it("refuses a double spend (11001) and keeps the first swap's outputs", async () => {
    const first = await post(mint, "/v1/swap", {
      inputs: wire(proofs),
      outputs: outputsFor(wallet, 15).json,
    });
    expect(first.status).toBe(200);
    expect(first.body.signatures).toHaveLength(4);
    expectRefusal(
      await post(mint, "/v1/swap", { inputs: wire(proofs), outputs: outputsFor(wallet, 15).json }),
      11001,
    );
    expect(mint.stats()).toMatchObject({ signed: 30, redeemed: 15, outstanding: 15 });
  });

  it("refuses duplicate inputs (11007) and duplicate outputs (11008)", async () => {
    const [p] = wire(proofs.slice(0, 1));
    expectRefusal(
      await post(mint, "/v1/swap", { inputs: [p, p], outputs: outputsFor(wallet, 16).json }),
      11007,
    );
    const out = outputsFor(wallet, 4).json[0];
    const twice = await post(mint, "/v1/swap", {
      inputs: wire(proofs.filter((x) => x.amount.toNumber() === 8)),
      outputs: [out, out],
    });
    expectRefusal(twice, 11008);
  });

  it("refuses an output that was already signed (10002), spending nothing", async () => {
    const outputs = outputsFor(wallet, 15).json;
    expect((await post(mint, "/v1/swap", { inputs: wire(proofs), outputs })).status).toBe(200);
    const more = await fund(wallet, 15);
    expectRefusal(await post(mint, "/v1/swap", { inputs: wire(more), outputs }), 10002);
    const states = await wallet.checkProofsStates(more);
    expect(states.every((s) => s.state === "UNSPENT")).toBe(true);
  });

  it("refuses unbalanced swaps (11002) both ways", async () => {
    expectRefusal(
      await post(mint, "/v1/swap", { inputs: wire(proofs), outputs: outputsFor(wallet, 16).json }),
      11002,
    );
    expectRefusal(
      await post(mint, "/v1/swap", { inputs: wire(proofs), outputs: outputsFor(wallet, 14).json }),
      11002,
    );
    expect(mint.stats().spentProofs).toBe(0);
  });

  it("refuses unknown keysets (12001) on inputs and outputs", async () => {
    const outputs = outputsFor(wallet, 15).json;
    const badOut = outputs.map((o) => ({ ...o, id: UNKNOWN_KEYSET }));
    expectRefusal(await post(mint, "/v1/swap", { inputs: wire(proofs), outputs: badOut }), 12001);
    const badIn = wire(proofs).map((p) => ({ ...p, id: UNKNOWN_KEYSET }));
    expectRefusal(await post(mint, "/v1/swap", { inputs: badIn, outputs }), 12001);
    expectRefusal(await get(mint, `/v1/keys/${UNKNOWN_KEYSET}`), 12001);
  });

  it("refuses proofs whose signature does not verify (10003)", async () => {
    const inputs = wire(proofs);
    const [a, b] = inputs;
    if (!a || !b) throw new Error("need two proofs");
    // Another proof's (valid) C, a relabelled amount, and a C that is not a curve point.
    const swapped = [{ ...a, C: b.C }, ...inputs.slice(1)];
    expectRefusal(
      await post(mint, "/v1/swap", { inputs: swapped, outputs: outputsFor(wallet, 15).json }),
      10003,
    );
    const relabelled = [{ ...a, amount: b.amount }, b];
    expectRefusal(
      await post(mint, "/v1/swap", { inputs: relabelled, outputs: outputsFor(wallet, 2 * b.amount).json }),
      10003,
    );
    const offCurve = [{ ...a, C: `02${"00".repeat(32)}` }, ...inputs.slice(1)];
    expectRefusal(
      await post(mint, "/v1/swap", { inputs: offCurve, outputs: outputsFor(wallet, 15).json }),
      10003,
    );
    expect(mint.stats().spentProofs).toBe(0);
  });

  it("refuses amounts that are not denominations of the keyset", async () => {
    const outputs = outputsFor(wallet, 12).json; // 8 + 4
    const three = [
      ...outputs.slice(0, 1),
      { ...outputs[1], amount: 3 },
      { ...outputsFor(wallet, 4).json[0], amount: 4 },
    ];
    expectRefusal(await post(mint, "/v1/swap", { inputs: wire(proofs), outputs: three }), 11006);
    const inputs = wire(proofs).map((p, i) => (i === 0 ? { ...p, amount: 3 } : p));
    expectRefusal(await post(mint, "/v1/swap", { inputs, outputs: outputsFor(wallet, 10).json }), 10003);
  });

  it("refuses P2PK inputs with a missing, foreign or garbage witness (10003)", async () => {
    const carol = newKey();
    const locked = await wallet.ops.send(8, proofs).asP2PK({ pubkey: carol.pub }).run();
    const inputs = wire(locked.send);
    const outputs = outputsFor(wallet, 8).json;
    expectRefusal(await post(mint, "/v1/swap", { inputs, outputs }), 10003);
    const foreign = inputs.map((p) => ({
      ...p,
      witness: JSON.stringify({ signatures: [schnorrSignMessage(p.secret, newKey().priv)] }),
    }));
    expectRefusal(await post(mint, "/v1/swap", { inputs: foreign, outputs }), 10003);
    const garbage = inputs.map((p) => ({ ...p, witness: "{not json" }));
    expectRefusal(await post(mint, "/v1/swap", { inputs: garbage, outputs }), 10003);
    const good = inputs.map((p) => ({
      ...p,
      witness: JSON.stringify({ signatures: [schnorrSignMessage(p.secret, carol.priv)] }),
    }));
    expect((await post(mint, "/v1/swap", { inputs: good, outputs })).status).toBe(200);
  });

  it("answers malformed requests with a 4xx error body, never a crash", async () => {
    expectRefusal(await post(mint, "/v1/swap", "{not json"), 0);
    expectRefusal(await post(mint, "/v1/swap", { inputs: [] }), 0);
    expectRefusal(
      await post(mint, "/v1/swap", { inputs: wire(proofs), outputs: [{ amount: -1, id: "x", B_: "zz" }] }),
      0,
    );
    const notAPoint = outputsFor(wallet, 15).json.map((o) => ({ ...o, B_: `02${"00".repeat(32)}` }));
    expectRefusal(
      await post(mint, "/v1/swap", {
        inputs: wire(proofs),
        outputs: notAPoint.slice(0, 1).concat(outputsFor(wallet, 7).json),
      }),
      0,
    );
    expectRefusal(await post(mint, "/v1/checkstate", { Ys: ["nope"] }), 0);
    expect((await get(mint, "/v1/nothing")).status).toBe(404);
    expect((await get(mint, "/v1/swap")).status).toBe(405);
    const huge = await fetch(`${mint.url}/v1/swap`, { method: "POST", body: "x".repeat(2_000_000) });
    expect(huge.status).toBe(413);
    // Still serving, nothing spent.
    expect((await get(mint, "/v1/info")).status).toBe(200);
    expect(mint.stats().spentProofs).toBe(0);
  });
});

describe("mint quote refusals", () => {
  it("refuses an unpaid quote (20001), mints once paid, then refuses it as issued (20002)", async () => {
    const mint = await mintForTest({ autoPay: false });
    const wallet = await walletFor(mint);
    const quote = await wallet.createMintQuoteBolt11(8);
    expect(quote.state).toBe("UNPAID");
    const outputs = outputsFor(wallet, 8).json;
    expectRefusal(await post(mint, "/v1/mint/bolt11", { quote: quote.quote, outputs }), 20001);
    expect(mint.payMintQuote(quote.quote)).toBe(true);
    expect((await get(mint, `/v1/mint/quote/bolt11/${quote.quote}`)).body.state).toBe("PAID");
    expect((await post(mint, "/v1/mint/bolt11", { quote: quote.quote, outputs })).status).toBe(200);
    expect((await get(mint, `/v1/mint/quote/bolt11/${quote.quote}`)).body.state).toBe("ISSUED");
    expectRefusal(
      await post(mint, "/v1/mint/bolt11", { quote: quote.quote, outputs: outputsFor(wallet, 8).json }),
      20002,
    );
    await expectMintError(wallet.mintProofsBolt11(8, quote.quote), 20002);
    expect(mint.stats()).toMatchObject({ minted: 8, signed: 8 });
  });

  it("pays an invoice by its text alone (a payer's view), once, and never a foreign or expired one", async () => {
    const mint = await mintForTest({ autoPay: false });
    const wallet = await walletFor(mint);
    const quote = await wallet.createMintQuoteBolt11(5);
    expect(mint.payInvoice("lnbcrt50n1notours")).toBe(false);
    expect(mint.payInvoice(quote.request.toUpperCase())).toBe(true);
    expect(mint.payInvoice(quote.request)).toBe(false); // already paid
    expect((await get(mint, `/v1/mint/quote/bolt11/${quote.quote}`)).body.state).toBe("PAID");
    const expired = await mintForTest({ autoPay: false, quoteTtlSeconds: 0 });
    const stale = await (await walletFor(expired)).createMintQuoteBolt11(5);
    expect(expired.payInvoice(stale.request)).toBe(false);
  });

  it("refuses expired unpaid quotes (20007), wrong totals (11002), units (11005) and unknown quotes", async () => {
    const mint = await mintForTest({ autoPay: false, quoteTtlSeconds: 0 });
    const wallet = await walletFor(mint);
    const quote = await wallet.createMintQuoteBolt11(4);
    expectRefusal(
      await post(mint, "/v1/mint/bolt11", { quote: quote.quote, outputs: outputsFor(wallet, 4).json }),
      20007,
    );
    const paid = await mintForTest();
    const w2 = await walletFor(paid);
    const q2 = await w2.createMintQuoteBolt11(4);
    expectRefusal(
      await post(paid, "/v1/mint/bolt11", { quote: q2.quote, outputs: outputsFor(w2, 8).json }),
      11002,
    );
    expectRefusal(await post(paid, "/v1/mint/quote/bolt11", { amount: 4, unit: "usd" }), 11005);
    expectRefusal(await post(paid, "/v1/mint/quote/bolt11", { amount: 2_000_000_000, unit: "sat" }), 11006);
    expectRefusal(await post(paid, "/v1/mint/bolt11", { quote: "nope", outputs: outputsFor(w2, 4).json }), 0);
    expectRefusal(await get(paid, "/v1/mint/quote/bolt11/nope"), 0);
  });
});

describe("melt refusals", () => {
  it("refuses short inputs (11002), amountless (11011) and non-invoices, and pays an invoice only once (20006)", async () => {
    const mint = await mintForTest();
    const wallet = await walletFor(mint);
    const proofs = await fund(wallet, 100);
    expectRefusal(
      await post(mint, "/v1/melt/quote/bolt11", { request: fakeInvoice({}).request, unit: "sat" }),
      11011,
    );
    expectRefusal(
      await post(mint, "/v1/melt/quote/bolt11", { request: "lnbcrt10n1garbage", unit: "sat" }),
      0,
    );
    expectRefusal(
      await post(mint, "/v1/melt/quote/bolt11", {
        request: fakeInvoice({ amountMsat: 1000n }).request,
        unit: "usd",
      }),
      11005,
    );

    const invoice = fakeInvoice({ amountMsat: 50_000n }).request;
    const quote = await wallet.createMeltQuoteBolt11(invoice);
    const exact = await wallet.send(50, proofs); // no room for the fee reserve
    expectRefusal(
      await post(mint, "/v1/melt/bolt11", { quote: quote.quote, inputs: wire(exact.send) }),
      11002,
    );
    expect((await get(mint, `/v1/melt/quote/bolt11/${quote.quote}`)).body.state).toBe("UNPAID");

    const enough = [...exact.send, ...exact.keep];
    const paid = await post(mint, "/v1/melt/bolt11", { quote: quote.quote, inputs: wire(enough) });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ state: "PAID", change: [] });
    // Without blank outputs the unreturned reserve stays with Lightning.
    expect(mint.stats()).toMatchObject({ melted: 50, lightningFees: 50, outstanding: 0 });

    const again = await wallet.createMeltQuoteBolt11(fakeInvoice({ amountMsat: 1000n }).request);
    expect(again.state).toBe("UNPAID");
    expectRefusal(await post(mint, "/v1/melt/quote/bolt11", { request: invoice, unit: "sat" }), 20006);
  });
});

describe("checkstate and restore", () => {
  it("reports UNSPENT/SPENT by Y and restores signatures of known outputs (NUT-09)", async () => {
    const mint = await mintForTest();
    const wallet = await walletFor(mint);
    const outputs = outputsFor(wallet, 6);
    const quote = await wallet.createMintQuoteBolt11(6);
    const minted = await post(mint, "/v1/mint/bolt11", { quote: quote.quote, outputs: outputs.json });
    const restored = await post(mint, "/v1/restore", {
      outputs: [...outputs.json, ...outputsFor(wallet, 1).json],
    });
    expect(restored.body.outputs).toEqual(outputs.json);
    expect(restored.body.signatures).toEqual(minted.body.signatures);
  });
});
