/**
 * Locked payments end to end against the real local mint: one buyer pays three providers in one swap,
 * each provider accepts offline, every attack is refused with its code and credits nothing, collected
 * proofs are redeemed in one swap, and the buyer reclaims what a provider never redeemed.
 */
import { join } from "node:path";
import { getDecodedToken, getEncodedToken, type P2PKOptions, type Proof, Wallet } from "@cashu/cashu-ts";
import type { RunningMint } from "@pylon/mint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AcceptOptions, acceptLockedPayment } from "../src/payments/accept.js";
import { KeysetDirectory } from "../src/payments/keysets.js";
import { PaymentLedger } from "../src/payments/ledger.js";
import { redeemCollected } from "../src/payments/redeem.js";
import type { PylonWallet } from "../src/wallet.js";
import { FetchSpy } from "./fetch-spy.js";
import { acceptOptions, Fixture } from "./helpers.js";

const fx = new Fixture();
const spy = new FetchSpy();
let mint: RunningMint;
let foreignMint: RunningMint;
let buyer: PylonWallet;
let providers: PylonWallet[];
let keysets: KeysetDirectory;
let ledgerDir: string;

const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  mint = await fx.mint();
  foreignMint = await fx.mint();
  buyer = await fx.wallet([mint.url, foreignMint.url]);
  providers = await Promise.all([0, 1, 2].map(() => fx.wallet([mint.url])));
  keysets = new KeysetDirectory();
  await keysets.refresh(mint.url);
  await buyer.fund(5000);
  await buyer.fund(500, { mint: foreignMint.url });
  ledgerDir = await fx.dir();
  spy.install();
});
afterAll(async () => {
  spy.uninstall();
  await fx.cleanup.run();
});

function optionsFor(provider: PylonWallet, ledger: PaymentLedger, price: number): AcceptOptions {
  return acceptOptions(provider, ledger, price, { mintUrl: mint.url, keysets });
}

function tamper(token: string, edit: (proofs: Proof[]) => unknown): string {
  const decoded = getDecodedToken(token, keysets.ids(mint.url));
  edit(decoded.proofs);
  return getEncodedToken(decoded);
}

/** The other point with the same x: a valid curve point that is not the mint's signature. */
const flipParity = (c: string) => (c.startsWith("02") ? "03" : "02") + c.slice(2);

describe("P2PK-locked payments", () => {
  it("pays three providers in one swap; each accepts offline and redeems in one swap", async () => {
    spy.reset();
    const locktime = now() + 3600;
    const { op, payments } = await buyer.createLockedPayments(
      providers.map((p, i) => ({ pubkey: p.p2pk.pubkey, amountSats: 100 * (i + 1), locktime })),
    );
    expect(spy.count("POST /v1/swap")).toBe(1);
    expect(op).toMatchObject({ kind: "lock", state: "completed", amount: 600 });
    expect(payments.map((p) => p.pubkey).sort()).toEqual(providers.map((p) => p.p2pk.pubkey).sort());
    expect(buyer.balance().byMint[mint.url]).toMatchObject({ unspent: 5000 - 600 - op.fee, pending: 600 });

    for (const [i, provider] of providers.entries()) {
      const ledger = new PaymentLedger(join(ledgerDir, `provider-${i}.db`));
      const payment = payments.find((p) => p.pubkey === provider.p2pk.pubkey)!;
      spy.reset();
      const accepted = acceptLockedPayment(payment.token, optionsFor(provider, ledger, 100 * (i + 1)));
      expect(spy.calls).toEqual([]); // offline: not one request to the mint
      expect(accepted).toMatchObject({ ok: true, mintUrl: mint.url, amountSats: 100 * (i + 1), feeSats: 0 });
      if (!accepted.ok) throw new Error(accepted.reason);
      expect(ledger.record(accepted, { ref: `job-${i}` })).toMatchObject({ ok: true });

      spy.reset();
      const batches = await redeemCollected(ledger, provider, { paymentPrivkey: provider.p2pk.privkey });
      expect(spy.count("POST /v1/swap")).toBe(1);
      expect(batches).toMatchObject([{ redeemedSats: 100 * (i + 1), lostSats: 0 }]);
      expect(provider.balance().total.unspent).toBe(100 * (i + 1));
      expect(ledger.totals()).toMatchObject({ held: 0, redeemed: 100 * (i + 1) });
      ledger.close();
    }
    expect((await buyer.checkPending()).claimedSats).toBe(600);
    expect(buyer.balance().byMint[mint.url]?.pending).toBe(0);
  });

  it("redeems many collected payments in one swap", async () => {
    const [provider] = providers as [PylonWallet];
    const ledger = new PaymentLedger(":memory:");
    const before = provider.balance().total.unspent;
    for (const price of [21, 34, 55]) {
      const { payments } = await buyer.createLockedPayments([
        { pubkey: provider.p2pk.pubkey, amountSats: price, locktime: now() + 3600 },
      ]);
      const accepted = acceptLockedPayment(payments[0]!.token, optionsFor(provider, ledger, price));
      if (!accepted.ok) throw new Error(accepted.reason);
      ledger.record(accepted);
    }
    expect(ledger.totals().held).toBe(110);
    spy.reset();
    const batches = await redeemCollected(ledger, provider, { paymentPrivkey: provider.p2pk.privkey });
    expect(spy.count("POST /v1/swap")).toBe(1);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ proofs: 10, redeemedSats: 110, lostSats: 0 }); // 16+4+1, 32+2, 32+16+4+2+1
    expect(provider.balance().total.unspent).toBe(before + 110);
    expect(ledger.totals()).toMatchObject({ held: 0, redeeming: 0, redeemed: 110 });
    ledger.close();
  });

  it("refuses every attack with its code and credits nothing", async () => {
    const [victim, other] = providers as [PylonWallet, PylonWallet];
    const ledger = new PaymentLedger(join(ledgerDir, "attacks.db"));
    const opts = optionsFor(victim, ledger, 50);
    const lock = async (pubkey: string, amountSats: number, locktime = now() + 3600, mintUrl = mint.url) =>
      (await buyer.createLockedPayments([{ pubkey, amountSats, locktime }], { mint: mintUrl })).payments[0]!
        .token;

    const good = await lock(victim.p2pk.pubkey, 64);
    const goodProofs = getDecodedToken(good, keysets.ids(mint.url)).proofs;
    const first = goodProofs[0]!;
    const cases: Array<[string, string]> = [
      // Forged: a C that is not the mint's signature, a broken DLEQ, an inflated amount, no DLEQ at all.
      ["bad-dleq", tamper(good, (ps) => ps.splice(0, 1, { ...first, C: flipParity(first.C) }))],
      [
        "bad-dleq",
        tamper(good, (ps) => ps.splice(0, 1, { ...first, dleq: { ...first.dleq!, s: "11".repeat(32) } })),
      ],
      ["bad-dleq", tamper(good, (ps) => ps.splice(0, 1, { ...first, amount: first.amount.multiplyBy(2) }))],
      ["bad-dleq", tamper(good, (ps) => ps.splice(0, 1, { ...first, dleq: undefined }))],
      ["foreign-mint", await lock(victim.p2pk.pubkey, 64, now() + 3600, foreignMint.url)],
      ["underpaid", await lock(victim.p2pk.pubkey, 20)],
      ["wrong-key", await lock(other.p2pk.pubkey, 64)],
      ["locktime-too-close", await lock(victim.p2pk.pubkey, 64, now() + 60)],
      ["not-locked", (await buyer.send(64)).token],
      ["unknown-keyset", tamper(good, (ps) => ps.splice(0, 1, { ...first, id: "00ffffffffffffff" }))],
      ["malformed", "cashuBthis-is-not-a-token"],
      // The same proof twice in one token: a double spend inside the payment.
      ["replayed", tamper(good, (ps) => ps.push({ ...first }))],
    ];
    for (const [code, token] of cases) {
      expect(acceptLockedPayment(token, opts), code).toMatchObject({ ok: false, code });
    }
    expect(ledger.totals()).toEqual({ held: 0, redeeming: 0, redeemed: 0, lost: 0 });
    expect(ledger.credits()).toEqual([]);

    // The genuine token is accepted once; the same Ys again are a replay, also after a restart.
    const accepted = acceptLockedPayment(good, opts);
    if (!accepted.ok) throw new Error(accepted.reason);
    expect(ledger.record(accepted, { ref: "job-a" }).ok).toBe(true);
    expect(acceptLockedPayment(good, opts)).toMatchObject({ ok: false, code: "replayed" });
    expect(ledger.record(accepted, { ref: "job-b" })).toMatchObject({ ok: false, code: "replayed" });
    ledger.close();
    const reopened = new PaymentLedger(join(ledgerDir, "attacks.db"));
    expect(acceptLockedPayment(good, { ...opts, seenYs: reopened })).toMatchObject({
      ok: false,
      code: "replayed",
    });
    expect(reopened.credits().map((c) => c.ref)).toEqual(["job-a"]);
    reopened.close();
  });

  it("keeps keysets in a cache the provider can persist, dropping any whose keys do not match the id", () => {
    const cached = keysets.export(mint.url);
    expect(cached.length).toBeGreaterThan(0);
    const restored = new KeysetDirectory();
    const forged = { ...cached[0]!, keys: { ...cached[0]!.keys, "1": cached[0]!.keys["2"]! } };
    restored.load(mint.url, [forged]);
    expect(restored.ids(mint.url)).toEqual([]);
    restored.load(mint.url, cached);
    expect(restored.ids(mint.url).sort()).toEqual(keysets.ids(mint.url).sort());
  });

  it("refuses locks the provider could not safely call its own", async () => {
    const [victim, other] = providers as [PylonWallet, PylonWallet];
    const ledger = new PaymentLedger(":memory:");
    // A third-party wallet straight on cashu-ts, free to make any lock it likes.
    const raw = new Wallet(mint.url);
    await raw.loadMint();
    const quote = await raw.createMintQuoteBolt11(400);
    let proofs = await raw.mintProofsBolt11(400, quote.quote);
    const craft = async (p2pk: P2PKOptions) => {
      const { keep, send } = await raw.ops.send(64, proofs).asP2PK(p2pk).run();
      proofs = keep;
      return getEncodedToken({ mint: mint.url, proofs: send });
    };
    const locktime = now() + 3600;
    const refundKeys = [buyer.p2pk.pubkey];
    const cases: Array<[string, P2PKOptions]> = [
      ["multisig", { pubkey: [victim.p2pk.pubkey, other.p2pk.pubkey], locktime, refundKeys }],
      [
        "multisig",
        { pubkey: [victim.p2pk.pubkey, other.p2pk.pubkey], requiredSignatures: 2, locktime, refundKeys },
      ],
      ["no-refund-key", { pubkey: victim.p2pk.pubkey, locktime }],
      ["locktime-too-close", { pubkey: victim.p2pk.pubkey, refundKeys: [] }],
      ["unsupported-lock", { pubkey: victim.p2pk.pubkey, locktime, refundKeys, sigFlag: "SIG_ALL" }],
    ];
    for (const [code, p2pk] of cases) {
      expect(acceptLockedPayment(await craft(p2pk), optionsFor(victim, ledger, 50)), code).toMatchObject({
        ok: false,
        code,
      });
    }
    // The same tool making a proper lock is accepted: the refusals above are about the lock, not the wallet.
    const proper = await craft({ pubkey: victim.p2pk.pubkey, locktime, refundKeys });
    expect(acceptLockedPayment(proper, optionsFor(victim, ledger, 50))).toMatchObject({
      ok: true,
      amountSats: 64,
    });
    ledger.close();
  });

  it("lets the buyer reclaim after the locktime; the provider then loses that payment and redeems the rest", async () => {
    const [provider] = providers as [PylonWallet];
    const ledger = new PaymentLedger(":memory:");
    const before = provider.balance().total.unspent;
    const buyerBefore = buyer.balance().byMint[mint.url]!;
    const soon = now() + 2;
    const short = await buyer.createLockedPayments([
      { pubkey: provider.p2pk.pubkey, amountSats: 16, locktime: soon },
    ]);
    const long = await buyer.createLockedPayments([
      { pubkey: provider.p2pk.pubkey, amountSats: 32, locktime: now() + 3600 },
    ]);
    for (const { payments } of [short, long]) {
      const accepted = acceptLockedPayment(payments[0]!.token, {
        ...optionsFor(provider, ledger, 1),
        minLocktime: soon,
      });
      if (!accepted.ok) throw new Error(accepted.reason);
      ledger.record(accepted);
    }
    expect(ledger.nextDeadline()).toBe(soon);
    expect(await buyer.reclaim({ opId: short.op.id })).toBeUndefined(); // not due yet
    await new Promise((r) => setTimeout(r, (soon - now() + 1.2) * 1000));
    const reclaimed = await buyer.reclaim({ opId: short.op.id });
    expect(reclaimed).toMatchObject({ kind: "reclaim", state: "completed", amount: 16 });
    const buyerAfter = buyer.balance().byMint[mint.url]!;
    expect(buyerAfter.unspent).toBe(
      buyerBefore.unspent - 48 - short.op.fee - long.op.fee - reclaimed!.fee + 16,
    );
    expect(buyerAfter.pending).toBe(buyerBefore.pending + 32);
    const batches = await redeemCollected(ledger, provider, { paymentPrivkey: provider.p2pk.privkey });
    expect(batches.map((b) => [b.redeemedSats, b.lostSats])).toEqual([
      [0, 16],
      [32, 0],
    ]);
    expect(provider.balance().total.unspent).toBe(before + 32);
    expect(ledger.totals()).toMatchObject({ held: 0, redeeming: 0, redeemed: 32, lost: 16 });
    ledger.close();
  });
});
