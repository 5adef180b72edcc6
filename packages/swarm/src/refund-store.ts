/**
 * Refunds addressed to the buyer, in the run store's database, so none is taken in twice and none is
 * forgotten: a tab close whose result did not arrive in time is `awaiting` (its result, carrying the refund
 * token, is read back from the relays later), and every refund event taken in is `taken` with its sats, or
 * `failed` with the mint's words (e.g. its proofs were already spent).
 */
import type Database from "better-sqlite3";
import { type StatementCache, statementCache } from "./statements.js";

export type RefundSource = "expiry" | "close";
export type RefundState = "awaiting" | "taken" | "failed";

export interface RefundRow {
  /** The close job's id (`close`), or the refund feedback's event id (`expiry`). */
  id: string;
  source: RefundSource;
  provider: string;
  mint: string;
  state: RefundState;
  sats: number;
  error: string | null;
  /** Epoch ms of the last change. */
  at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS refunds (
  buyer TEXT NOT NULL, id TEXT NOT NULL, source TEXT NOT NULL, provider TEXT NOT NULL, mint TEXT NOT NULL,
  state TEXT NOT NULL, sats INTEGER NOT NULL DEFAULT 0, error TEXT, at INTEGER NOT NULL,
  PRIMARY KEY (buyer, id)
);
CREATE TABLE IF NOT EXISTS refund_marks (buyer TEXT PRIMARY KEY, since INTEGER NOT NULL);
`;

export class RefundStore {
  readonly #statement: StatementCache;

  constructor(db: Database.Database) {
    db.exec(SCHEMA);
    this.#statement = statementCache(db);
  }

  /** A close job was sent: its result carries a refund, to be read back if the close gives up waiting. */
  awaitClose(buyer: string, closeJobId: string, provider: string, mint: string): void {
    this.#statement(
      `INSERT INTO refunds (buyer, id, source, provider, mint, state, at) VALUES (?, ?, 'close', ?, ?, 'awaiting', ?)
         ON CONFLICT (buyer, id) DO NOTHING`,
    ).run(buyer, closeJobId, provider, mint, Date.now());
  }

  /** Records how a refund ended; an earlier `taken` is never overwritten (none is counted twice). */
  settle(
    buyer: string,
    row: { id: string; source: RefundSource; provider: string; mint: string },
    end: { state: "taken"; sats: number } | { state: "failed"; error: string },
  ): void {
    this.#statement(
      `INSERT INTO refunds (buyer, id, source, provider, mint, state, sats, error, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (buyer, id) DO UPDATE SET state = excluded.state, sats = excluded.sats,
           error = excluded.error, at = excluded.at WHERE refunds.state != 'taken'`,
    ).run(
      buyer,
      row.id,
      row.source,
      row.provider,
      row.mint,
      end.state,
      end.state === "taken" ? end.sats : 0,
      end.state === "failed" ? end.error : null,
      Date.now(),
    );
  }

  /** Unix seconds up to which the relays were searched for expiry refunds (undefined: never). */
  searchedUntil(buyer: string): number | undefined {
    const row = this.#statement("SELECT since FROM refund_marks WHERE buyer = ?").get(buyer) as
      | { since: number }
      | undefined;
    return row?.since;
  }

  markSearched(buyer: string, until: number): void {
    this.#statement(
      `INSERT INTO refund_marks (buyer, since) VALUES (?, ?)
         ON CONFLICT (buyer) DO UPDATE SET since = MAX(since, excluded.since)`,
    ).run(buyer, until);
  }

  get(buyer: string, id: string): RefundRow | undefined {
    return this.#statement(`SELECT ${COLUMNS} FROM refunds WHERE buyer = ? AND id = ?`).get(buyer, id) as
      | RefundRow
      | undefined;
  }

  /** Closes at `mint` whose refund is still awaited, recorded since `since` (epoch ms). */
  awaitingSince(buyer: string, mint: string, since: number): number {
    const row = this.#statement(
      "SELECT COUNT(*) AS n FROM refunds WHERE buyer = ? AND state = 'awaiting' AND mint = ? AND at >= ?",
    ).get(buyer, mint, since) as { n: number };
    return row.n;
  }

  /** Every refund of the buyer, newest first (`state` narrows it). */
  list(buyer: string, state?: RefundState): RefundRow[] {
    if (state === undefined)
      return this.#statement(`SELECT ${COLUMNS} FROM refunds WHERE buyer = ? ORDER BY at DESC`).all(
        buyer,
      ) as RefundRow[];
    return this.#statement(
      `SELECT ${COLUMNS} FROM refunds WHERE buyer = ? AND state = ? ORDER BY at DESC`,
    ).all(buyer, state) as RefundRow[];
  }
}

const COLUMNS = "id, source, provider, mint, state, sats, error, at";
