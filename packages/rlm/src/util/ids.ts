import { randomBytes } from "node:crypto";

/** A short random id for runs (12 hex characters: unique enough for logs, short enough to read). */
export function newRunId(): string {
  return randomBytes(6).toString("hex");
}
