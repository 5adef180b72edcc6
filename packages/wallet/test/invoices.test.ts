/**
 * Invoices someone else pays (requestInvoice / collectInvoice): recorded before they are shown, minted only
 * once paid, minted after a restart when paid meanwhile, closed when expired, refused from a mint that pays
 * its own quotes. Real local mint over HTTP; its fake Lightning is paid by invoice text (payInvoice).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { WalletError } from "../src/errors.js";
import { Fixture } from "./helpers.js";

const CHILD = fileURLToPath(new URL("./fixtures/wallet-op.mjs", import.meta.url));
const fx = new Fixture();
afterEach(() => fx.cleanup.run());

describe("invoices paid by someone else", () => {
  it("stays unpaid until the invoice is paid, then mints it once into the wallet", async () => {
    const mint = await fx.mint({ autoPay: false });
    const wallet = await fx.wallet([mint.url]);
    const invoice = await wallet.requestInvoice(21, { description: "a job", id: "invoice-test" });
    expect(invoice).toMatchObject({ opId: "invoice-test", amountSats: 21 });
    expect(invoice.invoice).toMatch(/^lnbcrt210n1/);
    expect(wallet.operation("invoice-test")?.state).toBe("prepared");
    expect(await wallet.collectInvoice(invoice.opId)).toEqual({ state: "unpaid" });
    expect(wallet.balance().total.unspent).toBe(0);

    expect(mint.payInvoice(invoice.invoice)).toBe(true);
    const paid = await wallet.collectInvoice(invoice.opId);
    expect(paid.state).toBe("paid");
    expect(wallet.balance().total.unspent).toBe(21);
    // Asking again changes nothing: minted once.
    expect((await wallet.collectInvoice(invoice.opId)).state).toBe("paid");
    expect(wallet.balance().total.unspent).toBe(21);
    expect(mint.stats()).toMatchObject({ minted: 21 });
  });

  it("mints an invoice paid after its process ended on the next start (recovery)", async () => {
    const mint = await fx.mint({ autoPay: false });
    const home = await fx.dir();
    // Another process opens the invoice and exits (the built package, as the crash tests run it).
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [CHILD, JSON.stringify({ dir: home, mintUrl: mint.url, op: "invoice", args: { amount: 8 } })],
      { timeout: 20_000 },
    );
    const invoice = /invoice (\S+)/.exec(stdout)?.[1] ?? "";
    const opId = /done (\S+)/.exec(stdout)?.[1] ?? "";
    expect(mint.payInvoice(invoice)).toBe(true);
    const reopened = await fx.wallet([mint.url], home);
    expect(reopened.balance().total.unspent).toBe(8);
    expect(reopened.operation(opId)?.state).toBe("completed");
  });

  it("closes an expired invoice, and refuses a mint whose quotes are paid before anyone pays them", async () => {
    const lapsing = await fx.mint({ autoPay: false, quoteTtlSeconds: 0 });
    const wallet = await fx.wallet([lapsing.url]);
    const invoice = await wallet.requestInvoice(5);
    expect(await wallet.collectInvoice(invoice.opId)).toMatchObject({ state: "expired" });
    expect(wallet.operation(invoice.opId)?.state).toBe("failed");

    const selfPaying = await fx.mint(); // autoPay: quotes are PAID the moment they exist
    const error = await wallet.requestInvoice(5, { mint: selfPaying.url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WalletError);
    expect((error as WalletError).code).toBe("self-paying-mint");
    expect(wallet.history().filter((op) => op.mintUrl.startsWith(selfPaying.url))).toEqual([]);
  });
});
