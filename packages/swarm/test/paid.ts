/**
 * Paid swarm test parts: the real local mint over HTTP, a funded buyer wallet on temp files, and provider
 * nodes that require Cashu payment (tabs) serving a SCRIPTED backend that counts generate() calls.
 */
import path from "node:path";
import { createScriptedBackend } from "@pylon/inference/scripted";
import { type RunningMint, startMint } from "@pylon/mint";
import { quietLogger, type RunningProvider, startProvider } from "@pylon/provider";
import { openWallet, type PylonWallet } from "@pylon/wallet";
import { type Cleanup, echoAnswer, MODEL, tempDir } from "./harness.js";

export async function mint(cleanup: Cleanup, inputFeePpk = 0): Promise<RunningMint> {
  const running = await startMint({ port: 0, db: ":memory:", inputFeePpk });
  cleanup.add(() => running.close());
  return running;
}

export async function buyerWallet(cleanup: Cleanup, mintUrl: string, fundSats: number): Promise<PylonWallet> {
  const dir = await tempDir(cleanup, "pylon-swarm-buyer-");
  const wallet = await openWallet({
    dbPath: path.join(dir, "wallet.db"),
    seedPath: path.join(dir, "seed"),
    mintUrls: [mintUrl],
  });
  cleanup.add(() => wallet.close());
  await wallet.fund(fundSats);
  return wallet;
}

export const PRICES = { inputPer1k: 10_000, outputPer1k: 20_000, minimum: 0 };

export interface PaidNode {
  node: RunningProvider;
  calls: () => number;
}

/** A real provider node that requires Cashu (tabs at `mintUrl`), scripted echo backend (5 ms an answer). */
export async function paidNode(
  cleanup: Cleanup,
  relayUrl: string,
  mintUrl: string,
  latencyMs = 5,
): Promise<PaidNode> {
  const dataDir = await tempDir(cleanup, "pylon-swarm-paid-");
  const real = createScriptedBackend({
    responses: echoAnswer,
    model: MODEL,
    latencyMs,
    slots: 2,
    maxQueue: 1_000,
  });
  let calls = 0;
  const node = await startProvider(
    {
      relays: [relayUrl],
      model: { type: "scripted", echo: true },
      free: false,
      prices: PRICES,
      allowedMints: [mintUrl],
      dataDir,
      slots: 2,
      queue: 2,
      shutdownGraceSec: 0,
      name: `paid scripted node (${latencyMs} ms)`,
    },
    {
      backend: {
        kind: real.kind,
        info: () => real.info(),
        generate: (request, options) => {
          calls++;
          return real.generate(request, options);
        },
        close: () => real.close(),
      },
      log: quietLogger,
      allowPrivateRequestRelays: true,
    },
  );
  cleanup.add(() => node.stop());
  return { node, calls: () => calls };
}
