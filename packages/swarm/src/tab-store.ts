/**
 * The buyer's tabs in the run store's database: one row per (buyer, provider, mint) with running totals,
 * and every payment event (deposit, charge, refund) that moved them, by run. Deposits are written here
 * BEFORE their token leaves the process.
 */
import type Database from "better-sqlite3";
import { type StatementCache, statementCache, type Transaction, transactionRunner } from "./statements.js";

export type TabEventKind = "deposit" | "charge" | "refund";

export interface TabRow {
  buyer: string;
  provider: string;
  mint: string;
  state: "open" | "closed";
  depositedMsats: number;
  chargedMsats: number;
  refundedMsats: number;
  /** The balance the provider last reported (`["tab", msats]`), when it did. */
  balanceMsats: number | null;
}

export interface TabEventRow {
  provider: string;
  kind: TabEventKind;
  msats: number;
  jobId: string | null;
  runId: string;
  /** When it was recorded, epoch ms. */
  at: number;
}

export interface TabEvent {
  buyer: string;
  provider: string;
  mint: string;
  runId: string;
  kind: TabEventKind;
  msats: number;
  jobId?: string;
  token?: string;
  balanceMsats?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tabs (
  buyer TEXT NOT NULL, provider TEXT NOT NULL, mint TEXT NOT NULL, state TEXT NOT NULL,
  deposited_msats INTEGER NOT NULL DEFAULT 0, charged_msats INTEGER NOT NULL DEFAULT 0,
  refunded_msats INTEGER NOT NULL DEFAULT 0, balance_msats INTEGER, updated_at INTEGER NOT NULL,
  PRIMARY KEY (buyer, provider, mint)
);
CREATE TABLE IF NOT EXISTS tab_events (
  buyer TEXT NOT NULL, provider TEXT NOT NULL, mint TEXT NOT NULL, run_id TEXT NOT NULL,
  kind TEXT NOT NULL, msats INTEGER NOT NULL, job_id TEXT, token TEXT, at INTEGER NOT NULL
);
`;

const TOTAL_COLUMN: Record<TabEventKind, string> = {
  deposit: "deposited_msats",
  charge: "charged_msats",
  refund: "refunded_msats",
};

export class TabStore {
  readonly #statement: StatementCache;
  readonly #tx: Transaction;

  /** Creates the tables in `db` (the run store's connection) when missing. */
  constructor(db: Database.Database) {
    this.#statement = statementCache(db);
    this.#tx = transactionRunner(db);
    // Databases written before the glossary said "buyer" call the tab's owner "customer".
    for (const table of ["tabs", "tab_events"]) {
      const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
      if (columns.some((c) => c.name === "customer"))
        db.exec(`ALTER TABLE ${table} RENAME COLUMN customer TO buyer`);
    }
    db.exec(SCHEMA);
  }

  /**
   * One payment event with the tab's running totals, in one transaction: a deposit (re)opens the tab, a
   * refund closes it, and so does a withdrawn deposit (never sent) that leaves nothing at the provider.
   */
  record(event: TabEvent): void {
    const now = Date.now();
    this.#tx(() => {
      this.#statement(
        `INSERT INTO tab_events (buyer, provider, mint, run_id, kind, msats, job_id, token, at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        event.buyer,
        event.provider,
        event.mint,
        event.runId,
        event.kind,
        event.msats,
        event.jobId ?? null,
        event.token ?? null,
        now,
      );
      const column = TOTAL_COLUMN[event.kind];
      const state = event.kind === "refund" ? "closed" : "open";
      this.#statement(
        `INSERT INTO tabs (buyer, provider, mint, state, ${column}, balance_msats, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (buyer, provider, mint) DO UPDATE SET
             ${column} = ${column} + excluded.${column},
             state = CASE WHEN ? = 'charge' THEN state
               WHEN excluded.deposited_msats < 0 AND deposited_msats + excluded.deposited_msats <= refunded_msats
                 THEN 'closed' ELSE excluded.state END,
             balance_msats = COALESCE(excluded.balance_msats, balance_msats),
             updated_at = excluded.updated_at`,
      ).run(
        event.buyer,
        event.provider,
        event.mint,
        state,
        event.msats,
        event.balanceMsats ?? null,
        now,
        event.kind,
      );
    });
  }

  /** The buyer's tabs at `mint` (all providers), open and closed. */
  list(buyer: string, mint: string): TabRow[] {
    return this.#statement(
      `SELECT buyer, provider, mint, state, deposited_msats AS depositedMsats, charged_msats AS chargedMsats,
         refunded_msats AS refundedMsats, balance_msats AS balanceMsats
         FROM tabs WHERE buyer = ? AND mint = ? ORDER BY provider`,
    ).all(buyer, mint) as TabRow[];
  }

  /** Every payment event of the buyer's tabs at `mint`, oldest first. */
  events(buyer: string, mint: string): TabEventRow[] {
    return this.#statement(
      `SELECT provider, kind, msats, job_id AS jobId, run_id AS runId, at
         FROM tab_events WHERE buyer = ? AND mint = ? ORDER BY rowid`,
    ).all(buyer, mint) as TabEventRow[];
  }
}
