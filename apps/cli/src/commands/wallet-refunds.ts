/**
 * `pylon wallet refunds`: takes in every refund to this data dir's buyer key that the relays hold (tabs that
 * expired with a balance, tab closes a run gave up waiting for) and lists them with the ones taken before.
 * Each is taken in once: the run store (<data dir>/swarm.db) records it, and the tab it settles.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describeRelayTrouble, loadOrCreateKey, RelayPool } from "@pylon/nostr";
import { collectRefunds, type RefundCollection, type RefundRow, RunStore } from "@pylon/swarm";
import type { PylonWallet } from "@pylon/wallet";
import { dataDir, relaysFrom } from "../options.js";

export interface RefundsCliOptions {
  relay?: string[];
  network?: string;
  json?: boolean;
  timeout: number;
  swarmDb?: string;
}

export interface RefundsReport {
  buyer: string;
  mint: string;
  /** Taken in now. */
  collected: RefundCollection;
  /** Every refund this buyer key took in or awaits, newest first. */
  history: RefundRow[];
}

export async function walletRefunds(w: PylonWallet, mint: string, opts: RefundsCliOptions): Promise<void> {
  const home = dataDir();
  const keyFile = join(home, "swarm.key");
  if (!existsSync(keyFile)) {
    throw new Error(
      `no buyer key at ${keyFile}: refunds go to the key \`pylon run\` uses on the market, and none ran here yet`,
    );
  }
  const key = await loadOrCreateKey(keyFile);
  const pool = new RelayPool(relaysFrom(opts.relay, opts.network), { connectTimeoutMs: opts.timeout });
  const store = RunStore.open(opts.swarmDb ?? join(home, "swarm.db"));
  try {
    const collected = await collectRefunds({
      pool,
      secretKey: key.secretKey,
      wallet: w,
      store,
      mint,
      timeoutMs: opts.timeout,
    });
    for (const line of describeRelayTrouble(pool.status())) console.error(`pylon wallet: ${line}`);
    const report: RefundsReport = {
      buyer: key.pubkey,
      mint,
      collected,
      history: store.refunds.list(key.pubkey),
    };
    if (opts.json) console.log(JSON.stringify(report, null, 2));
    else print(report);
    if (collected.errors.length > 0) {
      for (const error of collected.errors) console.error(`pylon wallet: ${error}`);
      process.exitCode = 1;
    }
  } finally {
    store.close();
    pool.close();
  }
}

function print(report: RefundsReport): void {
  const { collected } = report;
  for (const r of collected.refunds) {
    const what = r.source === "expiry" ? "tab expired" : "tab close";
    const outcome = r.pending
      ? `pending at the mint (${r.error}): taken in by a later \`pylon wallet refunds\` or run`
      : r.error
        ? `not taken in: ${r.error}`
        : `${r.sats} sats taken in (fee ${r.feeSats})`;
    console.log(`${what}  ${r.provider.slice(0, 12)}…  ${outcome}  ${r.id}`);
  }
  console.log(
    `${collected.takenSats} sats taken in now from ${collected.refunds.filter((r) => !r.error).length} refund(s)` +
      `; ${collected.awaiting} tab close(s) still awaited on the relays` +
      (collected.pending > 0 ? `; ${collected.pending} pending at the mint` : ""),
  );
  const taken = report.history.filter((r) => r.state === "taken");
  console.log(
    `history: ${taken.length} refund(s) taken in, ${taken.reduce((s, r) => s + r.sats, 0)} sats in all, ` +
      `for buyer ${report.buyer.slice(0, 12)}… at ${report.mint}`,
  );
}
