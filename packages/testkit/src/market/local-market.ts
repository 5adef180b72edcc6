import type { RunningMint } from "@pylon/mint";
import type { PylonWallet } from "@pylon/wallet";
import type { Cleanup } from "../cleanup.js";
import { type MarketRelay, type MarketRelayChoice, startMarketRelay } from "./market-relay.js";
import { type ScriptedNode, type ScriptedNodeSpec, scriptedNode } from "./nodes.js";
import { startTestMint } from "./servers.js";
import { fundedWallet } from "./wallet.js";

export interface LocalMarketSpec {
  /** Provider nodes to start. Default 2. */
  providers?: number;
  /** Nodes require Cashu payment at PRICES (a mint and a funded buyer wallet are started). Default false. */
  paid?: boolean;
  /** The buyer's funding, sats (paid markets). Default 1,000. */
  fundSats?: number;
  /** The mint's input fee, ppk. Default 0. */
  inputFeePpk?: number;
  /** The relay everything talks through. Default "pylon" (startTestRelay); "foreign": startForeignRelay. */
  relay?: MarketRelayChoice;
  /** Applied to every node (relays and mint are filled in). */
  node?: Omit<ScriptedNodeSpec, "relays" | "mintUrl">;
}

export interface LocalMarket {
  relay: MarketRelay;
  mint?: RunningMint;
  /** The funded buyer wallet (paid markets). */
  wallet?: PylonWallet;
  nodes: ScriptedNode[];
}

/** Relay + (paid: mint + funded buyer wallet) + N scripted provider nodes, all stopped at cleanup. */
export async function startLocalMarket(cleanup: Cleanup, spec: LocalMarketSpec = {}): Promise<LocalMarket> {
  const relay = await startMarketRelay(cleanup, spec.relay);
  const mint = spec.paid ? await startTestMint(cleanup, spec.inputFeePpk ?? 0) : undefined;
  const wallet = mint ? await fundedWallet(cleanup, mint.url, spec.fundSats ?? 1_000) : undefined;
  const nodes: ScriptedNode[] = [];
  for (let i = 0; i < (spec.providers ?? 2); i++)
    nodes.push(
      await scriptedNode(cleanup, {
        name: `node ${i + 1}`,
        ...spec.node,
        relays: [relay.url],
        ...(mint ? { mintUrl: mint.url } : {}),
      }),
    );
  return { relay, ...(mint ? { mint } : {}), ...(wallet ? { wallet } : {}), nodes };
}
