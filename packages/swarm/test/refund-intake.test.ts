/**
 * Taking a refund token in when the mint does not answer (found by the 1,000-provider soak: refunds whose
 * receive timed out at a saturated mint were marked failed and never taken, left unclaimed on the relays).
 * Real mint over HTTP behind a proxy that holds one swap past the wallet's timeout; real wallets.
 */
import path from "node:path";
import { Cleanup, tempDir } from "@pylon/testkit";
import { type LateMint, startLateMint, startTestMint } from "@pylon/testkit/market";
import { openWallet, type PylonWallet } from "@pylon/wallet";
import { afterEach, describe, expect, it } from "vitest";
import { takeRefund } from "../src/refund-intake.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const TIMEOUT_MS = 400;
const WINDOW_MS = 1_000;
const REFUND_SATS = 40;

async function wallet(mintUrl: string): Promise<PylonWallet> {
  const dir = await tempDir(cleanup);
  const opened = await openWallet({
    dbPath: path.join(dir, "wallet.db"),
    seedPath: path.join(dir, "seed"),
    mintUrls: [mintUrl],
    requestTimeoutMs: TIMEOUT_MS,
    unansweredWindowMs: WINDOW_MS,
  });
  return cleanup.use(opened, (w) => w.close());
}

/** A provider's refund token of REFUND_SATS, a buyer to take it, both behind the late proxy. */
async function refund(): Promise<{ late: LateMint; buyer: PylonWallet; token: string }> {
  const mint = await startTestMint(cleanup);
  const late = await startLateMint(cleanup, mint.url);
  const provider = await wallet(late.url);
  await provider.fund(200);
  const { token } = await provider.send(REFUND_SATS);
  return { late, buyer: await wallet(late.url), token };
}

describe("taking a refund in past a mint that does not answer", () => {
  it("a receive the mint carries out late is pending, then taken once with its own amounts", async () => {
    const { late, buyer, token } = await refund();
    late.hold("/v1/swap");
    expect(await takeRefund(buyer, "close-1", token)).toMatchObject({ state: "pending" });
    await late.abandoned();
    expect(await late.release()).toBe(200); // the mint took it in; the wallet never heard
    // Asked again before the wallet settled it: still pending, and no second receive is sent.
    expect(await takeRefund(buyer, "close-1", token)).toMatchObject({ state: "pending" });
    await buyer.recover();
    expect(await takeRefund(buyer, "close-1", token)).toEqual({
      state: "taken",
      amount: REFUND_SATS,
      fee: 0,
    });
    expect(buyer.balance().total).toEqual({ unspent: REFUND_SATS, reserved: 0, pending: 0 });
    expect(await takeRefund(buyer, "close-1", token)).toMatchObject({ state: "taken", amount: REFUND_SATS });
    expect(buyer.balance().total.unspent).toBe(REFUND_SATS);
  });

  it("a receive the mint never got is tried again once its window has passed, and taken", async () => {
    const { late, buyer, token } = await refund();
    late.hold("/v1/swap");
    expect(await takeRefund(buyer, "expiry-1", token)).toMatchObject({ state: "pending" });
    await late.abandoned(); // dropped: the mint never sees it
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 200));
    await buyer.recover();
    expect(buyer.operation("refund:expiry-1:0")?.state).toBe("failed");
    expect(await takeRefund(buyer, "expiry-1", token)).toEqual({
      state: "taken",
      amount: REFUND_SATS,
      fee: 0,
    });
    expect(buyer.operation("refund:expiry-1:1")?.state).toBe("completed");
    expect(buyer.balance().total.unspent).toBe(REFUND_SATS);
  });

  it("a token someone else took first fails for good", async () => {
    const { late, buyer, token } = await refund();
    const thief = await wallet(late.url);
    await thief.receive(token);
    const intake = await takeRefund(buyer, "close-2", token);
    expect(intake.state).toBe("failed");
    expect(intake.state === "failed" && intake.error).toMatch(/spent/i);
    expect(buyer.balance().total.unspent).toBe(0);
  });
});
