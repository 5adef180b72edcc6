/**
 * The swarm's run state in SQLite: every sub-call of a run (status, provider, attempts, the job that
 * answered it), every job published for it (so a crash leaves a record of what went out), and answered
 * results memoised by the hash of (model, messages, params). A run resumed with the same run id and
 * database takes answered sub-calls from here and sends nothing for them.
 */
import Database from "better-sqlite3";

export type SubcallStatus = "pending" | "dispatched" | "answered" | "failed";
export type JobStatus = "sent" | "answered" | "failed" | "cancelled";

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
  status: JobStatus;
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
CREATE TABLE IF NOT EXISTS tabs (
  buyer TEXT NOT NULL, provider TEXT NOT NULL, mint TEXT NOT NULL, state TEXT NOT NULL,
  deposited_msats INTEGER NOT NULL DEFAULT 0, charged_msats INTEGER NOT NULL DEFAULT 0,
  refunded_msats INTEGER NOT NULL DEFAULT 0, balance_msats INTEGER, updated_at INTEGER NOT NULL,
  PRIMARY KEY (buyer, provider, mint)
);
CREATE TABLE IF NOT EXISTS tab_events (
  buyer TEXT NOT NULL, provider TEXT NOT NULL, mint TEXT NOT NULL, run_id TEXT NOT NULL,
  kind TEXT NOT NULL, msats INTEGER NOT NULL, job_id TEXT, token TEXT, at INTEGER NOT NULL
);
`;

export type TabEventKind = "deposit" | "charge" | "refund";

export interface TabRow {
  buyer: string;
  provider: string;
  mint: string;
  state: "open" | "closed";
  depositedMsats: number;
  chargedMsats: number;
  refundedMsats: number;
  /** The balance the provider last reported (`["tab", msats]`), when it did. */
  balanceMsats: number | null;
}

export interface TabEventRow {
  provider: string;
  kind: TabEventKind;
  msats: number;
  jobId: string | null;
  runId: string;
}

export class RunStore {
  readonly #db: Database.Database;
  /** Prepared once each: preparing a statement costs more than running these small ones. */
  readonly #statements = new Map<string, Database.Statement>();
  readonly #getResult: Database.Statement<[string], Record<string, unknown>>;

  /** Opens (creating) the database; ":memory:" for a run nobody resumes. */
  static open(file: string): RunStore {
    return new RunStore(new Database(file));
  }

  #statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  private constructor(db: Database.Database) {
    this.#db = db;
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    // Databases written before the glossary said "buyer" call the tab's owner "customer".
    for (const table of ["tabs", "tab_events"]) {
      const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
      if (columns.some((c) => c.name === "customer"))
        db.exec(`ALTER TABLE ${table} RENAME COLUMN customer TO buyer`);
    }
    db.exec(SCHEMA);
    this.#getResult = db.prepare("SELECT * FROM results WHERE hash = ?");
  }

  /**
   * One payment event of a tab (buyer side), with the tab's running totals, in one transaction: a deposit
   * (re)opens the tab, a refund closes it. Written BEFORE the deposit token leaves the process.
   */
  tabEvent(event: {
    buyer: string;
    provider: string;
    mint: string;
    runId: string;
    kind: TabEventKind;
    msats: number;
    jobId?: string;
    token?: string;
    balanceMsats?: number;
  }): void {
    const now = Date.now();
    this.#db.transaction(() => {
      this.#statement(
        `INSERT INTO tab_events (buyer, provider, mint, run_id, kind, msats, job_id, token, at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        event.buyer,
        event.provider,
        event.mint,
        event.runId,
        event.kind,
        event.msats,
        event.jobId ?? null,
        event.token ?? null,
        now,
      );
      const column =
        event.kind === "deposit"
          ? "deposited_msats"
          : event.kind === "charge"
            ? "charged_msats"
            : "refunded_msats";
      const state = event.kind === "refund" ? "closed" : "open";
      this.#statement(
        `INSERT INTO tabs (buyer, provider, mint, state, ${column}, balance_msats, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (buyer, provider, mint) DO UPDATE SET
             ${column} = ${column} + excluded.${column},
             state = CASE WHEN ? = 'charge' THEN state ELSE excluded.state END,
             balance_msats = COALESCE(excluded.balance_msats, balance_msats),
             updated_at = excluded.updated_at`,
      ).run(
        event.buyer,
        event.provider,
        event.mint,
        state,
        event.msats,
        event.balanceMsats ?? null,
        now,
        event.kind,
      );
    })();
  }

  /** Records the balance a provider reported without a payment event. */
  tabBalance(buyer: string, provider: string, mint: string, balanceMsats: number): void {
    this.#statement(
      "UPDATE tabs SET balance_msats = ?, updated_at = ? WHERE buyer = ? AND provider = ? AND mint = ?",
    ).run(balanceMsats, Date.now(), buyer, provider, mint);
  }

  /** The buyer's tabs at `mint` (all providers), open and closed. */
  tabs(buyer: string, mint: string): TabRow[] {
    const rows = this.#statement("SELECT * FROM tabs WHERE buyer = ? AND mint = ? ORDER BY provider").all(
      buyer,
      mint,
    ) as Array<Record<string, unknown>>;
    return rows.map((row) => ({
      buyer: row.buyer as string,
      provider: row.provider as string,
      mint: row.mint as string,
      state: row.state as "open" | "closed",
      depositedMsats: row.deposited_msats as number,
      chargedMsats: row.charged_msats as number,
      refundedMsats: row.refunded_msats as number,
      balanceMsats: (row.balance_msats as number | null) ?? null,
    }));
  }

  /** Every tab payment event of the buyer at `mint`, oldest first. */
  tabEvents(buyer: string, mint: string): TabEventRow[] {
    const rows = this.#statement("SELECT * FROM tab_events WHERE buyer = ? AND mint = ? ORDER BY rowid").all(
      buyer,
      mint,
    ) as Array<Record<string, unknown>>;
    return rows.map((row) => ({
      provider: row.provider as string,
      kind: row.kind as TabEventKind,
      msats: row.msats as number,
      jobId: (row.job_id as string | null) ?? null,
      runId: row.run_id as string,
    }));
  }

  memoised(hash: string): MemoisedResult | undefined {
    const row = this.#getResult.get(hash);
    if (!row) return undefined;
    return {
      text: row.text as string,
      provider: row.provider as string,
      model: row.model as string,
      costMsats: row.cost_msats as number,
      inputTokens: row.input_tokens as number,
      outputTokens: row.output_tokens as number,
      jobId: row.job_id as string,
    };
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
    const tx = this.#db.transaction(() => {
      this.#statement(
        "INSERT INTO jobs (job_id, run_id, hash, provider, status, hedge, sent_at, request) VALUES (?, ?, ?, ?, 'sent', ?, ?, ?)",
      ).run(jobId, runId, hash, provider, hedge ? 1 : 0, now, request);
      this.#statement(
        `UPDATE subcalls SET status = CASE status WHEN 'answered' THEN status ELSE 'dispatched' END,
           attempts = attempts + 1, updated_at = ? WHERE run_id = ? AND hash = ?`,
      ).run(now, runId, hash);
    });
    tx();
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

  jobEnded(jobId: string, status: Exclude<JobStatus, "sent">, error?: string): void {
    this.#statement(
      "UPDATE jobs SET status = ?, error = ?, ended_at = ? WHERE job_id = ? AND status = 'sent'",
    ).run(status, error ?? null, Date.now(), jobId);
  }

  /** The answer, memoised and attached to the sub-call, in one transaction. */
  answered(runId: string, hash: string, result: MemoisedResult): void {
    const now = Date.now();
    const tx = this.#db.transaction(() => {
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
    tx();
  }

  failed(runId: string, hash: string, error: string): void {
    this.#statement(
      `UPDATE subcalls SET status = 'failed', error = ?, updated_at = ?
         WHERE run_id = ? AND hash = ? AND status != 'answered'`,
    ).run(error, Date.now(), runId, hash);
  }

  subcalls(runId: string): SubcallRow[] {
    return this.#statement(
      `SELECT s.run_id, s.hash, s.status, s.provider, s.job_id, s.attempts, s.error, r.text AS result
         FROM subcalls s LEFT JOIN results r ON r.hash = s.hash AND s.status = 'answered'
         WHERE s.run_id = ? ORDER BY s.rowid`,
    )
      .all(runId)
      .map((row) => {
        const r = row as Record<string, unknown>;
        return {
          runId: r.run_id as string,
          hash: r.hash as string,
          status: r.status as SubcallStatus,
          provider: (r.provider as string | null) ?? null,
          jobId: (r.job_id as string | null) ?? null,
          attempts: r.attempts as number,
          error: (r.error as string | null) ?? null,
          result: (r.result as string | null) ?? null,
        };
      });
  }

  jobs(runId: string): JobRow[] {
    return this.#statement("SELECT * FROM jobs WHERE run_id = ? ORDER BY sent_at, rowid")
      .all(runId)
      .map((row) => {
        const r = row as Record<string, unknown>;
        return {
          jobId: r.job_id as string,
          runId: r.run_id as string,
          hash: r.hash as string,
          provider: r.provider as string,
          status: r.status as JobStatus,
          hedge: r.hedge === 1,
          error: (r.error as string | null) ?? null,
        };
      });
  }

  close(): void {
    this.#db.close();
  }
}
