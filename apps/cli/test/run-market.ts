/**
 * A whole local market for `pylon run` tests, in the test process, on 127.0.0.1 only: a relay, a testnet
 * mint, and provider nodes that require Cashu payment (tabs) and serve a SCRIPTED backend (rlm's
 * keywordSub, with latency) that counts its generate() calls per prompt.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GenerateRequest } from "@pylon/inference";
import { createScriptedBackend } from "@pylon/inference/scripted";
import { type RunningMint, startMint } from "@pylon/mint";
import { quietLogger, type RunningProvider, startProvider } from "@pylon/provider";
import { type RunningRelay, startRelay } from "@pylon/relay";
import { keywordSub } from "@pylon/rlm/scripted";
import { openWallet, type PylonWallet } from "@pylon/wallet";

/** msats per 1,000 tokens: a ~500-token sub-call costs about half a sat. */
export const PRICES = { inputPer1k: 1_000, outputPer1k: 2_000, minimum: 0 };

export interface PaidScriptedNode {
  node: RunningProvider;
  /** generate() calls per prompt (the sub-call's text), counted as they start. */
  generations: Map<string, number>;
}

export class LocalMarket {
  relay!: RunningRelay;
  mint!: RunningMint;
  nodes: PaidScriptedNode[] = [];
  readonly #cleanup: Array<() => unknown> = [];

  static async start(options: { nodes: number; latencyMs: number; slots: number; inputFeePpk: number }) {
    const market = new LocalMarket();
    try {
      market.relay = await startRelay({ port: 0, host: "127.0.0.1", db: ":memory:", verifyThreads: 0 });
      market.#cleanup.push(() => market.relay.close());
      market.mint = await startMint({ port: 0, db: ":memory:", inputFeePpk: options.inputFeePpk });
      market.#cleanup.push(() => market.mint.close());
      for (let i = 0; i < options.nodes; i++) market.nodes.push(await market.#paidNode(i, options));
    } catch (error) {
      await market.stop();
      throw error;
    }
    return market;
  }

  /** Every prompt's generations over all nodes. */
  generations(): Map<string, number> {
    const all = new Map<string, number>();
    for (const { generations } of this.nodes)
      for (const [prompt, n] of generations) all.set(prompt, (all.get(prompt) ?? 0) + n);
    return all;
  }

  /** A buyer wallet where `pylon run --mint` looks for it (<home>/wallet), funded with `sats`. */
  async fundBuyer(home: string, sats: number): Promise<void> {
    const wallet = await this.openBuyer(home);
    try {
      await wallet.fund(sats);
    } finally {
      wallet.close();
    }
  }

  openBuyer(home: string): Promise<PylonWallet> {
    return openWallet({
      dbPath: join(home, "wallet", "wallet.db"),
      seedPath: join(home, "wallet", "seed"),
      mintUrls: [this.mint.url],
    });
  }

  async stop(): Promise<void> {
    for (const task of this.#cleanup.splice(0).reverse()) {
      try {
        await task();
      } catch {
        // keep stopping the rest
      }
    }
  }

  async #paidNode(i: number, options: { latencyMs: number; slots: number }): Promise<PaidScriptedNode> {
    const dataDir = mkdtempSync(join(tmpdir(), "pylon-run-node-"));
    this.#cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const real = createScriptedBackend({
      responses: keywordSub,
      model: "scripted-sub",
      latencyMs: options.latencyMs,
      slots: options.slots,
      maxQueue: 1_000,
    });
    const generations = new Map<string, number>();
    const node = await startProvider(
      {
        relays: [this.relay.url],
        model: { type: "scripted", echo: true },
        free: false,
        prices: PRICES,
        allowedMints: [this.mint.url],
        dataDir,
        slots: options.slots,
        queue: options.slots,
        shutdownGraceSec: 0,
        name: `paid scripted node ${i}`,
      },
      {
        backend: {
          kind: real.kind,
          info: () => real.info(),
          generate: (request, opts) => {
            const prompt = promptText(request);
            generations.set(prompt, (generations.get(prompt) ?? 0) + 1);
            return real.generate(request, opts);
          },
          close: () => real.close(),
        },
        log: quietLogger,
        allowPrivateRequestRelays: true,
      },
    );
    this.#cleanup.push(() => node.stop());
    return { node, generations };
  }
}

/** The sub-call's text as the swarm sent it (one user message becomes the job's prompt). */
export function promptText(request: GenerateRequest): string {
  return request.messages?.at(-1)?.content ?? request.prompt ?? "";
}
