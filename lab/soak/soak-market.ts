/**
 * The market a soak runs on, behind one shape: the relays, the mint, the buyer's funded wallet, the units a
 * kill wave SIGKILLs (one provider process each here; a pack of providers on the crowd, crowd-market.ts),
 * the relay restarts, and the providers' books at the end. This one is the classic soak's: the relay, the
 * mint and each provider in its own child process (lab/market/*-child.ts), each provider keeping its data
 * dir across restarts, so it redeems and refunds its tab later.
 */
import path from "node:path";
import type { Cleanup } from "@pylon/testkit";
import { unusedPort } from "@pylon/testkit";
import { fundedWallet } from "@pylon/testkit/market";
import type { PylonWallet } from "@pylon/wallet";
import { Child, childScript } from "../market/children.js";
import type { ProviderChildSpec } from "../market/provider-child.js";
import type { CheckInput, ProviderBooks, ProviderReport, SoakUsage } from "./checks.js";
import type { SoakOptions } from "./soak-core.js";

/** What a kill wave SIGKILLs at once: one provider process, or a pack of providers. */
export interface KillUnit {
  label: string;
  /** Provider identities that die with it. */
  providers: number;
  readonly alive: boolean;
  kill(): Promise<void>;
  /** Back up with the same keys and data. */
  restart(): Promise<unknown>;
}

export interface SoakMarket {
  relayUrls: string[];
  mintUrl: string;
  /** The buyer's wallet, funded with the sats asked for. */
  wallet: PylonWallet;
  /** For the log: "8 paid providers (child processes), relay ws://…". */
  description: string;
  units: KillUnit[];
  /** Generations started at the providers so far (finer progress than finished batches); 0 when unknown. */
  generations(): number;
  /**
   * Relay restart number `n` (1, 2, …): SIGKILLs a relay; resolves with its label and what brings it back
   * after the downtime (none where the kill and the restart are one step: the crowd's).
   */
  killRelay(n: number): Promise<{ label: string; back?: () => Promise<unknown> }>;
  /** Every provider and relay up again (the books are read from live nodes). */
  everyoneUp(): Promise<void>;
  /** Every provider's books, after each redeemed what it holds. */
  reports(): Promise<ProviderReport[]>;
  mintStats(): Promise<CheckInput["mint"]>;
  /** The other processes' memory and CPU (relays, provider packs, mint), where the market can tell. */
  usage?(): Promise<SoakUsage>;
}

/** The classic soak's market: every part in its own process, `o.providers` provider processes. */
export async function processMarket(
  o: SoakOptions,
  fundSats: number,
  cleanup: Cleanup,
  dir: string,
): Promise<SoakMarket> {
  const childLog = (line: string) => o.log(`    [${line}]`);
  const children: Child[] = [];
  // Whatever happened, no child outlives the soak (after the graceful stops below).
  cleanup.add(() => Promise.allSettled(children.map((c) => c.kill())));
  const mint = new Child("mint", childScript("mint"), { inputFeePpk: 100 }, () => {}, childLog);
  children.push(mint);
  // Children stop last (reverse order), the mint after the nodes: they redeem through it on a graceful stop.
  cleanup.add(async () => {
    await Promise.allSettled(children.filter((c) => c !== mint).map((c) => c.stop(5_000)));
    await mint.stop(5_000);
  });
  const mintUrl = String((await mint.start()).url);
  const relayPort = await unusedPort(); // the relay comes back on the same port
  const relay = new Child(
    "relay",
    childScript("relay"),
    { port: relayPort, db: path.join(dir, "relay.db") },
    () => {},
    childLog,
  );
  children.push(relay);
  const relayUrl = String((await relay.start()).url);

  const generated = new Map<string, number>();
  const providers = Array.from({ length: o.providers }, (_, i) => {
    const label = `provider-${i}`;
    const child = new Child(
      label,
      childScript("provider"),
      {
        relayUrl,
        mintUrl,
        dataDir: path.join(dir, label),
        slots: o.slots,
        queue: o.queue,
        latencyMs: o.latencyMs,
        name: `soak ${label}`,
      } satisfies ProviderChildSpec,
      (message) => {
        if (message.type === "generated") generated.set(label, (generated.get(label) ?? 0) + 1);
      },
      childLog,
    );
    children.push(child);
    return child;
  });
  const pubkeys = await Promise.all(providers.map(async (p) => String((await p.start()).pubkey)));
  const wallet = await fundedWallet(cleanup, mintUrl, fundSats);
  return {
    relayUrls: [relayUrl],
    mintUrl,
    wallet,
    description: `${o.providers} paid providers (child processes), relay ${relayUrl}`,
    units: providers.map((p) => ({
      label: p.label,
      providers: 1,
      get alive() {
        return p.alive;
      },
      kill: () => p.kill(),
      restart: () => p.ensureRunning(),
    })),
    generations: () => [...generated.values()].reduce((a, b) => a + b, 0),
    killRelay: async () => {
      await relay.kill();
      return { label: "relay", back: () => relay.ensureRunning() };
    },
    everyoneUp: async () => {
      for (const p of providers) await p.ensureRunning();
      await relay.ensureRunning();
    },
    reports: async () => {
      const reports = await Promise.all(providers.map((p) => p.ask("report", 300_000)));
      // Counted here, in the parent, over every life of the node.
      return providers.map((p, i) => ({
        label: p.label,
        pubkey: pubkeys[i]!,
        generated: generated.get(p.label) ?? 0,
        everyLife: true,
        report: reports[i] as ProviderBooks,
      }));
    },
    mintStats: async () => (await mint.ask("stats")).stats as CheckInput["mint"],
  };
}
