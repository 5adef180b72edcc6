/**
 * The refunds a node made on its own when tabs expired (`tab_refunds`): each is the provider's liability
 * until a relay has accepted its delivery to the buyer, so it is kept, with its token, until then. Rows are
 * written by TabBook in the transaction that takes the refund off the tab.
 */
import type { PaymentLedger } from "@pylon/wallet";
import { renameLegacyColumns } from "../store/schema.js";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS tab_refunds (
    op_id        TEXT PRIMARY KEY,
    buyer        TEXT NOT NULL,
    job_id       TEXT NOT NULL,
    sats         INTEGER NOT NULL,
    token        TEXT NOT NULL,
    expires_at   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER
  );
`;

/** A refund the node made on its own when a tab expired: the provider's liability until delivered. */
export interface TabRefund {
  opId: string;
  buyer: string;
  /** The job that opened (last deposited on) the tab: the refund's feedback references it. */
  jobId: string;
  sats: number;
  token: string;
  expiresAt: number;
  deliveredAt?: number;
}

interface RefundRow {
  op_id: string;
  buyer: string;
  job_id: string;
  sats: number;
  token: string;
  expires_at: number;
  delivered_at: number | null;
}

export class ExpiryRefunds {
  readonly #db: PaymentLedger["db"];
  readonly #now: () => number;

  constructor(db: PaymentLedger["db"], now: () => number) {
    this.#db = db;
    this.#now = now;
    renameLegacyColumns(db, ["tab_refunds"], "customer", "buyer");
    db.exec(SCHEMA);
  }

  /** Records a refund once (a resumed refund's second record is ignored); call inside the tab's transaction. */
  record(refund: TabRefund, createdAt: number): void {
    this.#db
      .prepare(
        `INSERT OR IGNORE INTO tab_refunds (op_id, buyer, job_id, sats, token, expires_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(refund.opId, refund.buyer, refund.jobId, refund.sats, refund.token, refund.expiresAt, createdAt);
  }

  /** Refunds not yet accepted by a relay (oldest first). */
  undelivered(): TabRefund[] {
    const rows = this.#db
      .prepare("SELECT * FROM tab_refunds WHERE delivered_at IS NULL ORDER BY created_at, op_id")
      .all() as RefundRow[];
    return rows.map(toRefund);
  }

  /** Every refund made (to `buyer`, when given), oldest first. */
  list(buyer?: string): TabRefund[] {
    const rows = (
      buyer === undefined
        ? this.#db.prepare("SELECT * FROM tab_refunds ORDER BY created_at, op_id").all()
        : this.#db.prepare("SELECT * FROM tab_refunds WHERE buyer = ? ORDER BY created_at, op_id").all(buyer)
    ) as RefundRow[];
    return rows.map(toRefund);
  }

  markDelivered(opId: string): void {
    this.#db
      .prepare("UPDATE tab_refunds SET delivered_at = ? WHERE op_id = ? AND delivered_at IS NULL")
      .run(this.#now(), opId);
  }
}

function toRefund(row: RefundRow): TabRefund {
  const refund: TabRefund = {
    opId: row.op_id,
    buyer: row.buyer,
    jobId: row.job_id,
    sats: row.sats,
    token: row.token,
    expiresAt: row.expires_at,
  };
  if (row.delivered_at !== null) refund.deliveredAt = row.delivered_at;
  return refund;
}
