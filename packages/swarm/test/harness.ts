/**
 * The swarm's own test parts; the local market itself (relay, mint, buyer wallets, scripted provider nodes,
 * PRICES) is @pylon/testkit's. Here: announcements with nobody behind them, the sub-call shape, reading back
 * what the relay holds, and testkit's paid market with its parts made certain.
 */
import { randomBytes } from "node:crypto";
import { type Filter, getPublicKey, RelayPool, signEvent } from "@pylon/nostr";
import { type AnnouncementSpec, buildAnnouncement, type NostrEvent } from "@pylon/protocol";
import type { SubcallRequest } from "@pylon/rlm";
import { type Cleanup, nowSec } from "@pylon/testkit";
import { type LocalMarketSpec, MODEL, type ScriptedNode, startLocalMarket } from "@pylon/testkit/market";
import type { PylonWallet } from "@pylon/wallet";
import { expect } from "vitest";
import { createSwarm, type Swarm, type SwarmOptions, type TabSummary } from "../src/index.js";

/**
 * A provider's NIP-89 announcement signed by `secretKey` (a fresh key by default): "pylon" handler, model
 * "m" with a 1,000-token context, now; `spec` overrides any of it.
 */
export function signedAnnouncement(
  spec: Partial<AnnouncementSpec> = {},
  secretKey: Uint8Array = new Uint8Array(randomBytes(32)),
): NostrEvent {
  return signEvent(
    buildAnnouncement({
      now: nowSec(),
      handlerId: "pylon",
      name: "node",
      models: [{ name: "m", contextLength: 1000 }],
      ...spec,
    }),
    secretKey,
  );
}

/**
 * Publishes an announcement (fresh key, MODEL, free unless `spec` says otherwise) for a provider that exists
 * on paper only: jobs sent to it are never acknowledged. Returns its pubkey.
 */
export async function announceProvider(
  cleanup: Cleanup,
  relayUrl: string,
  spec: Partial<AnnouncementSpec> = {},
): Promise<string> {
  const secretKey = new Uint8Array(randomBytes(32));
  const pool = cleanup.use(new RelayPool([relayUrl]), (p) => p.close());
  const event = signedAnnouncement(
    {
      name: "phantom",
      models: [{ name: MODEL, contextLength: 8192 }],
      price: { inputMsatsPer1k: 0, outputMsatsPer1k: 0, minimumMsats: 0 },
      ttlSec: 600,
      ...spec,
    },
    secretKey,
  );
  const results = await pool.publish(event);
  if (!results.some((r) => r.ok)) throw new Error("announcement refused");
  return getPublicKey(secretKey);
}

/** A free provider on paper only, with this capacity. */
export function phantomProvider(
  cleanup: Cleanup,
  relayUrl: string,
  capacity = { slots: 4, maxQueue: 4 },
): Promise<string> {
  return announceProvider(cleanup, relayUrl, { capacity });
}

export function ask(prompt: string, maxTokens = 64): SubcallRequest {
  return { messages: [{ role: "user", content: prompt }], maxTokens, depth: 1, runId: "test" };
}

/** Every event matching the filter that the relay holds now. */
export async function stored(relayUrl: string, filter: Filter): Promise<NostrEvent[]> {
  const pool = new RelayPool([relayUrl]);
  try {
    return await pool.query(filter);
  } finally {
    pool.close();
  }
}

/** testkit's paid local market: relay, mint, a funded buyer wallet and paid scripted nodes at PRICES. */
export async function paidMarket(cleanup: Cleanup, spec: Omit<LocalMarketSpec, "paid">) {
  const market = await startLocalMarket(cleanup, { ...spec, paid: true });
  if (!market.mint || !market.wallet) throw new Error("a paid market has a mint and a buyer wallet");
  return { relayUrl: market.relay.url, mint: market.mint, buyer: market.wallet, nodes: market.nodes };
}
export type PaidMarket = Awaited<ReturnType<typeof paidMarket>>;

/**
 * Spot checks off: for tests of dispatch mechanics that count jobs, deposits or requests exactly (checks add
 * jobs of their own; they are tested in trust-*.test.ts).
 */
export const NO_CHECKS: SwarmOptions["trust"] = { checks: false };

/** A swarm on `options`, closed at cleanup, once `providers` providers are live in its directory. */
export async function startSwarm(cleanup: Cleanup, options: SwarmOptions, providers: number): Promise<Swarm> {
  const swarm = cleanup.use(await createSwarm(options), (s) => s.close());
  await swarm.directory.waitFor(providers);
  return swarm;
}

/** The buyer's record of its tab with `node` agrees with the node's books, to the msat. */
export function expectTabAgrees(tabs: TabSummary[], node: ScriptedNode["node"]): void {
  const totals = node.payments!.tabTotals();
  expect(totals.depositedMsats).toBe(
    totals.balanceMsats + totals.reservedMsats + totals.chargedMsats + totals.refundedMsats,
  );
  const mine = tabs.find((t) => t.provider === node.pubkey)!;
  expect(mine.depositedMsats).toBe(totals.depositedMsats);
  expect(mine.chargedMsats).toBe(totals.chargedMsats);
  expect(mine.refundedMsats).toBe(totals.refundedMsats);
}

/**
 * Each paid node redeems what it holds; its books must show no job served unpaid, nothing still reserved,
 * held or lost, and agree with the buyer's tabs. Returns the providers' ecash and what they charged.
 */
export async function expectProvidersSettled(
  nodes: ScriptedNode[],
  tabs: TabSummary[],
): Promise<{ ecashSats: number; chargedMsats: number }> {
  let ecashSats = 0;
  let chargedMsats = 0;
  for (const n of nodes) {
    expect(n.node.status().jobs.paymentRequired).toBe(0);
    await n.node.payments?.redeemNow();
    const earnings = n.node.status().earnings!;
    const totals = n.node.payments!.tabTotals();
    expect(totals.reservedMsats).toBe(0);
    expect(earnings.heldSats).toBe(0);
    expect(earnings.lostSats).toBe(0);
    expectTabAgrees(tabs, n.node);
    ecashSats += earnings.walletSats;
    chargedMsats += totals.chargedMsats;
  }
  return { ecashSats, chargedMsats };
}

/** The accounting invariant, to the sat: what the buyer spent = providers' ecash + mint fees + reclaimable. */
export async function expectInvariant(
  market: { buyer: PylonWallet; mint: PaidMarket["mint"] },
  fundedSats: number,
  providersEcash: number,
) {
  await market.buyer.checkPending();
  const stats = market.mint.stats();
  const balance = market.buyer.balance().total;
  const spent = fundedSats - balance.unspent - balance.reserved;
  const fees = stats.inputFees + stats.lightningFees;
  expect(spent).toBe(providersEcash + fees + balance.pending);
  return { spent, fees, reclaimable: balance.pending, minted: stats.minted };
}
