/**
 * GET /api/runs/:id/live: server-sent events as the log grows. Nothing old on connect (the page has just
 * fetched the detail) unless it says how much it has (`?subcalls=N&iterations=M`); then `record` events of
 * type `subcalls` (batched, at most every ROWS_MS), `iteration`, `totals` (at most every TOTALS_MS) and `final`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { LiveEvent } from "../api.js";
import type { FoldChange } from "./fold.js";
import type { LogWatches } from "./live-watch.js";
import type { RunEntry } from "./run-entry.js";

const ROWS_MS = 120;
const TOTALS_MS = 500;
const HEARTBEAT_MS = 15_000;

export interface LiveSince {
  subcalls?: number;
  iterations?: number;
}

export function serveLive(
  req: IncomingMessage,
  res: ServerResponse,
  entry: RunEntry,
  watches: LogWatches,
  since: LiveSince,
): void {
  res.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    Connection: "keep-alive",
    "X-Accel-Buffering": "no",
  });
  res.write("retry: 1000\n\n");
  const send = (event: LiveEvent): void => {
    res.write(`event: record\ndata: ${JSON.stringify(event)}\n\n`);
  };

  let rows: LiveEvent & { type: "subcalls" } = { type: "subcalls", rows: [] };
  let rowsTimer: NodeJS.Timeout | undefined;
  let rowsSentAt = 0;
  let totalsTimer: NodeJS.Timeout | undefined;
  let totalsSentAt = 0;

  const flushRows = (): void => {
    if (rowsTimer) clearTimeout(rowsTimer);
    rowsTimer = undefined;
    if (rows.rows.length === 0) return;
    send(rows);
    rows = { type: "subcalls", rows: [] };
    rowsSentAt = Date.now();
  };
  const sendTotals = (): void => {
    if (totalsTimer) clearTimeout(totalsTimer);
    totalsTimer = undefined;
    const { fold } = entry;
    send({ type: "totals", totals: fold.totals(), tree: fold.tree(), providers: fold.providerTotals() });
    totalsSentAt = Date.now();
  };
  const schedule = (flush: () => void, sentAt: number, every: number, timer: NodeJS.Timeout | undefined) => {
    if (timer) return timer;
    const wait = sentAt + every - Date.now();
    if (wait <= 0) {
      flush();
      return undefined;
    }
    return setTimeout(flush, wait);
  };

  const onChange = (change: FoldChange): void => {
    // A loop, not a spread: a batch can hold more rows than a call takes arguments.
    for (const row of entry.fold.page(change.rowsFrom, change.rowsTo)) rows.rows.push(row);
    if (change.iterations.length > 0 || change.ended) {
      // An iteration's rows before it; the end after everything.
      flushRows();
      for (const iteration of change.iterations) send({ type: "iteration", iteration });
    } else if (rows.rows.length > 0) {
      rowsTimer = schedule(flushRows, rowsSentAt, ROWS_MS, rowsTimer);
    }
    if (change.ended) {
      sendTotals();
      send({ type: "final", summary: entry.fold.summary() });
    } else {
      totalsTimer = schedule(sendTotals, totalsSentAt, TOTALS_MS, totalsTimer);
    }
  };

  const caughtUp = since.subcalls !== undefined || since.iterations !== undefined;
  if (caughtUp) {
    // What the page says it lacks, from the fold as it is now; then only what is newer.
    entry.refresh();
    const { fold } = entry;
    if (since.subcalls !== undefined && since.subcalls < fold.subcallCount) {
      for (const row of fold.page(since.subcalls, fold.subcallCount)) rows.rows.push(row);
      flushRows();
    }
    for (const iteration of fold.iterationsFrom(since.iterations ?? fold.iterationCount)) {
      send({ type: "iteration", iteration });
    }
    sendTotals();
    if (fold.summary().status !== "running") send({ type: "final", summary: fold.summary() });
  }
  const stopListening = entry.listen(onChange);
  const stopWatching = watches.follow(entry);
  const heartbeat = setInterval(() => res.write(": heartbeat\n\n"), HEARTBEAT_MS);
  const cleanUp = (): void => {
    clearInterval(heartbeat);
    if (rowsTimer) clearTimeout(rowsTimer);
    if (totalsTimer) clearTimeout(totalsTimer);
    stopListening();
    stopWatching();
  };
  req.on("close", cleanUp);
  res.on("close", cleanUp);
  // Whatever the log gained since anyone last looked.
  if (!caughtUp) entry.refresh();
}
