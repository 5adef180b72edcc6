/**
 * SQLite schema of the event store.
 *
 * `events` holds one row per stored event with its canonical JSON in `raw`. `tags` holds one row per
 * distinct single-letter tag (name, value) of an event, clustered by (name, value, created_at): a `#x`
 * filter reads its matches newest first and stops at the limit, and `kind` sits in the same row so
 * "#x + kinds" filters are decided without touching `events`.
 * `replace_key` is non-null only for replaceable ("") and addressable (d tag) events, and a partial unique
 * index on (pubkey, kind, replace_key) makes "one event per slot" an invariant of the database itself.
 * NIP-09 tombstones keep deleted ids (per author) and deleted addresses (up to a timestamp) from coming back.
 */
import type Database from "better-sqlite3";

export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  pubkey TEXT NOT NULL,
  kind INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  replace_key TEXT,
  expiration INTEGER,
  raw TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_id ON events (id);
CREATE INDEX IF NOT EXISTS events_created ON events (created_at DESC);
CREATE INDEX IF NOT EXISTS events_pubkey ON events (pubkey, created_at DESC);
CREATE INDEX IF NOT EXISTS events_kind ON events (kind, created_at DESC);
CREATE UNIQUE INDEX IF NOT EXISTS events_slot ON events (pubkey, kind, replace_key)
  WHERE replace_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_expiration ON events (expiration) WHERE expiration IS NOT NULL;

CREATE TABLE IF NOT EXISTS tags (
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  event_seq INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  PRIMARY KEY (name, value, created_at, event_seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_event ON tags (event_seq);

CREATE TRIGGER IF NOT EXISTS events_delete_tags AFTER DELETE ON events BEGIN
  DELETE FROM tags WHERE event_seq = old.seq;
END;

CREATE TABLE IF NOT EXISTS deleted_ids (
  id TEXT NOT NULL,
  pubkey TEXT NOT NULL,
  PRIMARY KEY (id, pubkey)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS deleted_addresses (
  kind INTEGER NOT NULL,
  pubkey TEXT NOT NULL,
  replace_key TEXT NOT NULL,
  until INTEGER NOT NULL,
  PRIMARY KEY (kind, pubkey, replace_key)
) WITHOUT ROWID;
`;

/** Applies pragmas and creates (or checks) the schema. Throws on a database from an incompatible version. */
export function initSchema(db: Database.Database): void {
  db.pragma("journal_mode = WAL");
  // WAL + NORMAL survives process crashes; only an OS crash can lose the last commits. Fine for a relay.
  db.pragma("synchronous = NORMAL");
  db.pragma("temp_store = MEMORY");
  db.pragma("cache_size = -32000");
  // Checkpoint every ~32 MB of WAL instead of 4 MB: random-key index pages rewritten between checkpoints
  // are copied once, which halves the cost of an insert on a busy relay.
  db.pragma("wal_autocheckpoint = 8192");
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version !== 0 && version !== SCHEMA_VERSION) {
    throw new Error(`relay database has schema version ${version}; this relay understands ${SCHEMA_VERSION}`);
  }
  db.exec(SCHEMA);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}
