/**
 * A request the mint did not answer in time (found by the 1,000-provider soak: a saturated mint carried out
 * providers' redeems after their 15 s timeout, and the wallets, having seen the inputs unspent a moment
 * earlier, had closed the swaps as never processed, so the redeemed proofs counted as lost). Real mint over
 * HTTP behind a proxy that holds one request until the test releases it (or never).
 */
import { join } from "node:path";
import type { RunningMint } from "@pylon/mint";
import { type LateMint, startLateMint } from "@pylon/testkit/market";
import { afterEach, describe, expect, it } from "vitest";
import { WalletError } from "../src/errors.js";
import { acceptLockedPayment } from "../src/payments/accept.js";
import { KeysetDirectory } from "../src/payments/keysets.js";
import { PaymentLedger } from "../src/payments/ledger.js";
import { redeemCollected } from "../src/payments/redeem.js";
import { openWallet, type PylonWallet } from "../src/wallet.js";
import { Fixture } from "./helpers.js";

const fx = new Fixture();
afterEach(() => fx.cleanup.run());

const TIMEOUT_MS = 400;
const LOCKED_SATS = 120;

/** A wallet at `mintUrl` whose mint calls time out after TIMEOUT_MS (cashu-ts's timeout is process-wide). */
async function impatientWallet(mintUrl: string, unansweredWindowMs: number): Promise<PylonWallet> {
  const dir = await fx.dir();
  const wallet = await openWallet({
    dbPath: join(dir, "wallet.db"),
    seedPath: join(dir, "seed"),
    mintUrls: [mintUrl],
    requestTimeoutMs: TIMEOUT_MS,
    unansweredWindowMs,
  });
  return fx.cleanup.use(wallet, (w) => w.close());
}

/** A real mint behind a late proxy, a funded buyer and a provider holding one collected locked payment. */
async function collected(unansweredWindowMs: number): Promise<{
  mint: RunningMint;
  late: LateMint;
  provider: PylonWallet;
  ledger: PaymentLedger;
}> {
  const mint = await fx.mint();
  const late = await startLateMint(fx.cleanup, mint.url);
  const buyer = await impatientWallet(late.url, unansweredWindowMs);
  await buyer.fund(500);
  const provider = await impatientWallet(late.url, unansweredWindowMs);
  const keysets = new KeysetDirectory();
  await keysets.refresh(late.url);
  const ledger = fx.cleanup.use(new PaymentLedger(join(await fx.dir(), "ledger.db")), (l) => l.close());
  const { payments } = await buyer.createLockedPayments([
    { pubkey: provider.p2pk.pubkey, amountSats: LOCKED_SATS, locktime: Math.floor(Date.now() / 1000) + 3600 },
  ]);
  const accepted = acceptLockedPayment(payments[0]!.token, {
    allowedMints: [late.url],
    keysets,
    paymentKey: provider.p2pk.pubkey,
    minLocktime: 0,
    priceSats: LOCKED_SATS,
    seenYs: ledger,
  });
  if (!accepted.ok) throw new Error(accepted.reason);
  ledger.record(accepted);
  return { mint, late, provider, ledger };
}

async function unanswered(promise: Promise<unknown>): Promise<WalletError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WalletError);
  expect((err as WalletError).code).toBe("mint-unreachable");
  return err as WalletError;
}

/** A wallet with 1,000 sats whose send of 300 went unanswered (its swap held by the proxy). */
async function unansweredSend(unansweredWindowMs: number) {
  const mint = await fx.mint();
  const late = await startLateMint(fx.cleanup, mint.url);
  const wallet = await impatientWallet(late.url, unansweredWindowMs);
  await wallet.fund(1000);
  late.hold("/v1/swap");
  const err = await unanswered(wallet.send(300));
  return { mint, late, wallet, err };
}

describe("a request the mint answers after the wallet stopped waiting", () => {
  it("a redeem the mint carries out late is redeemed, not lost: its swap stays open until the mint's state settles it", async () => {
    const { late, provider, ledger } = await collected(60_000);
    late.hold("/v1/swap");
    const err = await unanswered(
      redeemCollected(ledger, provider, { paymentPrivkey: provider.p2pk.privkey }),
    );
    expect(err.message).toMatch(/timed out.*stays open, its inputs reserved.*may still act/);
    // The wallet asked the mint (NUT-07) and saw the inputs unspent, yet kept the swap open.
    expect(provider.operation(err.opId!)).toMatchObject({ kind: "redeem", state: "prepared" });
    expect(ledger.totals()).toMatchObject({ redeeming: LOCKED_SATS, lost: 0 });

    await late.abandoned();
    expect(await late.release()).toBe(200); // the mint carries out the swap nobody waits for any more
    await redeemCollected(ledger, provider, { paymentPrivkey: provider.p2pk.privkey });
    expect(ledger.totals()).toMatchObject({ held: 0, redeeming: 0, redeemed: LOCKED_SATS, lost: 0 });
    expect(provider.balance().total).toEqual({ unspent: LOCKED_SATS, reserved: 0, pending: 0 });
    expect(provider.operation(err.opId!)?.state).toBe("completed");
  });

  it("a redeem closed before the mint carried it out (its window passed) is revived from its recorded outputs", async () => {
    const { late, provider, ledger } = await collected(0);
    late.hold("/v1/swap");
    const err = await unanswered(
      redeemCollected(ledger, provider, { paymentPrivkey: provider.p2pk.privkey }),
    );
    // No window: the wallet closed the swap as never processed, as it did before the window existed.
    expect(provider.operation(err.opId!)?.state).toBe("failed");

    await late.abandoned();
    expect(await late.release()).toBe(200);
    const batches = await redeemCollected(ledger, provider, { paymentPrivkey: provider.p2pk.privkey });
    expect(batches).toEqual([expect.objectContaining({ redeemedSats: LOCKED_SATS, lostSats: 0 })]);
    expect(ledger.totals()).toMatchObject({ held: 0, redeeming: 0, redeemed: LOCKED_SATS, lost: 0 });
    expect(provider.balance().total.unspent).toBe(LOCKED_SATS);
    expect(provider.operation(err.opId!)).toMatchObject({ state: "completed", detail: { revived: true } });
  });

  it("a send the mint carries out late completes on recovery, and its token pays", async () => {
    const { mint, late, wallet, err } = await unansweredSend(60_000);
    const { reserved } = wallet.balance().total; // the proofs selected for the send stay reserved
    expect(reserved).toBeGreaterThanOrEqual(300);
    expect(wallet.balance().total).toEqual({ unspent: 1000 - reserved, reserved, pending: 0 });

    await late.abandoned();
    expect(await late.release()).toBe(200);
    const report = await wallet.recover();
    expect(report.completed.map((op) => op.id)).toEqual([err.opId]);
    const op = wallet.operation(err.opId!)!;
    expect(wallet.balance().total).toEqual({ unspent: 700, reserved: 0, pending: 300 });
    const receiver = await impatientWallet(late.url, 60_000);
    expect((await receiver.receive(String(op.detail.token))).amount).toBe(300);
    expect(mint.stats().outstanding).toBe(1000);
  });

  it("a send the mint never received goes back to the balance once its window has passed, on the wallet's next operation", async () => {
    const { late, wallet, err } = await unansweredSend(1_000);
    await late.abandoned(); // and never released: lost on the way
    expect(wallet.balance().total.reserved).toBeGreaterThanOrEqual(300);
    // Within the window, recovery leaves it open.
    expect((await wallet.recover()).pending.map((op) => op.id)).toEqual([err.opId]);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // Any operation first asks about the due one: the mint never acted, so its inputs are free again.
    const { op } = await wallet.send(100);
    expect(op.state).toBe("completed");
    expect(wallet.operation(err.opId!)).toMatchObject({
      state: "failed",
      error: "the mint never processed the swap",
    });
    expect(wallet.balance().total).toEqual({ unspent: 900, reserved: 0, pending: 100 });
  });
});
