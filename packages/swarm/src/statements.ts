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
