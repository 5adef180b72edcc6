/**
 * Where `pylon serve` keeps each request's receipt (JSON) and RLM log (JSONL): <data dir>/serve/, named by
 * the completion id, readable by the owner only (they hold the conversations).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function serveDir(home: string): string {
  const dir = join(home, "serve");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** A completion id as OpenAI's API spells them: `chatcmpl-` and 24 hex digits. */
export function completionId(): string {
  return `chatcmpl-${randomBytes(12).toString("hex")}`;
}

/** Writes the receipt as indented JSON, 0600; returns its path. */
export function writeReceipt(dir: string, id: string, receipt: object): string {
  const file = join(dir, `${id}.json`);
  writeFileSync(file, `${JSON.stringify(receipt, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // a file left by an earlier process keeps its mode otherwise
  return file;
}

/** The RLM log's path, created empty and 0600 first: the engine appends to it with the default mode. */
export function createLogFile(dir: string, id: string): string {
  const file = join(dir, `${id}.jsonl`);
  closeSync(openSync(file, "a", 0o600));
  chmodSync(file, 0o600);
  return file;
}
