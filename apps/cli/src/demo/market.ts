/**
 * The demo's market, all on 127.0.0.1 on free ports and in one temp folder: a local relay, a local testnet
 * mint (fake Lightning), and K provider nodes that require Cashu payment (tabs at that mint) serving one
 * GGUF through llama.cpp: the generated tiny model unless the user names a real one.
 */
import { mkdir, symlink } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { writeTinyGguf } from "@pylon/inference";
import { type RunningMint, startMint } from "@pylon/mint";
import { isRemoteModel, quietLogger, type RunningProvider, startProvider } from "@pylon/provider";
import { type RunningRelay, startRelay } from "@pylon/relay";
import type { Stack } from "./stack.js";

/** What every demo provider charges, msats per 1,000 tokens (testnet sats: worth nothing). */
export const DEMO_PRICES = { inputPer1k: 10_000, outputPer1k: 20_000, minimum: 0 };
/** NUT-02 input fee of the demo mint, so the accounting has fees to account for. */
export const DEMO_INPUT_FEE_PPK = 100;
/** Jobs each provider generates at once: on one CPU thread, taking jobs in turn beats batching them. */
export const DEMO_SLOTS = 1;
/** Sub-calls the buyer keeps in flight per provider (queued there while one runs). */
export const DEMO_IN_FLIGHT = 4;
/** Jobs a provider may queue: room beyond DEMO_IN_FLIGHT, so a job that has just ended there is not "busy". */
const DEMO_QUEUE = 2 * DEMO_IN_FLIGHT;

export interface MarketOptions {
  dir: string;
  providers: number;
  /** A GGUF path or hf:/https URI; undefined = the generated tiny GGUF. */
  model: string | undefined;
  /** Where an hf:/https model is downloaded once and found again (kept after the demo). */
  modelsDir: string;
  /** Most output tokens a job may ask for. */
  maxTokens: number;
  say: (line: string) => void;
  signal: AbortSignal;
}

export interface Market {
  relay: RunningRelay;
  mint: RunningMint;
  providers: RunningProvider[];
  /** The model file or URI the providers serve. */
  model: string;
}

export async function startMarket(stack: Stack, opts: MarketOptions): Promise<Market> {
  const relay = stack.add("the relay", await startRelay({ db: ":memory:" }), (r) => r.close());
  opts.say(`relay      ${relay.url} (in memory)`);
  opts.signal.throwIfAborted();

  const mint = stack.add(
    "the mint",
    await startMint({ port: 0, db: ":memory:", inputFeePpk: DEMO_INPUT_FEE_PPK }),
    (m) => m.close(),
  );
  opts.say(`mint       ${mint.url} (TESTNET, fake Lightning, input fee ${DEMO_INPUT_FEE_PPK} ppk)`);
  opts.signal.throwIfAborted();

  const tinyModel = opts.model === undefined;
  const model = opts.model ?? join(opts.dir, "tiny.gguf");
  const remote = isRemoteModel(model);
  if (tinyModel) {
    await writeTinyGguf(model);
    opts.say(`model      ${model} (generated tiny GGUF: random weights, its text is noise)`);
  } else {
    opts.say(`model      ${model}${remote ? ` (downloaded into ${opts.modelsDir} unless there)` : ""}`);
  }

  // One CPU thread per provider for the tiny model; a real model shares the cores among the K providers.
  const threads = tinyModel ? 1 : Math.max(1, Math.floor(availableParallelism() / opts.providers));
  opts.signal.throwIfAborted();
  const start = async (i: number): Promise<RunningProvider> => {
    const dataDir = join(opts.dir, `provider-${i}`);
    if (remote) {
      // A node downloads into <dataDir>/models: point that at the kept folder, so it happens once.
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
      await symlink(opts.modelsDir, join(dataDir, "models"));
    }
    const node = await startProvider(
      {
        relays: [relay.url],
        model,
        ...(tinyModel ? { modelName: "tiny" } : {}),
        free: false,
        prices: DEMO_PRICES,
        allowedMints: [mint.url],
        slots: DEMO_SLOTS,
        queue: DEMO_QUEUE,
        threads,
        gpu: tinyModel ? false : "auto",
        maxTokens: opts.maxTokens,
        dataDir,
        name: `demo provider ${i}`,
        shutdownGraceSec: 2,
      },
      // Loopback relays named in requests are ours: reply there too.
      { log: quietLogger, allowPrivateRequestRelays: true },
    );
    stack.add(`provider ${i}`, node, (n) => n.stop());
    opts.say(`provider ${i} ${node.npub} (payment required: Cashu tabs at the local mint)`);
    return node;
  };
  if (remote) await mkdir(opts.modelsDir, { recursive: true });
  // Started side by side (loading llama.cpp is most of it), after the first when it downloads the model.
  const first = remote ? [await start(1)] : [];
  const starting = Array.from({ length: opts.providers - first.length }, (_, index) =>
    start(first.length + index + 1),
  );
  const started = await Promise.allSettled(starting);
  const failed = started.find((s) => s.status === "rejected");
  if (failed) throw failed.reason;
  const providers = [...first, ...started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []))];
  return { relay, mint, providers, model };
}
