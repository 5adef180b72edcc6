/**
 * Crash tests: a wallet operation runs in a real child process that stops right after its write-ahead
 * record (before the mint call) or right after the mint answered (before anything is stored), and is
 * SIGKILLed there. The wallet reopened from the same files must settle the operation from the mint alone,
 * and its balance must be exact: every proof it counts is unspent at the mint (NUT-07), and the wallets'
 * totals equal the ecash the mint has outstanding (nothing lost, nothing counted twice).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fakeInvoice, type RunningMint } from "@pylon/mint";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type CrashPoint, PAUSE_ENV, PAUSE_MARKER } from "../src/crash-points.js";
import type { LockedToken } from "../src/ops/tokens.js";
import { acceptLockedPayment } from "../src/payments/accept.js";
import { KeysetDirectory } from "../src/payments/keysets.js";
import { PaymentLedger } from "../src/payments/ledger.js";
import { redeemCollected } from "../src/payments/redeem.js";
import type { PylonWallet } from "../src/wallet.js";
import { Fixture } from "./helpers.js";

const CHILD = fileURLToPath(new URL("./fixtures/wallet-op.mjs", import.meta.url));
const fx = new Fixture();
const children: ChildProcess[] = [];

beforeAll(() => {
  if (!existsSync(fileURLToPath(new URL("../dist/index.js", import.meta.url)))) {
    throw new Error("crash tests run the built package: npm run build -w packages/wallet");
  }
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await fx.cleanup.run();
});

/** Runs `op` in a child that pauses at `point`; SIGKILLs it there. */
async function killAt(
  point: CrashPoint,
  dir: string,
  mintUrl: string,
  op: string,
  args: unknown,
): Promise<void> {
  const child = spawn(process.execPath, [CHILD, JSON.stringify({ dir, mintUrl, op, args })], {
    env: { ...process.env, [PAUSE_ENV]: point },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let err = "";
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on("exit", (_code, signal) => resolve(signal)),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child never paused at ${point}: ${err}${out}`)), 15_000);
    child.stderr?.on("data", (d) => {
      err += d;
      if (err.includes(`${PAUSE_MARKER} ${point}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", () => reject(new Error(`child exited before pausing at ${point}: ${err}${out}`)));
  });
  child.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");
}

/** Every proof the wallets count as unspent is unspent at the mint, and their totals are the mint's outstanding ecash. */
async function expectExact(mint: RunningMint, wallets: PylonWallet[], ledgerHeld = 0): Promise<void> {
  let counted = ledgerHeld;
  for (const w of wallets) {
    await w.checkPending();
    const { total } = w.balance();
    expect(total.reserved).toBe(0);
    for (const mintUrl of w.mints) {
      const unspent = w.proofs({ mint: mintUrl, state: "unspent" }).map((p) => p.proof);
      const states = await w.checkStates(mintUrl, unspent);
      expect([...states.values()].every((s) => s === "UNSPENT")).toBe(true);
    }
    counted += total.unspent + total.pending;
  }
  expect(counted).toBe(mint.stats().outstanding);
}

async function funded(mint: RunningMint, sats = 1000): Promise<{ dir: string; wallet: PylonWallet }> {
  const dir = await fx.dir();
  const wallet = await fx.wallet([mint.url], dir);
  if (sats > 0) await wallet.fund(sats);
  wallet.close();
  return { dir, wallet };
}

/** A fresh mint and a wallet funded with `sats`, whose `op` is killed at `point`; the wallet reopened from its files. */
async function killAndReopen(
  point: CrashPoint,
  op: string,
  args: unknown,
  sats = 1000,
): Promise<{ mint: RunningMint; wallet: PylonWallet }> {
  const mint = await fx.mint();
  const { dir } = await funded(mint, sats);
  await killAt(point, dir, mint.url, op, args);
  return { mint, wallet: await fx.wallet([mint.url], dir) };
}

describe("a wallet killed mid-operation settles exactly on restart", () => {
  it("send killed before the mint call: the swap never happened, the balance is untouched", async () => {
    const { mint, wallet } = await killAndReopen("after-wal", "send", { amount: 300 });
    expect(wallet.history()[0]).toMatchObject({ kind: "send", state: "failed" });
    expect(wallet.balance().total).toEqual({ unspent: 1000, reserved: 0, pending: 0 });
    await expectExact(mint, [wallet]);
  });

  it("send killed after the mint swapped: outputs restored (NUT-09), the token still pays", async () => {
    const { mint, wallet } = await killAndReopen("after-mint", "send", { amount: 300 });
    const [op] = wallet.history();
    expect(op).toMatchObject({ kind: "send", state: "completed", amount: 300 });
    expect(wallet.balance().total).toEqual({ unspent: 700 - op!.fee, reserved: 0, pending: 300 });
    const bob = await fx.wallet([mint.url]);
    expect(await bob.receive(String(op!.detail.token))).toMatchObject({ state: "completed", amount: 300 });
    await expectExact(mint, [wallet, bob]);
  });

  it("receive killed after the mint swapped: credited once, and the token cannot be received again", async () => {
    const mint = await fx.mint();
    const alice = await fx.wallet([mint.url]);
    await alice.fund(500);
    const { token } = await alice.send(200);
    const { dir } = await funded(mint, 0);
    await killAt("after-mint", dir, mint.url, "receive", { token });
    const bob = await fx.wallet([mint.url], dir);
    expect(bob.history()[0]).toMatchObject({ kind: "receive", state: "completed", amount: 200 });
    expect(bob.balance().total.unspent).toBe(200);
    await expect(bob.receive(token)).rejects.toMatchObject({ code: "token-spent" });
    expect(bob.balance().total.unspent).toBe(200);
    await expectExact(mint, [alice, bob]);
  });

  it("fund killed after the mint signed: the minted proofs are restored", async () => {
    const { mint, wallet } = await killAndReopen("after-mint", "fund", { amount: 777 }, 0);
    expect(wallet.history()[0]).toMatchObject({ kind: "fund", state: "completed", amount: 777 });
    expect(wallet.balance().total.unspent).toBe(777);
    await expectExact(mint, [wallet]);
  });

  it("withdraw killed before the melt: nothing paid, the inputs are released", async () => {
    const { mint, wallet } = await killAndReopen("after-wal", "withdraw", {
      invoice: fakeInvoice({ amountMsat: 400_000n }).request,
    });
    expect(wallet.history()[0]).toMatchObject({ kind: "withdraw", state: "failed" });
    expect(wallet.balance().total).toEqual({ unspent: 1000, reserved: 0, pending: 0 });
    expect(mint.stats().melted).toBe(0);
    await expectExact(mint, [wallet]);
  });

  it("withdraw killed after the melt: paid once, change restored from the quote", async () => {
    const { mint, wallet } = await killAndReopen("after-mint", "withdraw", {
      invoice: fakeInvoice({ amountMsat: 400_000n }).request,
    });
    const [op] = wallet.history();
    expect(op).toMatchObject({ kind: "withdraw", state: "completed", amount: 400 });
    expect(wallet.balance().total.unspent).toBe(600 - op!.fee);
    expect(mint.stats().melted).toBe(400);
    await expectExact(mint, [wallet]);
  });

  it("locked payment killed after the swap (buyer): the locked tokens are restored and accepted", async () => {
    const mint = await fx.mint();
    const provider = await fx.wallet([mint.url]);
    const { dir } = await funded(mint);
    const locktime = Math.floor(Date.now() / 1000) + 3600;
    await killAt("after-mint", dir, mint.url, "lock", {
      requests: [{ pubkey: provider.p2pk.pubkey, amountSats: 250, locktime }],
    });
    const buyer = await fx.wallet([mint.url], dir);
    const [op] = buyer.history();
    expect(op).toMatchObject({ kind: "lock", state: "completed", amount: 250 });
    const [payment] = op!.detail.locked as LockedToken[];
    const keysets = new KeysetDirectory();
    await keysets.refresh(mint.url);
    const accepted = acceptLockedPayment(payment!.token, {
      allowedMints: [mint.url],
      keysets,
      paymentKey: provider.p2pk.pubkey,
      minLocktime: locktime - 60,
      priceSats: 250,
      seenYs: new Set(),
    });
    expect(accepted).toMatchObject({ ok: true, amountSats: 250 });
    await expectExact(mint, [buyer, provider]);
  });

  for (const point of ["after-wal", "after-mint"] as const) {
    it(`provider redeem killed ${point === "after-wal" ? "before" : "after"} the mint call: redeemed exactly once`, async () => {
      const mint = await fx.mint();
      const buyer = await fx.wallet([mint.url]);
      await buyer.fund(500);
      const { dir } = await funded(mint, 0);
      const provider = await fx.wallet([mint.url], dir);
      const keysets = new KeysetDirectory();
      await keysets.refresh(mint.url);
      const ledger = new PaymentLedger(join(dir, "ledger.db"));
      const { payments } = await buyer.createLockedPayments([
        { pubkey: provider.p2pk.pubkey, amountSats: 120, locktime: Math.floor(Date.now() / 1000) + 3600 },
      ]);
      const accepted = acceptLockedPayment(payments[0]!.token, {
        allowedMints: [mint.url],
        keysets,
        paymentKey: provider.p2pk.pubkey,
        minLocktime: 0,
        priceSats: 120,
        seenYs: ledger,
      });
      if (!accepted.ok) throw new Error(accepted.reason);
      ledger.record(accepted);
      ledger.close();
      provider.close();

      await killAt(point, dir, mint.url, "redeem", {});
      const reopened = await fx.wallet([mint.url], dir);
      const ledger2 = new PaymentLedger(join(dir, "ledger.db"));
      expect(ledger2.totals().redeeming).toBe(120);
      await redeemCollected(ledger2, reopened, { paymentPrivkey: reopened.p2pk.privkey });
      expect(ledger2.totals()).toMatchObject({ held: 0, redeeming: 0, redeemed: 120, lost: 0 });
      expect(reopened.balance().total.unspent).toBe(120);
      expect(reopened.history().filter((o) => o.kind === "redeem" && o.state === "completed")).toHaveLength(
        1,
      );
      ledger2.close();
      await expectExact(mint, [buyer, reopened]);
    });
  }
});
