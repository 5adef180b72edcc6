/** Prepared statements by SQL text, each prepared once: preparing costs more than running these small ones. */
import type Database from "better-sqlite3";

export type StatementCache = (sql: string) => Database.Statement;

export function statementCache(db: Database.Database): StatementCache {
  const statements = new Map<string, Database.Statement>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}

export type Transaction = <T>(fn: () => T) => T;

/**
 * Runs `fn` in a transaction (a savepoint when one is open) through one wrapper made once: better-sqlite3's
 * `db.transaction(fn)` builds its wrappers on every call, which showed in the buyer's profile at a
 * thousand jobs a second.
 */
export function transactionRunner(db: Database.Database): Transaction {
  const run = db.transaction((fn: () => unknown) => fn());
  return <T>(fn: () => T) => run(fn) as T;
}
