/**
 * What the node earned, read from SQLite (the ledger and the provider wallet share `wallet.db`): credited
 * by accepted payments, where the collected proofs are (held → redeemed, or lost to a buyer's reclaim), and
 * what reached the wallet.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import Sqlite, { type Database } from "better-sqlite3";

export interface Earnings {
  /** Net credit of every accepted payment (face value minus the input fee of redeeming it), sats. */
  creditedSats: number;
  /** Input fees those payments carried on top (the mint keeps them at redeem time), sats. */
  feeSats: number;
  /** Face value of collected proofs not yet swapped into the wallet, sats. */
  heldSats: number;
  /** Face value of collected proofs swapped into the wallet, sats. */
  redeemedSats: number;
  /** Face value of collected proofs a buyer took back after the locktime (redeemed too late), sats. */
  lostSats: number;
  /** Spendable ecash in the provider wallet, sats. */
  walletSats: number;
  /**
   * Wallet ecash held by operations the mint has not answered yet (a refund or redeem that timed out): it
   * settles once the mint's state is known (the next redeem, at most `unansweredWindowMs` later), sats.
   */
  unsettledSats: number;
}

export function readEarnings(db: Database): Earnings {
  const credits = db
    .prepare("SELECT COALESCE(SUM(amount), 0) AS credited, COALESCE(SUM(fee), 0) AS fee FROM payment_credits")
    .get() as { credited: number; fee: number };
  const byState = new Map(
    (
      db.prepare("SELECT state, SUM(amount) AS total FROM payment_proofs GROUP BY state").all() as Array<{
        state: string;
        total: number;
      }>
    ).map((r) => [r.state, r.total]),
  );
  const wallet = new Map(
    (
      db
        .prepare(
          "SELECT state, SUM(amount) AS total FROM proofs WHERE state IN ('unspent', 'reserved') GROUP BY state",
        )
        .all() as Array<{ state: string; total: number }>
    ).map((r) => [r.state, r.total]),
  );
  return {
    creditedSats: credits.credited,
    feeSats: credits.fee,
    heldSats: (byState.get("held") ?? 0) + (byState.get("redeeming") ?? 0),
    redeemedSats: byState.get("redeemed") ?? 0,
    lostSats: byState.get("lost") ?? 0,
    walletSats: wallet.get("unspent") ?? 0,
    unsettledSats: wallet.get("reserved") ?? 0,
  };
}

/** Earnings of the node whose data dir is `dataDir`, read-only (works while it runs); undefined if it took none. */
export function readNodeEarnings(dataDir: string): Earnings | undefined {
  const file = path.join(dataDir, "wallet.db");
  if (!existsSync(file)) return undefined;
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    const hasLedger = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'payment_credits'").get();
    return hasLedger ? readEarnings(db) : undefined;
  } finally {
    db.close();
  }
}
