/**
 * Writes trajectory records as JSON lines while the run goes, on a file opened for appending; every write(2)
 * holds whole lines only, so a reader sees whole lines, in order, and the log is valid JSONL at every moment
 * (also when child RLMs of one tree write to the same file). Sub-call lines that finish in the same turn of
 * the event loop go out in one write at its end (100,000 sub-calls must not cost 100,000 system calls); any
 * other record first writes what is pending, so the order holds.
 */
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import path from "node:path";
import type { SubcallLine, TrajectoryRecord } from "./records.js";

export type RecordListener = (record: TrajectoryRecord) => void;

export class TrajectoryLog {
  private fd: number | undefined;
  private subcalls = 0;
  private readonly openedAt = performance.now();
  /** Sub-call lines not written yet (until the end of this turn of the event loop). */
  private pending: string[] = [];
  private flushing: NodeJS.Immediate | undefined;

  private constructor(
    readonly path: string | undefined,
    private readonly listeners: RecordListener[],
  ) {
    if (path) {
      mkdirSync(pathDir(path), { recursive: true });
      this.fd = openSync(path, "a", 0o600);
    }
  }

  /** A log that appends to `file` (created with its folder) and/or reports each record to `listener`. */
  static open(file: string | undefined, listener?: RecordListener): TrajectoryLog {
    return new TrajectoryLog(file, listener ? [listener] : []);
  }

  write(record: TrajectoryRecord): void {
    if (this.fd !== undefined) {
      this.pending.push(`${JSON.stringify(record)}\n`);
      this.flush();
    }
    this.tell(record);
  }

  /** Writes a finished sub-call, numbered in finish order across the tree, with its time since the start. */
  subcall(line: Omit<SubcallLine, "type" | "index" | "endedAtMs">): void {
    const record: SubcallLine = {
      type: "subcall",
      index: this.subcalls++,
      endedAtMs: this.elapsedMs(),
      ...line,
    };
    if (this.fd !== undefined) {
      this.pending.push(`${JSON.stringify(record)}\n`);
      this.flushing ??= setImmediate(() => this.flush());
    }
    this.tell(record);
  }

  /** ms since the log was opened (the tree's start), whole. */
  elapsedMs(): number {
    return Math.round(performance.now() - this.openedAt);
  }

  close(): void {
    this.flush();
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  private flush(): void {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    if (this.fd === undefined || this.pending.length === 0) return;
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join("");
    this.pending = [];
    writeWhole(this.fd, Buffer.from(text, "utf8"));
  }

  private tell(record: TrajectoryRecord): void {
    for (const listener of this.listeners) {
      try {
        listener(record);
      } catch {
        // A progress printer that fails must not end the run.
      }
    }
  }
}

function writeWhole(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
}

function pathDir(file: string): string {
  return path.dirname(path.resolve(file));
}
