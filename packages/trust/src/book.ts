/**
 * The reputation book: what each provider (pubkey) did for this buyer, across runs, in SQLite beside the
 * run store (`<data dir>/trust.db`). Jobs, checks passed/failed, timeouts, refusals, msats paid and refunded,
 * first/last seen, and a block: set when a provider is caught (with the evidence: job ids) or by the user,
 * kept until the user clears it. Every write is one statement or one transaction: a crash loses nothing
 * already recorded.
 */
import Database from "better-sqlite3";

export type JobEnd = "answered" | "timeout" | "refused" | "failed";

export interface BlockState {
  reason: string;
  /** Unix ms. */
  at: number;
  /** "caught" by checks, or "user" (`pylon trust block`). */
  by: "caught" | "user";
  /** Job ids of the evidence (the struck answers). */
  evidence: string[];
}

export interface ProviderRecord {
  pubkey: string;
  /** Jobs sent (answered or not), all runs. */
  jobs: number;
  answered: number;
  timeouts: number;
  /** Errors and refusals it sent (not `busy`). */
  refusals: number;
  checksPassed: number;
  /** Strikes: checks where its answer was the odd one out. */
  checksFailed: number;
  /** What it was paid, msats (charged on tabs, or per job). */
  paidMsats: number;
  /** What it gave back, msats. */
  refundedMsats: number;
  /** Paid for answers that failed a check, msats. */
  paidForBadMsats: number;
  /** Buyers the user trusts who labelled it a cheater (NIP-32), last read. */
  reports: number;
  /** Unix ms. */
  firstSeen: number;
  lastSeen: number;
  blocked: BlockState | undefined;
}

export interface ReputationBookOptions {
  /** Clock, unix ms (tests). Default Date.now. */
  now?: () => number;
}

/** Column names of the `providers` table, by record field. */
const COUNTERS = {
  jobs: "jobs",
  answered: "answered",
  timeouts: "timeouts",
  refusals: "refusals",
  checksPassed: "checks_passed",
  checksFailed: "checks_failed",
  paidMsats: "paid_msats",
  refundedMsats: "refunded_msats",
  paidForBadMsats: "paid_for_bad_msats",
} as const;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS providers (
  pubkey TEXT PRIMARY KEY,
  jobs INTEGER NOT NULL DEFAULT 0,
  answered INTEGER NOT NULL DEFAULT 0,
  timeouts INTEGER NOT NULL DEFAULT 0,
  refusals INTEGER NOT NULL DEFAULT 0,
  checks_passed INTEGER NOT NULL DEFAULT 0,
  checks_failed INTEGER NOT NULL DEFAULT 0,
  paid_msats INTEGER NOT NULL DEFAULT 0,
  refunded_msats INTEGER NOT NULL DEFAULT 0,
  paid_for_bad_msats INTEGER NOT NULL DEFAULT 0,
  reports INTEGER NOT NULL DEFAULT 0,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  blocked TEXT
);
CREATE TABLE IF NOT EXISTS checks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  pubkey TEXT NOT NULL,
  job_id TEXT NOT NULL,
  result TEXT NOT NULL CHECK (result IN ('pass', 'strike')),
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS checks_by_pubkey ON checks (pubkey, id);
`;

type Row = Record<string, number | string | null>;

export class ReputationBook {
  readonly #db: Database.Database;
  readonly #now: () => number;
  /** Statements by SQL text, each prepared once: preparing costs more than running these small ones. */
  readonly #statements = new Map<string, Database.Statement>();
  /** One transaction wrapper for every write (better-sqlite3 builds new wrappers per `transaction` call). */
  readonly #transaction: Database.Transaction<(fn: () => unknown) => unknown>;

  private constructor(db: Database.Database, options: ReputationBookOptions) {
    this.#db = db;
    this.#now = options.now ?? Date.now;
    this.#transaction = db.transaction((fn: () => unknown) => fn());
  }

  /** Opens (creating) the book at `file` (":memory:" for a throwaway one). */
  static open(file: string, options: ReputationBookOptions = {}): ReputationBook {
    const db = new Database(file);
    // Wait for another handle's write (a second buyer process on the same file) before switching to WAL,
    // which itself needs the lock.
    db.pragma("busy_timeout = 5000");
    db.pragma("journal_mode = WAL");
    // A job's record is one small commit, thousands a second at scale: in WAL mode NORMAL syncs at
    // checkpoints, not per commit, and still loses nothing when the process dies (only an OS crash could
    // drop the last few records, which cost a stranger one more check, not money).
    db.pragma("synchronous = NORMAL");
    db.exec(SCHEMA);
    return new ReputationBook(db, options);
  }

  get(pubkey: string): ProviderRecord | undefined {
    const row = this.#sql("SELECT * FROM providers WHERE pubkey = ?").get(pubkey) as Row | undefined;
    return row ? recordOf(row) : undefined;
  }

  /** Every provider in the book, most recently seen first (then by pubkey). */
  list(): ProviderRecord[] {
    const rows = this.#sql("SELECT * FROM providers ORDER BY last_seen DESC, pubkey").all() as Row[];
    return rows.map(recordOf);
  }

  /** A job sent to `pubkey` ended so; `paidMsats`: what it cost. */
  recordJob(pubkey: string, end: JobEnd, paidMsats = 0): void {
    this.#add(pubkey, {
      jobs: 1,
      answered: end === "answered" ? 1 : 0,
      timeouts: end === "timeout" ? 1 : 0,
      refusals: end === "refused" ? 1 : 0,
      paidMsats,
    });
  }

  /** Msats `pubkey` gave back (a tab closed or refunded). */
  recordRefund(pubkey: string, msats: number): void {
    this.#add(pubkey, { refundedMsats: msats });
  }

  /**
   * One check's result for `pubkey`'s answer in job `jobId`; a strike adds what that job paid it to
   * `paidForBadMsats`.
   */
  recordCheck(pubkey: string, jobId: string, result: "pass" | "strike", paidMsats = 0): void {
    this.#write(() => {
      this.#add(pubkey, {
        checksPassed: result === "pass" ? 1 : 0,
        checksFailed: result === "strike" ? 1 : 0,
        paidForBadMsats: result === "strike" ? paidMsats : 0,
      });
      this.#sql("INSERT INTO checks (pubkey, job_id, result, at) VALUES (?, ?, ?, ?)").run(
        pubkey,
        jobId,
        result,
        this.#now(),
      );
    });
  }

  /** Job ids of `pubkey`'s struck answers (the evidence), oldest first. */
  strikes(pubkey: string): string[] {
    const rows = this.#sql(
      "SELECT job_id FROM checks WHERE pubkey = ? AND result = 'strike' ORDER BY id",
    ).all(pubkey) as Array<{ job_id: string }>;
    return rows.map((row) => row.job_id);
  }

  /** Blocks `pubkey` until `clear` (kept when already blocked: the first reason stands). */
  block(pubkey: string, reason: string, by: BlockState["by"], evidence: string[] = []): void {
    const state: BlockState = { reason, at: this.#now(), by, evidence };
    this.#write(() => {
      this.#add(pubkey, {});
      this.#sql("UPDATE providers SET blocked = ? WHERE pubkey = ? AND blocked IS NULL").run(
        JSON.stringify(state),
        pubkey,
      );
    });
  }

  isBlocked(pubkey: string): boolean {
    return this.get(pubkey)?.blocked !== undefined;
  }

  /**
   * Forgets what the user asked to forget: the block and the check history (passes, strikes, their
   * evidence), so the provider starts over as a stranger; jobs and money stay on the record.
   * Returns false when the book does not know `pubkey`.
   */
  clear(pubkey: string): boolean {
    return this.#write(() => {
      const changed = this.#sql(
        "UPDATE providers SET blocked = NULL, checks_passed = 0, checks_failed = 0, reports = 0 WHERE pubkey = ?",
      ).run(pubkey).changes;
      this.#sql("DELETE FROM checks WHERE pubkey = ?").run(pubkey);
      return changed > 0;
    });
  }

  /** How many buyers the user trusts labelled `pubkey` a cheater (replaces the last count). */
  setReports(pubkey: string, reports: number): void {
    this.#write(() => {
      this.#add(pubkey, {});
      this.#sql("UPDATE providers SET reports = ? WHERE pubkey = ?").run(reports, pubkey);
    });
  }

  /**
   * Runs `fn`, and the records it writes, as one transaction: a batch's jobs ending together are one
   * commit, not one each.
   */
  transaction<T>(fn: () => T): T {
    return this.#write(fn);
  }

  close(): void {
    this.#db.close();
  }

  #sql(text: string): Database.Statement {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  /**
   * Runs `fn` as one transaction that takes the write lock at BEGIN (IMMEDIATE): a deferred one that read
   * first could not upgrade once another handle had written, and would fail with SQLITE_BUSY at once
   * instead of waiting out busy_timeout. Nested calls become savepoints.
   */
  #write<T>(fn: () => T): T {
    return this.#transaction.immediate(fn) as T;
  }

  /** Creates the row if new, adds the deltas, stamps last_seen: one transaction (no half-counted job). */
  #add(pubkey: string, deltas: Partial<Record<keyof typeof COUNTERS, number>>): void {
    this.#write(() => this.#addNow(pubkey, deltas));
  }

  #addNow(pubkey: string, deltas: Partial<Record<keyof typeof COUNTERS, number>>): void {
    const now = this.#now();
    const fields = Object.entries(deltas).filter(([, value]) => value !== 0) as Array<
      [keyof typeof COUNTERS, number]
    >;
    const sets = fields.map(([field]) => `${COUNTERS[field]} = ${COUNTERS[field]} + ?`);
    this.#sql(
      "INSERT INTO providers (pubkey, first_seen, last_seen) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    ).run(pubkey, now, now);
    this.#sql(`UPDATE providers SET ${[...sets, "last_seen = ?"].join(", ")} WHERE pubkey = ?`).run(
      ...fields.map(([, value]) => value),
      now,
      pubkey,
    );
  }
}

function recordOf(row: Row): ProviderRecord {
  const num = (key: string): number => Number(row[key] ?? 0);
  return {
    pubkey: String(row.pubkey),
    jobs: num("jobs"),
    answered: num("answered"),
    timeouts: num("timeouts"),
    refusals: num("refusals"),
    checksPassed: num("checks_passed"),
    checksFailed: num("checks_failed"),
    paidMsats: num("paid_msats"),
    refundedMsats: num("refunded_msats"),
    paidForBadMsats: num("paid_for_bad_msats"),
    reports: num("reports"),
    firstSeen: num("first_seen"),
    lastSeen: num("last_seen"),
    blocked: row.blocked ? (JSON.parse(String(row.blocked)) as BlockState) : undefined,
  };
}
