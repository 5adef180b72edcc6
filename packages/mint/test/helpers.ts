/**
 * Test helpers: mints that are always closed after the test, cashu-ts wallets pointed at them, and a raw
 * HTTP client for requests a well-behaved wallet would never send.
 */
import {
  createRandomSecretKey,
  getPubKeyFromPrivKey,
  isMintOperationError,
  OutputData,
  type Proof,
  sumProofs,
  Wallet,
} from "@cashu/cashu-ts";
import { Cleanup, rejection } from "@pylon/testkit";
import { afterEach, expect } from "vitest";
import { type RunningMint, startMint } from "../src/mint.js";
import type { MintOptions } from "../src/options.js";

/** What each test started; undone after it. */
export const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** The mint under test, from src (not testkit's startTestMint, which runs the built package), closed after the test. */
export async function mintForTest(opts: MintOptions = {}): Promise<RunningMint> {
  return cleanup.use(await startMint(opts), (m) => m.close());
}

export async function walletFor(mint: RunningMint, opts: ConstructorParameters<typeof Wallet>[1] = {}) {
  const wallet = new Wallet(mint.url, { unit: "sat", ...opts });
  await wallet.loadMint();
  return wallet;
}

/** Mints `amount` through a bolt11 quote, as a wallet would. */
export async function fund(wallet: Wallet, amount: number): Promise<Proof[]> {
  const quote = await wallet.createMintQuoteBolt11(amount);
  return wallet.mintProofsBolt11(amount, quote);
}

export function total(proofs: Proof[]): number {
  return sumProofs(proofs).toNumber();
}

export interface KeyPair {
  priv: string;
  pub: string;
}

export function newKey(): KeyPair {
  const sk = createRandomSecretKey();
  return {
    priv: Buffer.from(sk).toString("hex"),
    pub: Buffer.from(getPubKeyFromPrivKey(sk)).toString("hex"),
  };
}

/** Proofs as NUT-00 JSON (plain-number amounts), ready for a raw request. */
export function wire(proofs: Proof[]) {
  return proofs.map((p) => ({
    id: p.id,
    amount: p.amount.toNumber(),
    secret: p.secret,
    C: p.C,
    ...(p.witness ? { witness: typeof p.witness === "string" ? p.witness : JSON.stringify(p.witness) } : {}),
  }));
}

/** Fresh random blinded messages for `amount` on the wallet's keyset, with what is needed to unblind. */
export function outputsFor(wallet: Wallet, amount: number) {
  const data = OutputData.createRandomData(amount, wallet.getKeyset());
  return {
    data,
    json: data.map((d) => ({
      amount: d.blindedMessage.amount.toNumber(),
      id: d.blindedMessage.id,
      B_: d.blindedMessage.B_,
    })),
  };
}

/** A parsed JSON response; tests read it field by field and assert on the values. */
// biome-ignore lint/suspicious/noExplicitAny: arbitrary JSON, checked by the assertions that read it
export type Json = any;

export async function post(
  mint: RunningMint,
  path: string,
  body: unknown,
): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${mint.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.json() };
}

export async function get(mint: RunningMint, path: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${mint.url}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.json() };
}

/** Asserts a raw response is the NUT-00 error `{ detail, code }` with `code`. */
export function expectRefusal(res: { status: number; body: Json }, code: number): void {
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({ code, detail: expect.any(String) });
}

/** Asserts a cashu-ts call fails with the mint's error `code`. */
export async function expectMintError(promise: Promise<unknown>, code: number): Promise<void> {
  const err = await rejection(promise);
  expect(err, "expected the mint to refuse").toBeDefined();
  if (!isMintOperationError(err)) throw err;
  expect(err.code).toBe(code);
}
