import path from "node:path";
import { startMint } from "@pylon/mint";
import type { JobError } from "@pylon/nostr";
import { Cleanup, tempDir, unusedPort } from "@pylon/testkit";
import { fundedWallet, startTestRelay } from "@pylon/testkit/market";
import { afterEach, describe, expect, it } from "vitest";
import { PAID_ACTUAL_MSATS, PAID_JOB, paidNode } from "./helpers/cashu.js";
import { buyerClient } from "./helpers/harness.js";
import { lockedTokenFor } from "./helpers/paid-job.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

// Real relay, a real mint on a file database that goes down and comes back on the same port, real SQLite.
describe("closing a tab while the mint is down (scripted backend, real mint and relay)", () => {
  it("refuses the close with a clear reason, then refunds the whole balance once the mint is back", async () => {
    const dir = await tempDir(cleanup);
    const port = await unusedPort();
    const mintDb = path.join(dir, "mint.db");
    const startOurMint = () => startMint({ port, host: "127.0.0.1", db: mintDb, inputFeePpk: 0 });
    let mint = await startOurMint();
    cleanup.add(() => mint.close());
    const relayUrl = (await startTestRelay(cleanup)).url;
    const buyer = await fundedWallet(cleanup, mint.url, 200);
    const { node, target } = await paidNode(cleanup, { relayUrl, mintUrl: mint.url });
    const { client } = buyerClient(cleanup, relayUrl);
    const ask = (extra: Record<string, string>, cashuToken?: string) =>
      client.submit({
        ...PAID_JOB,
        provider: node.pubkey,
        encryption: "nip44",
        extraParams: extra,
        ...(cashuToken ? { cashuToken } : {}),
      });

    const opened = await ask({ tab: "open" }, await lockedTokenFor(buyer, target, 20));
    const balance = opened.result.tabMsats ?? 0;
    expect(balance).toBe(20_000 - PAID_ACTUAL_MSATS);
    // The deposit redeemed while the mint is up: the refund below must split it (a swap at the mint).
    await node.payments?.redeemNow();

    await mint.close();
    for (let attempt = 0; attempt < 2; attempt++) {
      // The first try records its refund operation and cannot finish it; the second finds it unresolved.
      const refused = (await ask({ tab: "close" }).catch((e: unknown) => e)) as JobError;
      expect(refused.message).toMatch(/retry|mint|unreachable/i);
      expect(refused.message).not.toMatch(/UNIQUE/);
    }
    expect(node.payments?.tabTotals().refundedMsats).toBe(0);

    mint = await startOurMint();
    const closed = await ask({ tab: "close" });
    const refundSats = Math.floor(balance / 1000);
    expect(closed.result.tabMsats).toBe(balance - refundSats * 1000);
    expect((await buyer.receive(closed.output)).amount).toBe(refundSats);
    expect(node.payments?.tabTotals().refundedMsats).toBe(refundSats * 1000);
  }, 60_000);
});
