/**
 * The trust runs' market, every part a process as separate machines would be: the relay, the testnet mint
 * (100 ppk input fee, so the books have fees), and paid provider nodes on real llama.cpp serving one
 * generated GGUF (llama-child.ts, several nodes per process to fit 2 cores), the cheaters in a process of
 * their own so it can be SIGKILLed and restarted on the same data dirs and keys. The buyer's wallet lives
 * in this process. Undone by `close()`, whatever happened.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeTinyGguf } from "@pylon/inference";
import { Cleanup, tempDir } from "@pylon/testkit";
import { fundedWallet } from "@pylon/testkit/market";
import type { PylonWallet } from "@pylon/wallet";
import { Child, childScript } from "../market/children.js";
import type { Cheat } from "./cheat-backend.js";
import type { LlamaChildSpec, LlamaNodeSpec, NodeSnapshot } from "./llama-child.js";

export interface TrustMarketSpec {
  honest: number;
  cheaters: readonly Cheat[];
  /** Nodes per honest process. Default 4. */
  nodesPerProcess?: number;
  slots: number;
  queue: number;
  fundSats: number;
  /** Seeds the cheats (which jobs junk10 cheats on, the junk). */
  seed: number;
  log?: (line: string) => void;
}

export interface MarketNode {
  label: string;
  pubkey: string;
  cheat: Cheat | undefined;
  /** The process it runs in. */
  child: Child;
}

export interface TrustMarket {
  relayUrl: string;
  mintUrl: string;
  wallet: PylonWallet;
  dir: string;
  /** The GGUF honest nodes serve. */
  honestModel: string;
  nodes: MarketNode[];
  /** The process holding the cheaters. */
  cheaters: Child;
  /** Every node's books as they stand (`report`: after each redeemed what it holds). */
  books(kind?: "snapshot" | "report"): Promise<NodeSnapshot[]>;
  mintStats(): Promise<{ minted: number; inputFees: number; lightningFees: number; outstanding: number }>;
  /** SIGKILL a process and start it again on the same data dirs (same keys); resolves once announced. */
  restart(child: Child): Promise<void>;
  close(): Promise<void>;
}

export const MODEL_NAME = "tiny";
const HONEST_SEED = 7;
const OTHER_SEED = 8;
const SCRIPT = fileURLToPath(new URL("./llama-child.ts", import.meta.url));

export async function startTrustMarket(spec: TrustMarketSpec): Promise<TrustMarket> {
  const log = spec.log ?? (() => {});
  const childLog = (line: string) => log(`    [${line}]`);
  const cleanup = new Cleanup();
  const children: Child[] = [];
  try {
    const dir = await tempDir(cleanup, "pylon-trust-");
    cleanup.add(() => Promise.allSettled(children.map((c) => c.kill())));
    const mint = new Child("mint", childScript("mint"), { inputFeePpk: 100 }, () => {}, childLog);
    children.push(mint);
    // Graceful stops first, the mint last: nodes redeem through it on the way out.
    cleanup.add(async () => {
      await Promise.allSettled(children.filter((c) => c !== mint).map((c) => c.stop(5_000)));
      await mint.stop(5_000);
    });
    const relay = new Child("relay", childScript("relay"), { port: 0, db: ":memory:" }, () => {}, childLog);
    children.push(relay);
    const [mintReady, relayReady] = await Promise.all([mint.start(), relay.start()]);
    const mintUrl = String(mintReady.url);
    const relayUrl = String(relayReady.url);

    const honestModel = path.join(dir, "tiny.gguf");
    const otherModel = path.join(dir, "other.gguf");
    await writeTinyGguf(honestModel, { seed: HONEST_SEED });
    await writeTinyGguf(otherModel, { seed: OTHER_SEED });

    const nodeSpec = (label: string, cheat?: Cheat): LlamaNodeSpec => ({
      label,
      dataDir: path.join(dir, label),
      model: cheat === "other-model" ? otherModel : honestModel,
      seed: spec.seed,
      ...(cheat ? { cheat } : {}),
    });
    const honest = Array.from({ length: spec.honest }, (_, i) => nodeSpec(`honest-${i}`));
    const perProcess = spec.nodesPerProcess ?? 4;
    const groups: LlamaNodeSpec[][] = [];
    for (let i = 0; i < honest.length; i += perProcess) groups.push(honest.slice(i, i + perProcess));
    groups.push(spec.cheaters.map((cheat) => nodeSpec(cheat, cheat)));
    const processes = groups.map((nodes, i) => {
      const label = i === groups.length - 1 ? "cheaters" : `honest-process-${i}`;
      const child = new Child(
        label,
        SCRIPT,
        {
          relayUrl,
          mintUrl,
          honestModel,
          modelName: MODEL_NAME,
          slots: spec.slots,
          queue: spec.queue,
          nodes,
        } satisfies LlamaChildSpec,
        () => {},
        childLog,
        180_000, // four llama contexts and four nodes per process, all processes at once, on 2 cores
      );
      children.push(child);
      return child;
    });
    const ready = await Promise.all(processes.map((p) => p.start()));
    const nodes: MarketNode[] = ready.flatMap((message, i) =>
      (message.nodes as Array<{ label: string; pubkey: string }>).map(({ label, pubkey }) => ({
        label,
        pubkey,
        cheat: groups[i]!.find((n) => n.label === label)?.cheat,
        child: processes[i]!,
      })),
    );
    const wallet = await fundedWallet(cleanup, mintUrl, spec.fundSats);
    return {
      relayUrl,
      mintUrl,
      wallet,
      dir,
      honestModel,
      nodes,
      cheaters: processes.at(-1)!,
      books: async (kind = "snapshot") => {
        const replies = await Promise.all(processes.map((p) => p.ask(kind, 60_000)));
        return replies.flatMap((reply) => reply.nodes as NodeSnapshot[]);
      },
      mintStats: async () => (await mint.ask("stats")).stats as Awaited<ReturnType<TrustMarket["mintStats"]>>,
      restart: async (child) => {
        await child.kill();
        await child.start();
      },
      close: () => cleanup.run().catch((error) => log(`closing the market: ${String(error)}`)),
    };
  } catch (error) {
    await cleanup.run().catch(() => undefined); // the start's error is the one to report
    throw error;
  }
}
