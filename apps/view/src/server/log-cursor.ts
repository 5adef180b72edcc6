/**
 * Reads a trajectory log from where it last stopped: whole new records since the previous call, a torn last
 * line left for the next one. The one place the server reads log bytes (the same shape as @pylon/rlm's
 * TrajectoryTail, so swapping it in is one change here).
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { TrajectoryRecord } from "@pylon/rlm";
import { type LogRecord, normaliseRecord } from "./log-records.js";

const CHUNK = 1 << 20;

export class LogCursor {
  private fd: number | undefined;
  private offset = 0;
  private pending: Buffer = Buffer.alloc(0);

  constructor(readonly file: string) {}

  /** Bytes consumed so far (whole lines only). */
  get position(): number {
    return this.offset - this.pending.length;
  }

  /** Every whole record appended since the last call (none when the file is gone or has not grown). */
  read(): LogRecord[] {
    if (this.fd === undefined) {
      try {
        this.fd = openSync(this.file, "r");
      } catch {
        return [];
      }
    }
    const size = fstatSync(this.fd).size;
    const records: LogRecord[] = [];
    const buffer = Buffer.allocUnsafe(CHUNK);
    while (this.offset < size) {
      const got = readSync(this.fd, buffer, 0, Math.min(CHUNK, size - this.offset), this.offset);
      if (got <= 0) break;
      this.offset += got;
      this.take(Buffer.concat([this.pending, buffer.subarray(0, got)]), records);
    }
    return records;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private take(bytes: Buffer, into: LogRecord[]): void {
    let start = 0;
    for (let end = bytes.indexOf(10, start); end !== -1; end = bytes.indexOf(10, start)) {
      const line = bytes.toString("utf8", start, end).trim();
      start = end + 1;
      if (!line) continue;
      try {
        const record = normaliseRecord(JSON.parse(line) as TrajectoryRecord);
        if (record) into.push(record);
      } catch {
        // A line that is not JSON (a foreign file, a crash mid-write elsewhere) is skipped, not fatal.
      }
    }
    this.pending = Buffer.from(bytes.subarray(start));
  }
}
