/**
 * Redeems what a node holds and waits until nothing of its is half-done before its books are read: no
 * redeem or refund the mint has not settled, no buyer's close it has yet to finish, no refund or result it
 * made that no relay took yet. One the mint did not answer in time (a mint saturated by a thousand nodes settling at
 * once) stays open in the node's wallet (`unsettledSats`; a redeem's batch `redeeming`) until the mint's
 * state settles it: at once if the mint carried it out, else once the wallet's window for late answers
 * (`unansweredWindowMs`, 120 s) has passed. A close the buyer gave up on is finished by the node's tab sweep
 * (every 60 s) a minute after it was written ahead, and its refund delivered in the same sweep. Read before
 * that, such sats are neither the node's ecash nor the buyer's. A running node does all this on its own;
 * this asks for a redeem at once, looks again every 2 s within `timeoutMs` (past both), and after that the
 * books are read as they are (what is still out shows in them, see sideSats).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { RunningProvider } from "@pylon/provider";
import Database from "better-sqlite3";

export async function redeemAll(node: RunningProvider, dataDir: string, timeoutMs = 240_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await node.payments?.redeemNow();
      const earnings = node.status().earnings;
      const settled = (earnings?.heldSats ?? 0) === 0 && (earnings?.unsettledSats ?? 0) === 0;
      const undelivered = (node.payments?.tabRefunds() ?? []).some((r) => r.deliveredAt === undefined);
      if (settled && !undelivered && unfinishedCloses(dataDir) === 0 && undeliveredResults(dataDir) === 0)
        return;
    } catch (error) {
      if (Date.now() >= end) throw error;
    }
    if (Date.now() >= end) return;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

/**
 * Buyers' closes the node has written ahead but not finished (the buyer gave up waiting): the node's sweep
 * finishes them after a minute and delivers their refunds.
 */
function unfinishedCloses(dataDir: string): number {
  const file = path.join(dataDir, "wallet.db");
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const hasTabs = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'tabs'").get();
    if (!hasTabs) return 0;
    return (db.prepare("SELECT COUNT(*) AS n FROM tabs WHERE closing_op IS NOT NULL").get() as { n: number })
      .n;
  } finally {
    db.close();
  }
}

/**
 * Results no relay took yet (jobs `finished`, not `done`), a tab close's refund among them: the node's
 * housekeeping publishes them again.
 */
function undeliveredResults(dataDir: string): number {
  const file = path.join(dataDir, "provider.db");
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE state = 'finished'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/**
 * Sats of a node's that are neither its spendable ecash nor collected proofs (for the soak's invariant, where
 * sats could hide after SIGKILLs): its wallet's proofs by state other than unspent (reserved by an
 * operation, pending: handed out in a token not known to be claimed), and expiry refunds it made that no
 * relay took yet.
 */
export function sideSats(node: RunningProvider, dataDir: string): Record<string, number> {
  const side: Record<string, number> = {};
  const file = path.join(dataDir, "wallet.db");
  if (existsSync(file)) {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const rows = db
        .prepare("SELECT state, SUM(amount) AS sats FROM proofs WHERE state != 'unspent' GROUP BY state")
        .all() as Array<{ state: string; sats: number }>;
      for (const row of rows) side[`wallet ${row.state}`] = row.sats;
    } finally {
      db.close();
    }
  }
  const undelivered = (node.payments?.tabRefunds() ?? []).filter((r) => r.deliveredAt === undefined);
  if (undelivered.length > 0) side["refunds undelivered"] = undelivered.reduce((s, r) => s + r.sats, 0);
  return side;
}
