/**
 * Following a trajectory log as it grows (a live run): each read() returns the whole records appended since
 * the last one. A line without its newline yet is held back until it is complete. With `onRecords`, the tail
 * watches the file (fs.watch, and a poll at most `pollMs` apart for file systems where watching says nothing)
 * and hands over each new batch.
 */
import { closeSync, type FSWatcher, fstatSync, openSync, readSync, watch } from "node:fs";
import { parseLines } from "./read.js";
import type { TrajectoryRecord } from "./records.js";

export interface TrajectoryTailOptions {
  /** Called with each non-empty batch of new records; starts watching the file. */
  onRecords?: (records: TrajectoryRecord[]) => void;
  /** Called when reading fails (a malformed line); the tail keeps following. */
  onError?: (error: Error) => void;
  /** Longest time between two looks at the file, ms. Default and most 250. */
  pollMs?: number;
}

export class TrajectoryTail {
  private fd: number | undefined;
  private offset = 0;
  private lines = 1;
  private pending: Buffer[] = [];
  private watcher: FSWatcher | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(
    readonly file: string,
    private readonly options: TrajectoryTailOptions = {},
  ) {
    if (!options.onRecords) return;
    const pollMs = Math.min(250, Math.max(10, options.pollMs ?? 250));
    this.timer = setInterval(() => this.deliver(), pollMs);
    this.timer.unref?.();
    this.watchFile();
    queueMicrotask(() => this.deliver());
  }

  /** New whole records since the last call ([] while the file does not exist yet). */
  read(): TrajectoryRecord[] {
    if (this.closed || !this.open()) return [];
    const size = fstatSync(this.fd!).size;
    if (size < this.offset) this.restart(); // truncated or replaced: read it again from the start
    if (size === this.offset) return [];
    const fresh = Buffer.allocUnsafe(size - this.offset);
    let filled = 0;
    while (filled < fresh.length) {
      const got = readSync(this.fd!, fresh, filled, fresh.length - filled, this.offset + filled);
      if (got === 0) break;
      filled += got;
    }
    this.offset += filled;
    const bytes = this.pending.length
      ? Buffer.concat([...this.pending, fresh.subarray(0, filled)])
      : fresh.subarray(0, filled);
    const end = bytes.lastIndexOf(0x0a) + 1;
    this.pending = end < bytes.length ? [Buffer.from(bytes.subarray(end))] : [];
    if (end === 0) return [];
    const text = bytes.subarray(0, end).toString("utf8");
    const first = this.lines;
    this.lines += countNewlines(bytes, end);
    return parseLines(text, this.file, first);
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private deliver(): void {
    if (this.closed) return;
    let records: TrajectoryRecord[];
    try {
      records = this.read();
    } catch (error) {
      this.options.onError?.(error as Error);
      return;
    }
    if (!this.watcher) this.watchFile(); // the file may have appeared since
    if (records.length > 0) this.options.onRecords?.(records);
  }

  private open(): boolean {
    if (this.fd !== undefined) return true;
    try {
      this.fd = openSync(this.file, "r");
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
  }

  private restart(): void {
    this.offset = 0;
    this.lines = 1;
    this.pending = [];
  }

  private watchFile(): void {
    if (this.closed) return;
    try {
      this.watcher = watch(this.file, { persistent: false }, () => this.deliver());
      this.watcher.on("error", () => {
        this.watcher?.close();
        this.watcher = undefined; // the poll goes on
      });
    } catch {
      this.watcher = undefined; // not there yet, or not watchable: the poll covers it
    }
  }
}

function countNewlines(bytes: Buffer, end: number): number {
  let count = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < end; i = bytes.indexOf(0x0a, i + 1)) count++;
  return count;
}
