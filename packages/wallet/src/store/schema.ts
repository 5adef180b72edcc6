/**
 * Wallet tables. Amounts are integer sats. Proofs are keyed by Y = hash_to_curve(secret), the identity the
 * mint uses, so the same proof can never be counted twice.
 *
 * A proof's `state`:
 *   unspent  — ours and spendable;
 *   reserved — an input of an operation that was written down but not yet settled with the mint;
 *   pending  — handed out in a token (bearer or P2PK-locked) that the receiver may or may not have claimed;
 *              counted until the mint says it is spent, and reclaimable;
 *   spent    — gone (swapped, melted, or claimed by the receiver).
 *
 * An operation is written (`prepared`, with its inputs and the blinded outputs it will ask for) before the
 * mint is called, and settled (`completed` / `failed`) after; a `prepared` one whose process died is finished
 * by recovery from the mint's answer (NUT-07 states of the inputs, NUT-09 restore of the outputs).
 */
import type { Db } from "./db.js";

const VERSION = 1;

export function migrate(db: Db): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current >= VERSION) return;
  db.exec(`
    CREATE TABLE IF NOT EXISTS counters (
      keyset_id TEXT PRIMARY KEY,
      next      INTEGER NOT NULL CHECK (next >= 0)
    );
    CREATE TABLE IF NOT EXISTS operations (
      id          TEXT PRIMARY KEY,
      kind        TEXT NOT NULL,
      mint_url    TEXT NOT NULL,
      state       TEXT NOT NULL CHECK (state IN ('prepared', 'completed', 'failed')),
      amount      INTEGER NOT NULL,
      fee         INTEGER NOT NULL DEFAULT 0,
      owner_pid   INTEGER NOT NULL,
      detail      TEXT NOT NULL DEFAULT '{}',
      error       TEXT,
      created_at  INTEGER NOT NULL,
      settled_at  INTEGER
    );
    CREATE INDEX IF NOT EXISTS operations_state ON operations (state, mint_url);
    CREATE TABLE IF NOT EXISTS op_inputs (
      op_id   TEXT NOT NULL REFERENCES operations (id),
      y       TEXT NOT NULL,
      amount  INTEGER NOT NULL,
      proof   TEXT NOT NULL,
      prev_state TEXT,
      PRIMARY KEY (op_id, y)
    );
    CREATE TABLE IF NOT EXISTS op_outputs (
      op_id      TEXT NOT NULL REFERENCES operations (id),
      idx        INTEGER NOT NULL,
      role       TEXT NOT NULL,
      amount     INTEGER NOT NULL,
      keyset_id  TEXT NOT NULL,
      b_         TEXT NOT NULL,
      output     TEXT NOT NULL,
      PRIMARY KEY (op_id, idx)
    );
    CREATE TABLE IF NOT EXISTS proofs (
      y           TEXT PRIMARY KEY,
      mint_url    TEXT NOT NULL,
      keyset_id   TEXT NOT NULL,
      amount      INTEGER NOT NULL CHECK (amount > 0),
      secret      TEXT NOT NULL,
      c           TEXT NOT NULL,
      dleq        TEXT,
      state       TEXT NOT NULL CHECK (state IN ('unspent', 'reserved', 'pending', 'spent')),
      created_by  TEXT,
      spent_by    TEXT,
      lock_pubkey TEXT,
      locktime    INTEGER,
      updated_at  INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS proofs_state ON proofs (mint_url, state);
    CREATE INDEX IF NOT EXISTS proofs_spent_by ON proofs (spent_by);
    CREATE INDEX IF NOT EXISTS proofs_created_by ON proofs (created_by);
  `);
  db.pragma(`user_version = ${VERSION}`);
}
