/**
 * SQLite layout of the node's job database.
 *
 * - `seen`: every request id taken in (whatever became of it), so a replayed request is never handled twice.
 *   Pruned once requests that old would be refused as stale anyway.
 * - `jobs`: every request that parsed, with its state and outcome (see JobState). A batched request is one
 *   job: `batch_items` is its item count (the items are in `request`; `output` is the encoded item results).
 * - `meta`: the intake cursor (newest request `created_at` handled) and the schema version.
 */
export const SCHEMA_VERSION = 2;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS seen (
  id         TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_created_at ON seen (created_at);
CREATE TABLE IF NOT EXISTS jobs (
  id            TEXT PRIMARY KEY,
  buyer         TEXT NOT NULL,
  request       TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN
                  ('received','unpaid','queued','running','finished','done','failed','cancelled')),
  attempts      INTEGER NOT NULL DEFAULT 0,
  received_at   INTEGER NOT NULL,
  started_at    INTEGER,
  ended_at      INTEGER,
  quote_msats   INTEGER,
  amount_msats  INTEGER,
  input_tokens  INTEGER,
  output_tokens INTEGER,
  finish_reason TEXT,
  output        TEXT,
  detail        TEXT,
  batch_items   INTEGER,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, received_at);
`;

/** Brings a database written by an older node up to SCHEMA_VERSION (columns added since, nullable). */
export const MIGRATIONS: ReadonlyArray<{ column: string; sql: string }> = [
  { column: "batch_items", sql: "ALTER TABLE jobs ADD COLUMN batch_items INTEGER" },
];

/** The smallest view of a better-sqlite3 database the migrations need. */
interface SqliteDb {
  prepare(sql: string): { all(): unknown[] };
  exec(sql: string): unknown;
}

/**
 * Renames columns of databases written by older nodes, before CREATE TABLE IF NOT EXISTS runs: the glossary
 * named the job's author "buyer" after nodes had stored it as "customer".
 */
export function renameLegacyColumns(db: SqliteDb, tables: readonly string[], from: string, to: string): void {
  for (const table of tables) {
    const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
    if (columns.some((c) => c.name === from)) db.exec(`ALTER TABLE ${table} RENAME COLUMN ${from} TO ${to}`);
  }
}
