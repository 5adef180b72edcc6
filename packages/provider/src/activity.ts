/**
 * What a node did, read from its data dir while it runs or after (`pylon view --node DIR`): its jobs by state,
 * output tokens per second over time, what its jobs were charged, and its buyers' tabs. Read-only SQLite, so
 * the running node is never disturbed; a data dir without a job database has no activity.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import Sqlite, { type Database } from "better-sqlite3";

export interface NodeActivity {
  /** Counted in items: a batched request of n prompts is n jobs, as its buyer counts them. */
  jobs: {
    received: number;
    queued: number;
    running: number;
    done: number;
    failed: number;
    cancelled: number;
  };
  /** Output tokens per second in each `bucketMs` window that ended jobs, oldest first (unix ms at its start). */
  tokensPerSecond: Array<{ at: number; value: number }>;
  /** What finished jobs were charged, msats, and how many there were. */
  chargedMsats: number;
  chargedJobs: number;
  /** Each buyer's tab (when the node takes Cashu tabs); `openedAt` unix ms. */
  tabs: Array<{
    buyer: string;
    balanceMsats: number;
    chargedMsats: number;
    depositedMsats: number;
    openedAt: number;
  }>;
  /** The latest job's time, unix ms (0 when none). */
  lastJobAt: number;
}

export interface ActivityOptions {
  /** Width of a throughput window, ms. Default 10,000. */
  bucketMs?: number;
  /** Windows kept, most recent. Default 90. */
  buckets?: number;
  now?: number;
}

function openReadonly(file: string): Database | undefined {
  return existsSync(file) ? new Sqlite(file, { readonly: true, fileMustExist: true }) : undefined;
}

function hasTable(db: Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** The node's activity, or undefined when `dataDir` holds no job database. */
export function readNodeActivity(dataDir: string, options: ActivityOptions = {}): NodeActivity | undefined {
  const jobsDb = openReadonly(path.join(dataDir, "provider.db"));
  if (!jobsDb) return undefined;
  try {
    if (!hasTable(jobsDb, "jobs")) return undefined;
    return { ...readJobs(jobsDb, options), tabs: readTabs(dataDir, jobsDb) };
  } finally {
    jobsDb.close();
  }
}

function readJobs(db: Database, options: ActivityOptions): Omit<NodeActivity, "tabs"> {
  const jobs = { received: 0, queued: 0, running: 0, done: 0, failed: 0, cancelled: 0 };
  for (const row of db
    .prepare("SELECT state, SUM(COALESCE(batch_items, 1)) AS n FROM jobs GROUP BY state")
    .all() as Array<{
    state: string;
    n: number;
  }>) {
    if (row.state === "received" || row.state === "unpaid") jobs.received += row.n;
    else if (row.state === "finished" || row.state === "done") jobs.done += row.n;
    else if (row.state in jobs) jobs[row.state as keyof typeof jobs] += row.n;
  }
  const charged = db
    .prepare(
      "SELECT COALESCE(SUM(amount_msats), 0) AS msats, COALESCE(SUM(COALESCE(batch_items, 1)), 0) AS n FROM jobs WHERE state IN ('finished', 'done') AND amount_msats IS NOT NULL",
    )
    .get() as { msats: number; n: number };
  const last = db.prepare("SELECT COALESCE(MAX(updated_at), 0) AS at FROM jobs").get() as { at: number };
  const bucketMs = options.bucketMs ?? 10_000;
  const count = options.buckets ?? 90;
  const now = options.now ?? Date.now();
  const first = Math.floor(now / bucketMs) * bucketMs - (count - 1) * bucketMs;
  const rows = db
    .prepare(
      `SELECT ((ended_at - ?) / ?) AS bucket, SUM(output_tokens) AS tokens FROM jobs
       WHERE ended_at IS NOT NULL AND ended_at >= ? AND output_tokens IS NOT NULL GROUP BY bucket`,
    )
    .all(first, bucketMs, first) as Array<{ bucket: number; tokens: number }>;
  const tokens = new Map(rows.map((r) => [Math.floor(r.bucket), r.tokens]));
  // From the first window with a job: an idle node's empty hour is not worth a chart.
  const busiest = [...tokens.keys()];
  const start = busiest.length > 0 ? Math.min(...busiest) : count;
  const tokensPerSecond: NodeActivity["tokensPerSecond"] = [];
  for (let i = start; i < count; i++) {
    tokensPerSecond.push({ at: first + i * bucketMs, value: ((tokens.get(i) ?? 0) * 1000) / bucketMs });
  }
  return { jobs, tokensPerSecond, chargedMsats: charged.msats, chargedJobs: charged.n, lastJobAt: last.at };
}

function readTabs(dataDir: string, jobsDb: Database): NodeActivity["tabs"] {
  const db = openReadonly(path.join(dataDir, "wallet.db"));
  if (!db) return [];
  try {
    if (!hasTable(db, "tabs")) return [];
    const columns = db.prepare("PRAGMA table_info(tabs)").all() as Array<{ name: string }>;
    const openedBy = columns.some((c) => c.name === "opened_by") ? "opened_by" : "NULL";
    const received = jobsDb.prepare("SELECT received_at FROM jobs WHERE id = ?");
    const rows = db
      .prepare(
        `SELECT buyer, balance_msats, charged_msats, deposited_msats, ${openedBy} AS opened_by, updated_at
         FROM tabs ORDER BY updated_at DESC`,
      )
      .all() as Array<{
      buyer: string;
      balance_msats: number;
      charged_msats: number;
      deposited_msats: number;
      opened_by: string | null;
      updated_at: number;
    }>;
    return rows.map((r) => {
      // The job that opened the tab knows when (ms); else the tab's last change (seconds).
      const job = r.opened_by
        ? (received.get(r.opened_by) as { received_at: number } | undefined)
        : undefined;
      return {
        buyer: r.buyer,
        balanceMsats: r.balance_msats,
        chargedMsats: r.charged_msats,
        depositedMsats: r.deposited_msats,
        openedAt: job?.received_at ?? r.updated_at * 1000,
      };
    });
  } finally {
    db.close();
  }
}
