import { mkdirSync } from "node:fs";
import path from "node:path";
import type { NostrEvent } from "@pylon/protocol";
import Database from "better-sqlite3";
import { MIGRATIONS, renameLegacyColumns, SCHEMA_SQL, SCHEMA_VERSION } from "./schema.js";

/**
 * Where a job stands.
 * - received: parsed and recorded; its payment is being checked
 * - unpaid: answered with payment-required; no work until paid (the payments work moves it on)
 * - queued: accepted (the buyer was told `processing`), waiting for a slot
 * - running: generating on a slot
 * - finished: output stored, the result not yet acknowledged by any relay
 * - done: result published
 * - failed: the buyer was sent an `error` (or it is owed one, see `detail`)
 * - cancelled: stopped at the buyer's request
 */
export type JobState =
  | "received"
  | "unpaid"
  | "queued"
  | "running"
  | "finished"
  | "done"
  | "failed"
  | "cancelled";

export const JOB_STATES: readonly JobState[] = [
  "received",
  "unpaid",
  "queued",
  "running",
  "finished",
  "done",
  "failed",
  "cancelled",
];

/** States a job can still leave without the buyer having heard the end of it. */
export const IN_FLIGHT_STATES: readonly JobState[] = ["received", "queued", "running", "finished"];

export interface StoredJob {
  id: string;
  buyer: string;
  request: NostrEvent;
  state: JobState;
  /** How many times generation was started (a restart mid-job starts it again). */
  attempts: number;
  /** Unix milliseconds. */
  receivedAt: number;
  startedAt?: number;
  endedAt?: number;
  quoteMsats?: number;
  amountMsats?: number;
  inputTokens?: number;
  outputTokens?: number;
  finishReason?: string;
  output?: string;
  /** Why it failed or was cancelled. */
  detail?: string;
  /** For a batched request: how many items it carries. */
  batchItems?: number;
}

export type JobPatch = Partial<Omit<StoredJob, "id" | "buyer" | "request" | "receivedAt" | "batchItems">>;

interface JobRow {
  id: string;
  buyer: string;
  request: string;
  state: JobState;
  attempts: number;
  received_at: number;
  started_at: number | null;
  ended_at: number | null;
  quote_msats: number | null;
  amount_msats: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  finish_reason: string | null;
  output: string | null;
  detail: string | null;
  batch_items: number | null;
}

const COLUMNS: Record<keyof JobPatch, string> = {
  state: "state",
  attempts: "attempts",
  startedAt: "started_at",
  endedAt: "ended_at",
  quoteMsats: "quote_msats",
  amountMsats: "amount_msats",
  inputTokens: "input_tokens",
  outputTokens: "output_tokens",
  finishReason: "finish_reason",
  output: "output",
  detail: "detail",
};

const CURSOR_KEY = "intake_cursor";

/** The node's job database (SQLite, WAL). All calls are synchronous: a state change is on disk when they return. */
/** Beyond the parser's allowance for clock skew (900 s), a seen id's date is capped for pruning. */
const SEEN_FUTURE_CAP_SEC = 900;

export class JobStore {
  readonly #db: Database.Database;
  readonly #hasSeen: Database.Statement<[string], { found: number }>;
  readonly #insertSeen: Database.Statement<[string, number]>;
  readonly #readMeta: Database.Statement<[string], { value: string }>;
  readonly #writeMeta: Database.Statement<[string, string]>;
  readonly #insertJob: Database.Statement<Record<string, unknown>>;
  readonly #getJob: Database.Statement<[string], JobRow>;
  readonly #cursor: { value: number | undefined };
  /** UPDATE statements by the set of columns they write (a handful of shapes, prepared once each). */
  readonly #updates = new Map<string, Database.Statement<Record<string, unknown>>>();

  static open(file: string): JobStore {
    if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    return new JobStore(new Database(file));
  }

  private constructor(db: Database.Database) {
    this.#db = db;
    db.pragma("journal_mode = WAL");
    // NORMAL in WAL mode survives a process crash (only an OS crash can lose the last commits).
    db.pragma("synchronous = NORMAL");
    db.pragma("busy_timeout = 5000");
    renameLegacyColumns(db, ["jobs"], "customer", "buyer");
    db.exec(SCHEMA_SQL);
    const columns = new Set(
      (db.prepare("PRAGMA table_info(jobs)").all() as { name: string }[]).map((column) => column.name),
    );
    for (const migration of MIGRATIONS) if (!columns.has(migration.column)) db.exec(migration.sql);
    this.#readMeta = db.prepare("SELECT value FROM meta WHERE key = ?");
    this.#writeMeta = db.prepare(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    );
    const version = this.#readMeta.get("schema_version")?.value;
    if (version !== undefined && Number(version) > SCHEMA_VERSION)
      throw new Error(
        `job database schema ${version} is newer than this node understands (${SCHEMA_VERSION})`,
      );
    this.#writeMeta.run("schema_version", String(SCHEMA_VERSION));
    this.#hasSeen = db.prepare("SELECT 1 AS found FROM seen WHERE id = ?");
    this.#insertSeen = db.prepare("INSERT OR IGNORE INTO seen (id, created_at) VALUES (?, ?)");
    this.#insertJob = db.prepare(
      `INSERT INTO jobs (id, buyer, request, state, received_at, quote_msats, batch_items, updated_at)
       VALUES (@id, @buyer, @request, @state, @receivedAt, @quoteMsats, @batchItems, @receivedAt)`,
    );
    this.#getJob = db.prepare("SELECT * FROM jobs WHERE id = ?");
    const stored = this.#readMeta.get(CURSOR_KEY)?.value;
    this.#cursor = { value: stored === undefined ? undefined : Number(stored) };
  }

  hasSeen(id: string): boolean {
    return this.#hasSeen.get(id) !== undefined;
  }

  /**
   * Records a request id as handled and moves the intake cursor to its `created_at` (capped at `nowSec`, so a
   * far-future date cannot make the node skip what comes next), together with its job row if it has one.
   * One transaction: after a crash either all of it happened or none.
   */
  recordRequest(
    request: { id: string; created_at: number },
    nowSec: number,
    job?: { buyer: string; event: NostrEvent; state: JobState; quoteMsats?: number; batchItems?: number },
  ): void {
    this.#db.transaction(() => {
      // A far-future date (refused, but still recorded) must not keep its row from ever being pruned.
      this.#insertSeen.run(request.id, Math.min(request.created_at, nowSec + SEEN_FUTURE_CAP_SEC));
      const createdAt = Math.min(request.created_at, nowSec);
      if (this.#cursor.value === undefined || createdAt > this.#cursor.value) {
        this.#writeMeta.run(CURSOR_KEY, String(createdAt));
        this.#cursor.value = createdAt;
      }
      if (job) {
        this.#insertJob.run({
          id: request.id,
          buyer: job.buyer,
          request: JSON.stringify(job.event),
          state: job.state,
          receivedAt: Date.now(),
          quoteMsats: job.quoteMsats ?? null,
          batchItems: job.batchItems ?? null,
        });
      }
    })();
  }

  /** Newest request `created_at` handled, if any. */
  cursor(): number | undefined {
    return this.#cursor.value;
  }

  update(id: string, patch: JobPatch): void {
    const entries = Object.entries(patch).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;
    const shape = entries.map(([key]) => key).join(",");
    let statement = this.#updates.get(shape);
    if (!statement) {
      const sets = entries.map(([key]) => `${COLUMNS[key as keyof JobPatch]} = @${key}`);
      statement = this.#db.prepare(
        `UPDATE jobs SET ${sets.join(", ")}, updated_at = @updatedAt WHERE id = @id`,
      );
      this.#updates.set(shape, statement);
    }
    statement.run({ ...Object.fromEntries(entries), updatedAt: Date.now(), id });
  }

  get(id: string): StoredJob | undefined {
    const row = this.#getJob.get(id);
    return row ? fromRow(row) : undefined;
  }

  /** Jobs in the given states, oldest first. */
  inStates(states: readonly JobState[]): StoredJob[] {
    const placeholders = states.map(() => "?").join(", ");
    return this.#db
      .prepare<string[], JobRow>(
        `SELECT * FROM jobs WHERE state IN (${placeholders}) ORDER BY received_at, id`,
      )
      .all(...states)
      .map(fromRow);
  }

  countByState(): Record<JobState, number> {
    const counts = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
    const rows = this.#db
      .prepare<[], { state: JobState; n: number }>("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
      .all();
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  /**
   * Forgets request ids older than `seenBeforeSec` (the intake refuses requests that old anyway) and ended
   * jobs that ended before `jobsBeforeMs`.
   */
  prune(seenBeforeSec: number, jobsBeforeMs: number): void {
    this.#db.prepare("DELETE FROM seen WHERE created_at < ?").run(seenBeforeSec);
    this.#db
      .prepare("DELETE FROM jobs WHERE state IN ('done', 'failed', 'cancelled', 'unpaid') AND updated_at < ?")
      .run(jobsBeforeMs);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

function fromRow(row: JobRow): StoredJob {
  const job: StoredJob = {
    id: row.id,
    buyer: row.buyer,
    request: JSON.parse(row.request) as NostrEvent,
    state: row.state,
    attempts: row.attempts,
    receivedAt: row.received_at,
  };
  if (row.started_at !== null) job.startedAt = row.started_at;
  if (row.ended_at !== null) job.endedAt = row.ended_at;
  if (row.quote_msats !== null) job.quoteMsats = row.quote_msats;
  if (row.amount_msats !== null) job.amountMsats = row.amount_msats;
  if (row.input_tokens !== null) job.inputTokens = row.input_tokens;
  if (row.output_tokens !== null) job.outputTokens = row.output_tokens;
  if (row.finish_reason !== null) job.finishReason = row.finish_reason;
  if (row.output !== null) job.output = row.output;
  if (row.detail !== null) job.detail = row.detail;
  if (row.batch_items !== null) job.batchItems = row.batch_items;
  return job;
}
