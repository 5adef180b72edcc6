/**
 * Payment test parts: the real local mint over HTTP, buyer wallets on temp files, a scripted backend that
 * counts generate() calls (so a test can prove no work was done), and token tampering for attacks.
 */
import path from "node:path";
import { getDecodedToken, getEncodedToken, type Proof } from "@cashu/cashu-ts";
import { type Backend, createScriptedBackend } from "@pylon/inference";
import { type RunningMint, startMint } from "@pylon/mint";
import { openWallet, type PylonWallet } from "@pylon/wallet";
import type { ProviderConfigInput } from "../../src/config/schema.js";
import type { RunningProvider } from "../../src/provider.js";
import { type Cleanup, startNode, tempDir } from "./harness.js";
import type { PaymentTarget } from "./paid-job.js";

export async function mint(cleanup: Cleanup, inputFeePpk = 0): Promise<RunningMint> {
  const running = await startMint({ port: 0, db: ":memory:", inputFeePpk });
  cleanup.add(() => running.close());
  return running;
}

export async function buyerWallet(cleanup: Cleanup, mintUrls: string[], fundSats = 0): Promise<PylonWallet> {
  const dir = await tempDir(cleanup, "pylon-buyer-");
  const wallet = await openWallet({
    dbPath: path.join(dir, "wallet.db"),
    seedPath: path.join(dir, "seed"),
    mintUrls,
  });
  cleanup.add(() => wallet.close());
  if (fundSats > 0) await wallet.fund(fundSats);
  return wallet;
}

/** A scripted backend (instant, fixed reply) that counts generate() calls. */
export function countingScripted(reply = "paid output"): { backend: Backend; calls: () => number } {
  const real = createScriptedBackend({ responses: () => reply, model: "scripted-paid" });
  let calls = 0;
  return {
    backend: {
      kind: real.kind,
      info: () => real.info(),
      generate: (request, options) => {
        calls++;
        return real.generate(request, options);
      },
      close: () => real.close(),
    },
    calls: () => calls,
  };
}

/** Re-encodes `token` after `edit` changed its proofs (attacks). */
export function tamper(token: string, keysetIds: string[], edit: (proofs: Proof[]) => unknown): string {
  const decoded = getDecodedToken(token, keysetIds);
  edit(decoded.proofs);
  return getEncodedToken(decoded);
}

/** The other point with the same x: a valid curve point that is not the mint's signature. */
export const flipParity = (c: string): string => (c.startsWith("02") ? "03" : "02") + c.slice(2);

/** Counts HTTP requests this process sends to mints (cashu-ts goes through global fetch) until `stop()`. */
export function countMintCalls(cleanup: Cleanup): { count: () => number; stop: () => void } {
  const original = globalThis.fetch;
  let calls = 0;
  globalThis.fetch = (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith("http")) calls++;
    return original(input, init);
  };
  const stop = (): void => {
    globalThis.fetch = original;
  };
  cleanup.add(stop);
  return { count: () => calls, stop };
}

/**
 * The price the payment tests charge: "hello world" (3 input tokens) with max_tokens 100 quotes
 * ceil((3·10,000 + 100·20,000) / 1000) = 2,030 msats (3 sats); the scripted reply "paid output"
 * (3 output tokens) actually costs 3·10 + 3·20 = 90 msats.
 */
export const PAID_PRICES = { inputPer1k: 10_000, outputPer1k: 20_000, minimum: 0 };
export const PAID_JOB = { prompt: "hello world", params: { maxTokens: 100 } };
export const PAID_QUOTE_MSATS = 2_030;
export const PAID_PRICE_SATS = 3;
export const PAID_ACTUAL_MSATS = 90;

export interface PaidNode {
  node: RunningProvider;
  /** generate() calls so far: what proves a refused job did no work. */
  calls: () => number;
  target: PaymentTarget;
}

/** Starts a node that requires Cashu payment from `mintUrl` at PAID_PRICES, on a counting scripted backend. */
export async function startPaidNode(
  cleanup: Cleanup,
  options: {
    relayUrl: string;
    mintUrl: string;
    dataDir?: string;
    payments?: ProviderConfigInput["payments"];
    backend?: Backend;
  },
): Promise<PaidNode> {
  const counting = countingScripted();
  const node = await startNode(
    cleanup,
    {
      relays: [options.relayUrl],
      model: { type: "scripted", reply: "unused" },
      free: false,
      prices: PAID_PRICES,
      allowedMints: [options.mintUrl],
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.payments ? { payments: options.payments } : {}),
    },
    { backend: options.backend ?? counting.backend },
  );
  const p2pk = node.payments?.paymentKey;
  if (!p2pk) throw new Error("node took no payments");
  return { node, calls: counting.calls, target: { provider: node.pubkey, p2pk, mint: options.mintUrl } };
}
