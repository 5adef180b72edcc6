/**
 * The swarm's run state in SQLite: every sub-call of a run (status, provider, attempts, the job that
 * answered it), every job published for it (so a crash leaves a record of what went out), and answered
 * results memoised by the hash of (model, messages, params). A run resumed with the same run id and
 * database takes answered sub-calls from here and sends nothing for them. The tabs live in the same
 * database (tab-store.ts).
 */
import Database from "better-sqlite3";
import { RefundStore } from "./refund-store.js";
import { type StatementCache, statementCache, type Transaction, transactionRunner } from "./statements.js";
import { TabStore } from "./tab-store.js";

export type SubcallStatus = "pending" | "dispatched" | "answered" | "failed";
/** A published job's state in the run store (not NIP-90's feedback status). */
export type SentJobState = "sent" | "answered" | "failed" | "cancelled";

export interface MemoisedResult {
  text: string;
  provider: string;
  model: string;
  costMsats: number;
  inputTokens: number;
  outputTokens: number;
  jobId: string;
}

export interface SubcallRow {
  runId: string;
  hash: string;
  status: SubcallStatus;
  provider: string | null;
  jobId: string | null;
  attempts: number;
  error: string | null;
  result: string | null;
}

export interface JobRow {
  jobId: string;
  runId: string;
  hash: string;
  provider: string;
  status: SentJobState;
  hedge: boolean;
  error: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS results (
  hash TEXT PRIMARY KEY, text TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL,
  cost_msats INTEGER NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
  job_id TEXT NOT NULL, created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS subcalls (
  run_id TEXT NOT NULL, hash TEXT NOT NULL, status TEXT NOT NULL, provider TEXT, job_id TEXT,
  attempts INTEGER NOT NULL DEFAULT 0, error TEXT, updated_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, hash)
);
CREATE TABLE IF NOT EXISTS jobs (
  job_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, hash TEXT NOT NULL, provider TEXT NOT NULL,
  status TEXT NOT NULL, hedge INTEGER NOT NULL, error TEXT, sent_at INTEGER NOT NULL, ended_at INTEGER,
  request TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_run ON jobs (run_id, hash);
CREATE TABLE IF NOT EXISTS batch_requests (job_id TEXT PRIMARY KEY, request TEXT NOT NULL);
`;

export class RunStore {
  readonly #db: Database.Database;
  readonly #statement: StatementCache;
  readonly #tx: Transaction;
  /** The buyer's tabs (same database). */
  readonly tabs: TabStore;
  /** Refunds addressed to the buyer: awaited closes, and every refund taken in (same database). */
  readonly refunds: RefundStore;

  /** Opens (creating) the database; ":memory:" for a run nobody resumes. */
  static open(file: string): RunStore {
    return new RunStore(new Database(file));
  }

  private constructor(db: Database.Database) {
    this.#db = db;
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec(SCHEMA);
    this.tabs = new TabStore(db);
    this.refunds = new RefundStore(db);
    this.#statement = statementCache(db);
    this.#tx = transactionRunner(db);
  }

  /** Runs `fn`, and every write it makes here, as one transaction (a batch's jobs sent or ended: one commit). */
  transaction<T>(fn: () => T): T {
    return this.#tx(fn);
  }

  memoised(hash: string): MemoisedResult | undefined {
    return this.#statement(
      `SELECT text, provider, model, cost_msats AS costMsats, input_tokens AS inputTokens,
         output_tokens AS outputTokens, job_id AS jobId FROM results WHERE hash = ?`,
    ).get(hash) as MemoisedResult | undefined;
  }

  /** Records that the run needs this sub-call (idempotent: a resumed run finds the old row). */
  begin(runId: string, hash: string): void {
    this.#statement(
      `INSERT INTO subcalls (run_id, hash, status, updated_at) VALUES (?, ?, 'pending', ?)
         ON CONFLICT (run_id, hash) DO NOTHING`,
    ).run(runId, hash, Date.now());
  }

  /**
   * Written before the request is published: a crash afterwards still knows the job went out, and keeps
   * the signed request so a resumed run can read its result back from the relays.
   */
  jobSent(
    runId: string,
    hash: string,
    jobId: string,
    provider: string,
    hedge: boolean,
    /** The signed request; null for an item of a batch (its request is kept once, by batchSent). */
    request: string | null,
  ): void {
    const now = Date.now();
    this.#tx(() => {
      this.#statement(
        "INSERT INTO jobs (job_id, run_id, hash, provider, status, hedge, sent_at, request) VALUES (?, ?, ?, ?, 'sent', ?, ?, ?)",
      ).run(jobId, runId, hash, provider, hedge ? 1 : 0, now, request);
      this.#statement(
        `UPDATE subcalls SET status = CASE status WHEN 'answered' THEN status ELSE 'dispatched' END,
           attempts = attempts + 1, updated_at = ? WHERE run_id = ? AND hash = ?`,
      ).run(now, runId, hash);
    });
  }

  /** A batched request, kept once for all its items (item job ids are `<request id>:<item id>`). */
  batchSent(jobId: string, request: string): void {
    this.#statement(
      "INSERT INTO batch_requests (job_id, request) VALUES (?, ?) ON CONFLICT (job_id) DO NOTHING",
    ).run(jobId, request);
  }

  /** Jobs of this sub-call published before `sentBefore` (epoch ms) and never ended: what an interrupted run left. */
  unfinishedJobs(
    runId: string,
    hash: string,
    sentBefore: number,
  ): Array<{ jobId: string; provider: string; request: string }> {
    return this.#statement(
      `SELECT j.job_id, j.provider, COALESCE(j.request, b.request) AS request FROM jobs j
         LEFT JOIN batch_requests b ON j.request IS NULL AND b.job_id = substr(j.job_id, 1, 64)
         WHERE j.run_id = ? AND j.hash = ? AND j.status = 'sent' AND j.sent_at < ?
           AND COALESCE(j.request, b.request) IS NOT NULL
         ORDER BY j.sent_at DESC`,
    )
      .all(runId, hash, sentBefore)
      .map((row) => {
        const r = row as Record<string, string>;
        return { jobId: r.job_id!, provider: r.provider!, request: r.request! };
      });
  }

  jobEnded(jobId: string, status: Exclude<SentJobState, "sent">, error?: string): void {
    this.#statement(
      "UPDATE jobs SET status = ?, error = ?, ended_at = ? WHERE job_id = ? AND status = 'sent'",
    ).run(status, error ?? null, Date.now(), jobId);
  }

  /** The answer, memoised and attached to the sub-call, in one transaction. */
  answered(runId: string, hash: string, result: MemoisedResult): void {
    const now = Date.now();
    this.#tx(() => {
      this.#statement(
        `INSERT INTO results (hash, text, provider, model, cost_msats, input_tokens, output_tokens, job_id, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
      ).run(
        hash,
        result.text,
        result.provider,
        result.model,
        result.costMsats,
        result.inputTokens,
        result.outputTokens,
        result.jobId,
        now,
      );
      this.#statement(
        `UPDATE subcalls SET status = 'answered', provider = ?, job_id = ?, error = NULL, updated_at = ?
           WHERE run_id = ? AND hash = ?`,
      ).run(result.provider, result.jobId, now, runId, hash);
    });
  }

  /**
   * Forgets every memoised answer of `provider` (caught cheating): a resumed run or a later question asks
   * those sub-calls again instead of reusing them. Returns how many answers were dropped.
   */
  forgetProvider(provider: string): number {
    return this.#tx(() => {
      this.#statement(
        `UPDATE subcalls SET status = 'pending', provider = NULL, job_id = NULL, updated_at = ?
           WHERE status = 'answered' AND provider = ?`,
      ).run(Date.now(), provider);
      return this.#statement("DELETE FROM results WHERE provider = ?").run(provider).changes;
    });
  }

  failed(runId: string, hash: string, error: string): void {
    this.#statement(
      `UPDATE subcalls SET status = 'failed', error = ?, updated_at = ?
         WHERE run_id = ? AND hash = ? AND status != 'answered'`,
    ).run(error, Date.now(), runId, hash);
  }

  subcalls(runId: string): SubcallRow[] {
    return this.#statement(
      `SELECT s.run_id AS runId, s.hash, s.status, s.provider, s.job_id AS jobId, s.attempts, s.error,
         r.text AS result
         FROM subcalls s LEFT JOIN results r ON r.hash = s.hash AND s.status = 'answered'
         WHERE s.run_id = ? ORDER BY s.rowid`,
    ).all(runId) as SubcallRow[];
  }

  jobs(runId: string): JobRow[] {
    const rows = this.#statement(
      `SELECT job_id AS jobId, run_id AS runId, hash, provider, status, hedge, error
         FROM jobs WHERE run_id = ? ORDER BY sent_at, rowid`,
    ).all(runId) as Array<Omit<JobRow, "hedge"> & { hedge: number }>;
    return rows.map((row) => ({ ...row, hedge: row.hedge === 1 }));
  }

  close(): void {
    this.#db.close();
  }
}
