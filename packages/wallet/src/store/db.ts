/**
 * Opens the wallet's SQLite file. WAL for concurrent readers, `synchronous = FULL` because a committed
 * write-ahead record must survive power loss before anything goes to the mint, and a busy timeout so two
 * processes on one wallet queue instead of failing.
 */
import { chmodSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { migrate } from "./schema.js";

export type Db = Database.Database;

export function openDatabase(path: string): Db {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path);
  // Proofs are bearer money: the file is for this user only (SQLite gives its -wal/-shm the same mode).
  if (path !== ":memory:") chmodSync(path, 0o600);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  migrate(db);
  return db;
}

/** Runs `fn` in a write transaction taken up front (BEGIN IMMEDIATE), so read-then-write cannot race. */
export function immediate<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/**
 * `WHERE a = ? AND b = ?` over the columns whose value is defined (plus any raw conditions), so optional list
 * filters read as data rather than a ladder of ifs.
 */
export function whereClause(
  equal: Record<string, string | number | undefined>,
  raw: string[] = [],
): { sql: string; args: (string | number)[] } {
  const defined = Object.entries(equal).filter(
    (entry): entry is [string, string | number] => entry[1] !== undefined,
  );
  const conditions = [...defined.map(([column]) => `${column} = ?`), ...raw];
  return {
    sql: conditions.length ? `WHERE ${conditions.join(" AND ")}` : "",
    args: defined.map(([, value]) => value),
  };
}
