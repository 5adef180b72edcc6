/**
 * Payment test parts beyond @pylon/testkit/market: a paid test file's market (relay, mint, funded buyer),
 * paid scripted nodes with their payment target, the prices of the standard paid job, and token tampering
 * and mint-call counting for attacks.
 */
import { getDecodedToken, getEncodedToken, type Proof } from "@cashu/cashu-ts";
import type { Backend } from "@pylon/inference";
import type { RunningMint } from "@pylon/mint";
import { Cleanup } from "@pylon/testkit";
import {
  fundedWallet,
  type ScriptedNode,
  scriptedNode,
  startTestMint,
  startTestRelay,
} from "@pylon/testkit/market";
import type { PylonWallet } from "@pylon/wallet";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { ProviderConfigInput } from "../../src/config/schema.js";
import type { PaymentTarget } from "./paid-job.js";

/** Re-encodes `token` after `edit` changed its proofs (attacks). */
export function tamper(token: string, keysetIds: string[], edit: (proofs: Proof[]) => unknown): string {
  const decoded = getDecodedToken(token, keysetIds);
  edit(decoded.proofs);
  return getEncodedToken(decoded);
}

/** The other point with the same x: a valid curve point that is not the mint's signature. */
export const flipParity = (c: string): string => (c.startsWith("02") ? "03" : "02") + c.slice(2);

/** Counts HTTP requests this process sends to mints (cashu-ts goes through global fetch) until `stop()`. */
export function countMintCalls(cleanup: Cleanup): {
  count: () => number;
  /** Calls to one path, e.g. "/v1/swap". */
  countOf: (path: string) => number;
  stop: () => void;
} {
  const original = globalThis.fetch;
  const paths: string[] = [];
  globalThis.fetch = (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith("http")) paths.push(new URL(url).pathname);
    return original(input, init);
  };
  const stop = (): void => {
    globalThis.fetch = original;
  };
  cleanup.add(stop);
  return { count: () => paths.length, countOf: (path) => paths.filter((p) => p === path).length, stop };
}

/**
 * The standard paid job at the market's PRICES: "hello world" (3 input tokens) with max_tokens 100 quotes
 * ceil((3·10,000 + 100·20,000) / 1000) = 2,030 msats (3 sats); the reply PAID_OUTPUT (3 output tokens)
 * actually costs 3·10 + 3·20 = 90 msats.
 */
export const PAID_JOB = { prompt: "hello world", params: { maxTokens: 100 } };
export const PAID_OUTPUT = "paid output";
export const PAID_QUOTE_MSATS = 2_030;
export const PAID_PRICE_SATS = 3;
export const PAID_ACTUAL_MSATS = 90;

export interface PaidNodeOptions {
  relayUrl: string;
  mintUrl: string;
  dataDir?: string;
  payments?: ProviderConfigInput["payments"];
  backend?: Backend;
}

export interface PaidNode extends ScriptedNode {
  target: PaymentTarget;
}

/**
 * A node that requires Cashu from `mintUrl` at PRICES (testkit's scriptedNode, instant), answering every
 * job PAID_OUTPUT; `calls()` counts generate() calls, what proves a refused job did no work.
 */
export async function paidNode(cleanup: Cleanup, options: PaidNodeOptions): Promise<PaidNode> {
  const started = await scriptedNode(cleanup, {
    relays: [options.relayUrl],
    mintUrl: options.mintUrl,
    responses: () => PAID_OUTPUT,
    latencyMs: 0,
    queue: 16,
    ...(options.backend ? { backend: options.backend } : {}),
    config: {
      shutdownGraceSec: 10,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.payments ? { payments: options.payments } : {}),
    },
  });
  if (!started.p2pk) throw new Error("node took no payments");
  return {
    ...started,
    target: { provider: started.node.pubkey, p2pk: started.p2pk, mint: options.mintUrl },
  };
}

/**
 * A paid test file's shared market, filled in by its beforeAll: a relay, a mint (input fee `inputFeePpk`)
 * and a buyer wallet funded with `fundSats`, all on `files`; nodes go on `cleanup`, undone after each test.
 */
export interface PaidSuite {
  files: Cleanup;
  cleanup: Cleanup;
  relayUrl: string;
  mint: RunningMint;
  buyer: PylonWallet;
  /** With `foreignFundSats`: a second mint (no fee) that nodes do not accept; the buyer holds its ecash too. */
  foreignMint: RunningMint;
  /** A paid node on this market's relay and mint, stopped after the test. */
  node(options?: Omit<PaidNodeOptions, "relayUrl" | "mintUrl">): Promise<PaidNode>;
}

export function paidSuite(
  options: { inputFeePpk?: number; fundSats?: number; foreignFundSats?: number } = {},
): PaidSuite {
  const shared = {
    files: new Cleanup(),
    cleanup: new Cleanup(),
    relayUrl: "",
    node: (nodeOptions = {}) =>
      paidNode(shared.cleanup, { relayUrl: shared.relayUrl, mintUrl: shared.mint.url, ...nodeOptions }),
  } as PaidSuite;
  beforeAll(async () => {
    shared.relayUrl = (await startTestRelay(shared.files)).url;
    shared.mint = await startTestMint(shared.files, options.inputFeePpk ?? 100);
    const mints = [shared.mint.url];
    if (options.foreignFundSats !== undefined) {
      shared.foreignMint = await startTestMint(shared.files);
      mints.push(shared.foreignMint.url);
    }
    shared.buyer = await fundedWallet(shared.files, mints, options.fundSats ?? 1_000);
    if (options.foreignFundSats) await shared.buyer.fund(options.foreignFundSats, { mint: mints[1] });
  });
  afterEach(() => shared.cleanup.run());
  afterAll(() => shared.files.run());
  return shared;
}
