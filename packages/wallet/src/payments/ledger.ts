/**
 * The provider's payment ledger in SQLite: which proof Ys were taken (a Y is accepted once, ever, across
 * restarts), what each payment credited, and where each collected proof is on its way to the wallet
 * (held → redeeming → redeemed, or lost if its buyer reclaimed it after the locktime).
 *
 * `record` writes the Ys and the credit in one transaction; a Y seen before makes the whole thing roll back
 * and answer `replayed`, so two concurrent jobs paying with one token cannot both be credited. Open it on
 * the provider's own database to make the credit atomic with the job row too (better-sqlite3 nests the
 * transaction as a savepoint).
 */
import { randomUUID } from "node:crypto";
import { Amount, type Proof } from "@cashu/cashu-ts";
import type Database from "better-sqlite3";
import { type Db, immediate, openDatabase, whereClause } from "../store/db.js";
import { type ProofColumns, rowToProof } from "../store/proofs.js";
import type { AcceptedPayment, PaymentRefusal } from "./accept.js";
import { readLock } from "./lock-conditions.js";

export type CollectedState = "held" | "redeeming" | "redeemed" | "lost";

export interface CollectedProof {
  y: string;
  creditId: string;
  mintUrl: string;
  proof: Proof;
  locktime: number;
  state: CollectedState;
  batchId: string | null;
}

export interface Credit {
  id: string;
  ref: string | null;
  mintUrl: string;
  amountSats: number;
  feeSats: number;
  createdAt: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS payment_credits (
    id          TEXT PRIMARY KEY,
    ref         TEXT,
    mint_url    TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    fee         INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS payment_credits_ref ON payment_credits (ref);
  CREATE TABLE IF NOT EXISTS payment_proofs (
    y          TEXT PRIMARY KEY,
    credit_id  TEXT NOT NULL REFERENCES payment_credits (id),
    mint_url   TEXT NOT NULL,
    keyset_id  TEXT NOT NULL,
    amount     INTEGER NOT NULL,
    secret     TEXT NOT NULL,
    c          TEXT NOT NULL,
    dleq       TEXT,
    locktime   INTEGER NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('held', 'redeeming', 'redeemed', 'lost')),
    batch_id   TEXT,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS payment_proofs_state ON payment_proofs (state, mint_url, locktime);
`;

interface Row extends ProofColumns {
  credit_id: string;
  locktime: number;
  state: CollectedState;
  batch_id: string | null;
}

export class PaymentLedger {
  readonly db: Db;
  private readonly ownsDb: boolean;

  /** Opens the ledger in the SQLite file at `path`, or in an already open database (shared with the job store). */
  constructor(dbOrPath: string | Database.Database) {
    this.ownsDb = typeof dbOrPath === "string";
    this.db = typeof dbOrPath === "string" ? openDatabase(dbOrPath) : dbOrPath;
    this.db.exec(SCHEMA);
  }

  has(y: string): boolean {
    return this.db.prepare("SELECT 1 FROM payment_proofs WHERE y = ?").get(y) !== undefined;
  }

  /**
   * Records an accepted payment: its Ys (refusing any seen before) and its credit, in one transaction.
   * `ref` ties it to the caller's job.
   */
  record(
    payment: AcceptedPayment,
    opts: { ref?: string } = {},
  ): { ok: true; credit: Credit } | PaymentRefusal {
    const credit: Credit = {
      id: randomUUID(),
      ref: opts.ref ?? null,
      mintUrl: payment.mintUrl,
      amountSats: payment.amountSats - payment.feeSats,
      feeSats: payment.feeSats,
      createdAt: Date.now(),
    };
    try {
      this.db.transaction(() => {
        this.db
          .prepare(
            "INSERT INTO payment_credits (id, ref, mint_url, amount, fee, created_at) VALUES (?, ?, ?, ?, ?, ?)",
          )
          .run(credit.id, credit.ref, credit.mintUrl, credit.amountSats, credit.feeSats, credit.createdAt);
        const insert = this.db.prepare(
          `INSERT INTO payment_proofs (y, credit_id, mint_url, keyset_id, amount, secret, c, dleq, locktime, state, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'held', ?)`,
        );
        payment.proofs.forEach((p, i) => {
          const lock = readLock(p.secret);
          insert.run(
            payment.ys[i],
            credit.id,
            payment.mintUrl,
            p.id,
            Amount.from(p.amount).toNumber(),
            p.secret,
            p.C,
            p.dleq ? JSON.stringify(p.dleq) : null,
            lock.ok ? (lock.value.locktime ?? 0) : 0,
            credit.createdAt,
          );
        });
      })();
    } catch (err) {
      if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
        return { ok: false, code: "replayed", reason: "a proof of this payment was already recorded" };
      }
      throw err;
    }
    return { ok: true, credit };
  }

  credits(ref?: string): Credit[] {
    const rows = (
      ref === undefined
        ? this.db.prepare("SELECT * FROM payment_credits ORDER BY created_at").all()
        : this.db.prepare("SELECT * FROM payment_credits WHERE ref = ? ORDER BY created_at").all(ref)
    ) as Array<{
      id: string;
      ref: string | null;
      mint_url: string;
      amount: number;
      fee: number;
      created_at: number;
    }>;
    return rows.map((r) => ({
      id: r.id,
      ref: r.ref,
      mintUrl: r.mint_url,
      amountSats: r.amount,
      feeSats: r.fee,
      createdAt: r.created_at,
    }));
  }

  /** Face value in sats per collected-proof state. */
  totals(): Record<CollectedState, number> {
    const out: Record<CollectedState, number> = { held: 0, redeeming: 0, redeemed: 0, lost: 0 };
    const rows = this.db
      .prepare("SELECT state, SUM(amount) AS total FROM payment_proofs GROUP BY state")
      .all() as Array<{
      state: CollectedState;
      total: number;
    }>;
    for (const r of rows) out[r.state] = r.total;
    return out;
  }

  /** The earliest locktime among proofs not yet redeemed: the deadline for the next redeem. */
  nextDeadline(): number | undefined {
    const row = this.db
      .prepare("SELECT MIN(locktime) AS t FROM payment_proofs WHERE state IN ('held', 'redeeming')")
      .get() as { t: number | null };
    return row.t ?? undefined;
  }

  list(filter: {
    state?: CollectedState;
    mintUrl?: string;
    batchId?: string;
    limit?: number;
  }): CollectedProof[] {
    const where = whereClause({ state: filter.state, mint_url: filter.mintUrl, batch_id: filter.batchId });
    const sql = `SELECT * FROM payment_proofs ${where.sql}
                 ORDER BY locktime, y LIMIT ?`;
    return (this.db.prepare(sql).all(...where.args, filter.limit ?? -1) as Row[]).map((r) => ({
      y: r.y,
      creditId: r.credit_id,
      mintUrl: r.mint_url,
      proof: rowToProof(r),
      locktime: r.locktime,
      state: r.state,
      batchId: r.batch_id,
    }));
  }

  mints(state: CollectedState): string[] {
    const rows = this.db
      .prepare("SELECT DISTINCT mint_url FROM payment_proofs WHERE state = ?")
      .all(state) as Array<{
      mint_url: string;
    }>;
    return rows.map((r) => r.mint_url);
  }

  batches(): string[] {
    const rows = this.db
      .prepare("SELECT DISTINCT batch_id FROM payment_proofs WHERE state = 'redeeming'")
      .all() as Array<{ batch_id: string }>;
    return rows.map((r) => r.batch_id);
  }

  /** Held proofs → redeeming under `batchId` (before the swap is recorded by the wallet). */
  startBatch(ys: string[], batchId: string): void {
    immediate(this.db, () => {
      const stmt = this.db.prepare(
        "UPDATE payment_proofs SET state = 'redeeming', batch_id = ?, updated_at = ? WHERE y = ? AND state = 'held'",
      );
      for (const y of ys) {
        if (stmt.run(batchId, Date.now(), y).changes !== 1)
          throw new Error(`proof ${y.slice(0, 16)}… is not held`);
      }
    });
  }

  /** Ends a batch: redeemed, or (if it failed) `lostYs` lost and the rest held again for the next batch. */
  endBatch(batchId: string, outcome: { redeemed: true } | { redeemed: false; lostYs: string[] }): void {
    immediate(this.db, () => {
      const now = Date.now();
      if (outcome.redeemed) {
        this.db
          .prepare(
            "UPDATE payment_proofs SET state = 'redeemed', updated_at = ? WHERE batch_id = ? AND state = 'redeeming'",
          )
          .run(now, batchId);
        return;
      }
      const lost = this.db.prepare(
        "UPDATE payment_proofs SET state = 'lost', updated_at = ? WHERE y = ? AND batch_id = ? AND state = 'redeeming'",
      );
      for (const y of outcome.lostYs) lost.run(now, y, batchId);
      this.db
        .prepare(
          "UPDATE payment_proofs SET state = 'held', batch_id = NULL, updated_at = ? WHERE batch_id = ? AND state = 'redeeming'",
        )
        .run(now, batchId);
    });
  }

  close(): void {
    if (this.ownsDb) this.db.close();
  }
}
