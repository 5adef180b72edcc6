/**
 * Payment test parts: the real local mint over HTTP, buyer wallets on temp files, a scripted backend that
 * counts generate() calls (so a test can prove no work was done), and token tampering for attacks.
 */
import path from "node:path";
import { getDecodedToken, getEncodedToken, type Proof } from "@cashu/cashu-ts";
import { type Backend, createScriptedBackend } from "@pylon/inference";
import { type RunningMint, startMint } from "@pylon/mint";
import { openWallet, type PylonWallet } from "@pylon/wallet";
import { type Cleanup, tempDir } from "./harness.js";

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
