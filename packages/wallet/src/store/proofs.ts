/**
 * The proof table: every proof the wallet holds or has handed out, with its state. Pure SQLite; callers wrap
 * multi-step changes in one transaction (see ops/settle.ts).
 */
import { Amount, type Proof } from "@cashu/cashu-ts";
import { proofY } from "../proof-y.js";
import { type Db, whereClause } from "./db.js";

export type ProofState = "unspent" | "reserved" | "pending" | "spent";

export interface StoredProof {
  y: string;
  mintUrl: string;
  proof: Proof;
  state: ProofState;
  createdBy: string | null;
  spentBy: string | null;
  lockPubkey: string | null;
  locktime: number | null;
}

/** A proof's columns, as the wallet's `proofs` and the provider ledger's `payment_proofs` tables store it. */
export interface ProofColumns {
  y: string;
  mint_url: string;
  keyset_id: string;
  amount: number;
  secret: string;
  c: string;
  dleq: string | null;
}

interface Row extends ProofColumns {
  state: ProofState;
  created_by: string | null;
  spent_by: string | null;
  lock_pubkey: string | null;
  locktime: number | null;
}

export interface StateTotals {
  unspent: number;
  reserved: number;
  pending: number;
}

export function rowToProof(r: ProofColumns): Proof {
  return {
    id: r.keyset_id,
    amount: Amount.from(r.amount),
    secret: r.secret,
    C: r.c,
    ...(r.dleq ? { dleq: JSON.parse(r.dleq) as NonNullable<Proof["dleq"]> } : {}),
  };
}

function toStored(r: Row): StoredProof {
  return {
    y: r.y,
    mintUrl: r.mint_url,
    proof: rowToProof(r),
    state: r.state,
    createdBy: r.created_by,
    spentBy: r.spent_by,
    lockPubkey: r.lock_pubkey,
    locktime: r.locktime,
  };
}

export class ProofStore {
  constructor(private readonly db: Db) {}

  insert(
    mintUrl: string,
    proofs: Proof[],
    opts: { state: ProofState; createdBy: string; lockPubkey?: string; locktime?: number },
  ): void {
    const stmt = this.db.prepare(
      `INSERT INTO proofs (y, mint_url, keyset_id, amount, secret, c, dleq, state, created_by, lock_pubkey, locktime, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const now = Date.now();
    for (const p of proofs) {
      stmt.run(
        proofY(p.secret),
        mintUrl,
        p.id,
        Amount.from(p.amount).toNumber(),
        p.secret,
        p.C,
        p.dleq ? JSON.stringify(p.dleq) : null,
        opts.state,
        opts.createdBy,
        opts.lockPubkey ?? null,
        opts.locktime ?? null,
        now,
      );
    }
  }

  /** Moves exactly these proofs from one of `from` to `to`; throws (rolling back the caller's transaction) if any is not there. */
  transition(ys: string[], from: ProofState[], to: ProofState, opId: string | null): void {
    const stmt = this.db.prepare(
      `UPDATE proofs SET state = ?, spent_by = COALESCE(?, spent_by), updated_at = ?
       WHERE y = ? AND state IN (${from.map(() => "?").join(", ")})`,
    );
    const now = Date.now();
    for (const y of ys) {
      const changed = stmt.run(to, opId, now, y, ...from).changes;
      if (changed !== 1) throw new Error(`proof ${y.slice(0, 16)}… is not ${from.join("/")}`);
    }
  }

  /** Returns a reserved proof to the state it had before an operation that never reached the mint. */
  release(y: string, to: ProofState): void {
    const changed = this.db
      .prepare(
        "UPDATE proofs SET state = ?, spent_by = NULL, updated_at = ? WHERE y = ? AND state = 'reserved'",
      )
      .run(to, Date.now(), y).changes;
    if (changed !== 1) throw new Error(`proof ${y.slice(0, 16)}… is not reserved`);
  }

  get(y: string): StoredProof | undefined {
    const row = this.db.prepare("SELECT * FROM proofs WHERE y = ?").get(y) as Row | undefined;
    return row ? toStored(row) : undefined;
  }

  list(filter: {
    mintUrl?: string;
    state?: ProofState;
    createdBy?: string;
    locked?: boolean;
  }): StoredProof[] {
    const locked = filter.locked === undefined ? [] : [`lock_pubkey IS ${filter.locked ? "NOT " : ""}NULL`];
    const where = whereClause(
      { mint_url: filter.mintUrl, state: filter.state, created_by: filter.createdBy },
      locked,
    );
    const sql = `SELECT * FROM proofs ${where.sql} ORDER BY amount, y`;
    return (this.db.prepare(sql).all(...where.args) as Row[]).map(toStored);
  }

  /** Sats per mint and state (spent proofs are history, not balance). */
  totals(): Map<string, StateTotals> {
    const rows = this.db
      .prepare(
        "SELECT mint_url, state, SUM(amount) AS total FROM proofs WHERE state != 'spent' GROUP BY mint_url, state",
      )
      .all() as Array<{ mint_url: string; state: Exclude<ProofState, "spent">; total: number }>;
    const out = new Map<string, StateTotals>();
    for (const r of rows) {
      const t = out.get(r.mint_url) ?? { unspent: 0, reserved: 0, pending: 0 };
      t[r.state] = r.total;
      out.set(r.mint_url, t);
    }
    return out;
  }
}
