import { statSync } from "node:fs";
import { join } from "node:path";
import { fakeInvoice, type RunningMint } from "@pylon/mint";
import { startTestMint } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliHarness } from "./run-cli.js";

let mint: RunningMint;
const harness = new CliHarness();

beforeAll(async () => {
  mint = await startTestMint(harness.cleanup);
});
afterAll(() => harness.cleanup.run());

const home = () => harness.home("pylon-wallet-cli-");

/** Runs `pylon wallet …` to completion. */
async function wallet(pylonHome: string, args: string[]) {
  const run = await harness.run(["wallet", ...args], {
    env: { PYLON_HOME: pylonHome, PYLON_MINT: mint.url },
  });
  return { code: run.code, out: run.stdout, err: run.stderr };
}

describe("pylon wallet", () => {
  it("funds, sends, receives in a second wallet, withdraws with change and lists history", async () => {
    const alice = await home();
    const bob = await home();
    expect(await wallet(alice, ["fund", "500"])).toMatchObject({
      code: 0,
      out: expect.stringContaining("funded 500 sats"),
    });
    expect(statSync(join(alice, "wallet", "seed")).mode & 0o777).toBe(0o600);
    expect(statSync(join(alice, "wallet", "wallet.db")).mode & 0o777).toBe(0o600);

    const sent = await wallet(alice, ["send", "120"]);
    expect(sent.code).toBe(0);
    const token = sent.out.trim();
    expect(token).toMatch(/^cashuB[\w-]+$/); // the token alone on stdout
    expect((await wallet(bob, ["receive", token])).out).toContain("received 120 sats");

    const paid = await wallet(alice, ["withdraw", fakeInvoice({ amountMsat: 100_000n }).request, "--json"]);
    expect(paid.code).toBe(0);
    const op = JSON.parse(paid.out) as { kind: string; amount: number; fee: number };
    expect(op).toMatchObject({ kind: "withdraw", amount: 100 });

    const balance = JSON.parse((await wallet(alice, ["balance", "--json"])).out) as {
      total: { unspent: number; pending: number };
    };
    expect(balance.total.unspent).toBe(500 - 120 - 100 - op.fee);
    // Bob claimed the token: the balance asked the mint, so it is no longer shown as pending.
    expect(balance.total.pending).toBe(0);
    const history = (await wallet(alice, ["history"])).out.trim().split("\n");
    expect(history.map((l) => l.split(/\s+/)[2])).toEqual(["withdraw", "send", "fund"]);
  });

  it("explains an unreachable mint, a malformed or spent token and an insufficient balance", async () => {
    const dir = await home();
    const down = await wallet(dir, ["fund", "10", "--mint", "http://127.0.0.1:1"]);
    expect(down.code).not.toBe(0);
    expect(down.err).toMatch(/mint http:\/\/127\.0\.0\.1:1 is unreachable/);

    const bad = await wallet(dir, ["receive", "cashuBnot-a-token"]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain("not a cashu token");

    expect((await wallet(dir, ["fund", "50"])).code).toBe(0);
    const broke = await wallet(dir, ["send", "51"]);
    expect(broke.code).not.toBe(0);
    expect(broke.err).toContain("insufficient balance");

    const token = (await wallet(dir, ["send", "20"])).out.trim();
    const other = await home();
    expect((await wallet(other, ["receive", token])).code).toBe(0);
    const again = await wallet(other, ["receive", token]);
    expect(again.code).not.toBe(0);
    expect(again.err).toContain("already spent");
  });
});
