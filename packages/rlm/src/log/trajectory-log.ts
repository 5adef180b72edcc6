/**
 * Writes trajectory records as JSON lines while the run goes. Each line is one write(2) on a file opened for
 * appending, so a reader sees whole lines only, in order, and the log is valid JSONL at every moment — also
 * when child RLMs of one tree write to the same file.
 */
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import path from "node:path";
import type { SubcallLine, TrajectoryRecord } from "./records.js";

export type RecordListener = (record: TrajectoryRecord) => void;

export class TrajectoryLog {
  private fd: number | undefined;
  private subcalls = 0;
  private readonly openedAt = performance.now();

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
    if (this.fd !== undefined) writeWhole(this.fd, Buffer.from(`${JSON.stringify(record)}\n`, "utf8"));
    for (const listener of this.listeners) {
      try {
        listener(record);
      } catch {
        // A progress printer that fails must not end the run.
      }
    }
  }

  /** Writes a finished sub-call, numbered in finish order across the tree, with its time since the start. */
  subcall(line: Omit<SubcallLine, "type" | "index" | "endedAtMs">): void {
    this.write({
      type: "subcall",
      index: this.subcalls++,
      endedAtMs: this.elapsedMs(),
      ...line,
    });
  }

  /** ms since the log was opened (the tree's start), whole. */
  elapsedMs(): number {
    return Math.round(performance.now() - this.openedAt);
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

function writeWhole(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
}

function pathDir(file: string): string {
  return path.dirname(path.resolve(file));
}
