/**
 * A paid local market for `pylon run` tests, from testkit's pieces, on 127.0.0.1 only: a relay, a testnet
 * mint, and provider nodes that require Cashu payment (tabs, at testkit's PRICES) and serve a SCRIPTED
 * backend (rlm's keywordSub, with latency) that counts its generate() calls per prompt.
 */
import { join } from "node:path";
import type { Backend, GenerateRequest } from "@pylon/inference";
import { createScriptedBackend } from "@pylon/inference/scripted";
import type { RunningMint } from "@pylon/mint";
import type { RunningProvider } from "@pylon/provider";
import type { RelayOptions, RunningRelay } from "@pylon/relay";
import { keywordSub } from "@pylon/rlm/scripted";
import type { Cleanup } from "@pylon/testkit";
import { MODEL, scriptedNode, startTestMint, startTestRelay } from "@pylon/testkit/market";
import { openWallet, type PylonWallet } from "@pylon/wallet";

export interface PaidScriptedNode {
  node: RunningProvider;
  /** generate() calls per prompt (the sub-call's text), counted as they start. */
  generations: Map<string, number>;
}

export interface PaidMarket {
  relay: RunningRelay;
  mint: RunningMint;
  nodes: PaidScriptedNode[];
}

export interface PaidMarketSpec {
  nodes: number;
  latencyMs: number;
  slots: number;
  inputFeePpk: number;
  /** The nodes' payment settings (e.g. short tab expiry). */
  payments?: { tabTtlSec?: number; tabSweepSec?: number };
  /** The relay's options (e.g. AUTH, proof of work, small messages). Default: Pylon's relay as deployed. */
  relay?: RelayOptions;
}

/** Relay, mint and paid nodes, all stopped at cleanup. */
export async function startPaidMarket(cleanup: Cleanup, spec: PaidMarketSpec): Promise<PaidMarket> {
  const relay = await startTestRelay(cleanup, spec.relay ?? {});
  const mint = await startTestMint(cleanup, spec.inputFeePpk);
  const nodes: PaidScriptedNode[] = [];
  for (let i = 0; i < spec.nodes; i++) {
    const generations = new Map<string, number>();
    const backend = createScriptedBackend({
      responses: keywordSub,
      model: MODEL,
      latencyMs: spec.latencyMs,
      slots: spec.slots,
      maxQueue: 1_000,
    });
    const { node } = await scriptedNode(cleanup, {
      relays: [relay.url],
      mintUrl: mint.url,
      backend: countingPrompts(backend, generations),
      slots: spec.slots,
      queue: spec.slots,
      name: `paid scripted node ${i}`,
      ...(spec.payments ? { config: { payments: spec.payments } } : {}),
    });
    nodes.push({ node, generations });
  }
  return { relay, mint, nodes };
}

/** Every prompt's generations over all nodes. */
export function generations(market: PaidMarket): Map<string, number> {
  const all = new Map<string, number>();
  for (const node of market.nodes)
    for (const [prompt, n] of node.generations) all.set(prompt, (all.get(prompt) ?? 0) + n);
  return all;
}

/** The buyer wallet where `pylon run --mint` looks for it: <home>/wallet. */
export function openBuyer(market: PaidMarket, home: string): Promise<PylonWallet> {
  return openWallet({
    dbPath: join(home, "wallet", "wallet.db"),
    seedPath: join(home, "wallet", "seed"),
    mintUrls: [market.mint.url],
  });
}

/** Funds the buyer wallet of `home` with `sats` from the market's mint. */
export async function fundBuyer(market: PaidMarket, home: string, sats: number): Promise<void> {
  const wallet = await openBuyer(market, home);
  try {
    await wallet.fund(sats);
  } finally {
    wallet.close();
  }
}

/** `backend`, counting its generate() calls per prompt into `generations` as they start. */
function countingPrompts(backend: Backend, generations: Map<string, number>): Backend {
  return {
    ...backend,
    generate: (request, options) => {
      const prompt = promptText(request);
      generations.set(prompt, (generations.get(prompt) ?? 0) + 1);
      return backend.generate(request, options);
    },
  };
}

/** The sub-call's text as the swarm sent it (one user message becomes the job's prompt). */
function promptText(request: GenerateRequest): string {
  return request.messages?.at(-1)?.content ?? request.prompt ?? "";
}
