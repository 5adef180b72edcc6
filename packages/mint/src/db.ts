/**
 * Opens the mint's SQLite database (WAL) and creates its tables. Amounts are INTEGER in the keyset's unit.
 */
import Database from "better-sqlite3";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS keysets (
  id            TEXT PRIMARY KEY,
  unit          TEXT NOT NULL,
  input_fee_ppk INTEGER NOT NULL,
  active        INTEGER NOT NULL,
  created_at    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS mint_quotes (
  id         TEXT PRIMARY KEY,
  unit       TEXT NOT NULL,
  amount     INTEGER NOT NULL,
  request    TEXT NOT NULL,
  state      TEXT NOT NULL,   -- UNPAID | PAID | ISSUED
  expiry     INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  issued_at  INTEGER
);
CREATE TABLE IF NOT EXISTS melt_quotes (
  id          TEXT PRIMARY KEY,
  unit        TEXT NOT NULL,
  request     TEXT NOT NULL,
  amount      INTEGER NOT NULL,
  fee_reserve INTEGER NOT NULL,
  state       TEXT NOT NULL,  -- UNPAID | PAID
  expiry      INTEGER NOT NULL,
  preimage    TEXT,
  fee_paid    INTEGER,        -- what Lightning kept: reserve not returned as change
  input_fee   INTEGER,
  change      TEXT,           -- JSON of the change signatures, so a re-read of the quote returns them
  created_at  INTEGER NOT NULL,
  paid_at     INTEGER
);
CREATE INDEX IF NOT EXISTS melt_quotes_request ON melt_quotes (request, state);
-- Y = hash_to_curve(secret): the one identity of a proof (NUT-07).
CREATE TABLE IF NOT EXISTS spent_proofs (
  y         TEXT PRIMARY KEY,
  keyset_id TEXT NOT NULL,
  amount    INTEGER NOT NULL,
  secret    TEXT NOT NULL,
  c         TEXT NOT NULL,
  witness   TEXT,
  spent_at  INTEGER NOT NULL,
  spent_by  TEXT NOT NULL     -- 'swap' or 'melt:<quote id>'
);
-- Every blind signature, by B_: refuses re-signing (10002) and answers NUT-09 restore.
CREATE TABLE IF NOT EXISTS signatures (
  b_         TEXT PRIMARY KEY,
  keyset_id  TEXT NOT NULL,
  amount     INTEGER NOT NULL,
  c_         TEXT NOT NULL,
  dleq_e     TEXT NOT NULL,
  dleq_s     TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  source     TEXT NOT NULL    -- 'mint:<quote id>' | 'swap' | 'change:<quote id>'
);
CREATE TABLE IF NOT EXISTS input_fees (
  unit   TEXT PRIMARY KEY,
  amount INTEGER NOT NULL
);
`;

export type Db = Database.Database;

export function openDb(path: string): Db {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  // FULL: a swap the wallet saw succeed must survive a power cut, or its inputs could be spent twice.
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  db.exec(SCHEMA);
  return db;
}
