/** The parts with no mint: strict lock reading, the seed file, SQLite counters and the ledger's replay guard. */
import { chmodSync, statSync } from "node:fs";
import { join } from "node:path";
import { Amount, createP2PKsecret } from "@cashu/cashu-ts";
import { afterAll, describe, expect, it } from "vitest";
import { deriveKeyPair } from "../src/keys.js";
import type { AcceptedPayment } from "../src/payments/accept.js";
import { PaymentLedger } from "../src/payments/ledger.js";
import { readLock } from "../src/payments/lock-conditions.js";
import { proofY } from "../src/proof-y.js";
import { loadOrCreateSeed } from "../src/seed.js";
import { SqliteCounterSource } from "../src/store/counters.js";
import { openDatabase } from "../src/store/db.js";
import { Fixture } from "./helpers.js";

const fx = new Fixture();
afterAll(() => fx.cleanup.run());
const KEY = deriveKeyPair(new Uint8Array(64).fill(7)).pubkey;
const OTHER = deriveKeyPair(new Uint8Array(64).fill(8)).pubkey;

describe("readLock", () => {
  const secret = (tags: string[][], kind = "P2PK") =>
    JSON.stringify([kind, { nonce: "00".repeat(32), data: KEY, tags }]);

  it("reads a well-formed lock", () => {
    const lock = readLock(
      createP2PKsecret(KEY, [
        ["locktime", "1900000000"],
        ["refund", OTHER],
      ]),
    );
    expect(lock).toEqual({
      ok: true,
      value: {
        pubkey: KEY,
        pubkeys: [],
        nSigs: 1,
        locktime: 1900000000,
        refundKeys: [OTHER],
        nSigsRefund: 1,
        sigflag: "SIG_INPUTS",
      },
    });
  });

  it("tells bearer and foreign-kind secrets from malformed ones", () => {
    expect(readLock("a1b2c3")).toMatchObject({ ok: false, code: "not-locked" });
    expect(readLock(secret([], "HTLC"))).toMatchObject({ ok: false, code: "not-locked" });
    expect(
      readLock(
        secret([
          ["locktime", "1"],
          ["locktime", "2"],
        ]),
      ),
    ).toMatchObject({ ok: false, code: "malformed" });
    expect(readLock(secret([["n_sigs", "0"]]))).toMatchObject({ ok: false, code: "malformed" });
    expect(readLock(secret([["n_sigs", "2"]]))).toMatchObject({ ok: false, code: "malformed" });
    expect(readLock(secret([["sigflag", "SIG_SOME"]]))).toMatchObject({ ok: false, code: "malformed" });
    expect(readLock(secret([["refund", "nope"]]))).toMatchObject({ ok: false, code: "malformed" });
    expect(readLock(JSON.stringify(["P2PK", { nonce: "x", data: "nokey" }]))).toMatchObject({
      ok: false,
      code: "malformed",
    });
  });

  it("treats a locktime that is not a unix time as a permanent lock", () => {
    expect(readLock(secret([["locktime", "soon"]]))).toMatchObject({
      ok: true,
      value: { locktime: undefined },
    });
  });
});

describe("seed file", () => {
  it("is created 0600 once and read back the same", async () => {
    const path = join(await fx.dir(), "wallet", "seed");
    const seed = loadOrCreateSeed(path);
    expect(seed).toHaveLength(64);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSeed(path)).toEqual(seed);
  });

  it("is refused when others can read it", async () => {
    const path = join(await fx.dir(), "seed");
    loadOrCreateSeed(path);
    chmodSync(path, 0o644);
    expect(() => loadOrCreateSeed(path)).toThrow(/readable by others/);
  });
});

describe("SQLite counter source", () => {
  it("never hands out a counter twice, across connections to one file", async () => {
    const file = join(await fx.dir(), "w.db");
    const a = new SqliteCounterSource(openDatabase(file));
    const b = new SqliteCounterSource(openDatabase(file));
    const ranges = await Promise.all([
      a.reserve("k", 3),
      b.reserve("k", 2),
      a.reserve("k", 4),
      b.reserve("other", 1),
    ]);
    expect(ranges.map((r) => r.start)).toEqual([0, 3, 5, 0]);
    await expect(a.reserveAt("k", 2, 1)).rejects.toThrow(/already issued/);
    await a.advanceToAtLeast("k", 20);
    expect(await b.snapshot()).toEqual({ k: 20, other: 1 });
  });
});

describe("PaymentLedger", () => {
  const payment = (secrets: string[]): AcceptedPayment => ({
    ok: true,
    mintUrl: "http://127.0.0.1:1",
    amountSats: secrets.length * 8,
    feeSats: 0,
    ys: secrets.map(proofY),
    proofs: secrets.map((secret) => ({
      id: "00aa",
      amount: Amount.from(8),
      secret,
      C: "02".padEnd(66, "1"),
    })),
    earliestLocktime: 0,
  });

  it("records Ys and credit together, and refuses a payment sharing any Y without recording any of it", () => {
    const ledger = new PaymentLedger(":memory:");
    expect(ledger.record(payment(["a", "b"]), { ref: "job-1" }).ok).toBe(true);
    expect(ledger.record(payment(["c", "b"]), { ref: "job-2" })).toMatchObject({
      ok: false,
      code: "replayed",
    });
    expect(ledger.has(proofY("c"))).toBe(false);
    expect(ledger.credits().map((c) => c.ref)).toEqual(["job-1"]);
    expect(ledger.totals()).toEqual({ held: 16, redeeming: 0, redeemed: 0, lost: 0 });
    ledger.close();
  });
});
