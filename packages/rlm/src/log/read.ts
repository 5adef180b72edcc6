/**
 * Reading a trajectory log back: every whole line as a typed record, old and new formats. A line still being
 * written (no newline yet, the log of a live run) is not a record yet; any other line that is not JSON is an
 * error naming the file and line. Records of a type this version does not know are skipped (newer writers).
 */
import { readFile } from "node:fs/promises";
import type { TrajectoryRecord } from "./records.js";

const TYPES = new Set(["run", "iteration", "subcall", "final"]);

export class TrajectoryFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: not a trajectory record (${reason})`);
    this.name = "TrajectoryFormatError";
  }
}

/** Every record of a trajectory log, old and new formats, skipping a torn last line. */
export async function readTrajectory(file: string): Promise<TrajectoryRecord[]> {
  const bytes = await readFile(file);
  const end = bytes.lastIndexOf(0x0a) + 1; // after the last newline: the rest is a line being written
  return parseLines(bytes.subarray(0, end).toString("utf8"), file, 1);
}

/** Records of `text`, whole lines only (each ends in "\n"); `firstLine` numbers the lines for errors. */
export function parseLines(text: string, file: string, firstLine: number): TrajectoryRecord[] {
  const records: TrajectoryRecord[] = [];
  let start = 0;
  let line = firstLine;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    if (end > start) {
      const record = parseRecord(text.slice(start, end), file, line);
      if (record) records.push(record);
    }
    start = end + 1;
    line++;
  }
  return records;
}

function parseRecord(text: string, file: string, line: number): TrajectoryRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TrajectoryFormatError(file, line, (error as Error).message);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TrajectoryFormatError(file, line, "not a JSON object");
  }
  const { type, runId } = value as { type?: unknown; runId?: unknown };
  if (typeof type !== "string" || typeof runId !== "string") {
    throw new TrajectoryFormatError(file, line, "no type or runId");
  }
  return TYPES.has(type) ? (value as TrajectoryRecord) : undefined;
}
