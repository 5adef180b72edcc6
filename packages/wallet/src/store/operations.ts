/**
 * The operation log: one row per fund / send / receive / withdraw / lock / reclaim / redeem, written before
 * the mint is called (with its inputs and the blinded outputs it asks for) and settled after. It is both the
 * write-ahead log recovery replays and the history the user reads.
 */
import {
  Amount,
  OutputData,
  type OutputDataLike,
  type Proof,
  type ProofLike,
  type SerializedOutputData,
} from "@cashu/cashu-ts";
import type { Db } from "./db.js";
import type { ProofState } from "./proofs.js";

export type OpKind = "fund" | "send" | "receive" | "withdraw" | "lock" | "reclaim" | "redeem";
export type OpState = "prepared" | "completed" | "failed";
/** What an output becomes once signed: ours (`keep`, `change`) or handed out (`send`, `lock`). */
export type OutputRole = "keep" | "change" | "send" | "lock";

export interface Operation {
  id: string;
  kind: OpKind;
  mintUrl: string;
  state: OpState;
  /** Sats moved: funded, sent, received (net of fees), withdrawn (the invoice), locked, reclaimed, redeemed. */
  amount: number;
  /** Sats paid in fees: mint input fees plus, for withdrawals, the Lightning fee actually charged. */
  fee: number;
  ownerPid: number;
  detail: Record<string, unknown>;
  error: string | null;
  createdAt: number;
  settledAt: number | null;
}

export interface OpInput {
  y: string;
  amount: number;
  proof: Proof;
  /** The wallet's own state of this proof before the operation reserved it; null for a foreign proof. */
  prevState: ProofState | null;
}

export interface OpOutput {
  idx: number;
  role: OutputRole;
  amount: number;
  keysetId: string;
  B_: string;
  data: OutputData;
}

interface OpRow {
  id: string;
  kind: OpKind;
  mint_url: string;
  state: OpState;
  amount: number;
  fee: number;
  owner_pid: number;
  detail: string;
  error: string | null;
  created_at: number;
  settled_at: number | null;
}

function toOp(r: OpRow): Operation {
  return {
    id: r.id,
    kind: r.kind,
    mintUrl: r.mint_url,
    state: r.state,
    amount: r.amount,
    fee: r.fee,
    ownerPid: r.owner_pid,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
    error: r.error,
    createdAt: r.created_at,
    settledAt: r.settled_at,
  };
}

export class OperationLog {
  constructor(private readonly db: Db) {}

  create(op: {
    id: string;
    kind: OpKind;
    mintUrl: string;
    amount: number;
    detail: Record<string, unknown>;
  }): void {
    this.db
      .prepare(
        `INSERT INTO operations (id, kind, mint_url, state, amount, owner_pid, detail, created_at)
         VALUES (?, ?, ?, 'prepared', ?, ?, ?, ?)`,
      )
      .run(op.id, op.kind, op.mintUrl, op.amount, process.pid, JSON.stringify(op.detail), Date.now());
  }

  addInputs(opId: string, inputs: OpInput[]): void {
    const stmt = this.db.prepare(
      "INSERT INTO op_inputs (op_id, y, amount, proof, prev_state) VALUES (?, ?, ?, ?, ?)",
    );
    for (const i of inputs) stmt.run(opId, i.y, i.amount, JSON.stringify(i.proof), i.prevState);
  }

  addOutputs(opId: string, role: OutputRole, outputs: OutputDataLike[]): void {
    const start = (
      this.db.prepare("SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM op_outputs WHERE op_id = ?").get(opId) as {
        n: number;
      }
    ).n;
    const stmt = this.db.prepare(
      "INSERT INTO op_outputs (op_id, idx, role, amount, keyset_id, b_, output) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    outputs.forEach((o, i) => {
      stmt.run(
        opId,
        start + i,
        role,
        o.blindedMessage.amount.toNumber(),
        o.blindedMessage.id,
        o.blindedMessage.B_,
        JSON.stringify(OutputData.serialize(o)),
      );
    });
  }

  get(id: string): Operation | undefined {
    const row = this.db.prepare("SELECT * FROM operations WHERE id = ?").get(id) as OpRow | undefined;
    return row ? toOp(row) : undefined;
  }

  inputs(opId: string): OpInput[] {
    const rows = this.db
      .prepare("SELECT * FROM op_inputs WHERE op_id = ? ORDER BY rowid")
      .all(opId) as Array<{
      y: string;
      amount: number;
      proof: string;
      prev_state: ProofState | null;
    }>;
    return rows.map((r) => {
      // Amount serialises as a decimal string; turn it back into an Amount.
      const p = JSON.parse(r.proof) as ProofLike;
      return {
        y: r.y,
        amount: r.amount,
        proof: { ...p, amount: Amount.from(p.amount) },
        prevState: r.prev_state,
      };
    });
  }

  outputs(opId: string): OpOutput[] {
    const rows = this.db.prepare("SELECT * FROM op_outputs WHERE op_id = ? ORDER BY idx").all(opId) as Array<{
      idx: number;
      role: OutputRole;
      amount: number;
      keyset_id: string;
      b_: string;
      output: string;
    }>;
    return rows.map((r) => ({
      idx: r.idx,
      role: r.role,
      amount: r.amount,
      keysetId: r.keyset_id,
      B_: r.b_,
      data: OutputData.deserialize(JSON.parse(r.output) as SerializedOutputData),
    }));
  }

  /** Operations written down but not settled, oldest first. */
  prepared(mintUrl?: string): Operation[] {
    const rows = (
      mintUrl
        ? this.db
            .prepare("SELECT * FROM operations WHERE state = 'prepared' AND mint_url = ? ORDER BY created_at")
            .all(mintUrl)
        : this.db.prepare("SELECT * FROM operations WHERE state = 'prepared' ORDER BY created_at").all()
    ) as OpRow[];
    return rows.map(toOp);
  }

  /** How many operations are written down but not settled. */
  countPrepared(): number {
    return (
      this.db.prepare("SELECT COUNT(*) AS n FROM operations WHERE state = 'prepared'").get() as { n: number }
    ).n;
  }

  /** Every mint an operation was recorded for, first used first. */
  mints(): string[] {
    const rows = this.db
      .prepare("SELECT mint_url FROM operations GROUP BY mint_url ORDER BY MIN(created_at)")
      .all() as Array<{ mint_url: string }>;
    return rows.map((r) => r.mint_url);
  }

  /**
   * Settles an operation in state `from` (a prepared one; a failed one only when the mint turned out to have
   * acted after all); throws otherwise, so a settlement can never run twice.
   */
  finish(
    id: string,
    state: "completed" | "failed",
    fields: { amount?: number; fee?: number; detail?: Record<string, unknown>; error?: string },
    from: Exclude<OpState, "completed"> = "prepared",
  ): void {
    const op = this.get(id);
    if (op?.state !== from) throw new Error(`operation ${id} is not ${from}`);
    this.db
      .prepare(
        "UPDATE operations SET state = ?, amount = ?, fee = ?, detail = ?, error = ?, settled_at = ? WHERE id = ? AND state = ?",
      )
      .run(
        state,
        fields.amount ?? op.amount,
        fields.fee ?? op.fee,
        JSON.stringify({ ...op.detail, ...fields.detail }),
        fields.error ?? null,
        Date.now(),
        id,
        from,
      );
  }

  /** Notes on a prepared operation that its request went unanswered at `at` (the mint may still act on it). */
  markUnanswered(id: string, at: number): void {
    this.db
      .prepare(
        "UPDATE operations SET detail = json_set(detail, '$.unansweredAt', ?) WHERE id = ? AND state = 'prepared'",
      )
      .run(at, id);
  }

  list(opts: { limit?: number; mintUrl?: string } = {}): Operation[] {
    const rows = (
      opts.mintUrl
        ? this.db
            .prepare(
              "SELECT * FROM operations WHERE mint_url = ? ORDER BY created_at DESC, rowid DESC LIMIT ?",
            )
            .all(opts.mintUrl, opts.limit ?? -1)
        : this.db
            .prepare("SELECT * FROM operations ORDER BY created_at DESC, rowid DESC LIMIT ?")
            .all(opts.limit ?? -1)
    ) as OpRow[];
    return rows.map(toOp);
  }
}
