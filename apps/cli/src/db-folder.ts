/**
 * `--db` of `pylon relay` and `pylon mint`: SQLite opens a file in a missing folder with "the directory does
 * not exist" and no path; this says which folder, before anything starts.
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";

export function assertDbFolder(db: string): void {
  if (db === ":memory:" || db.startsWith("file:")) return;
  const folder = dirname(resolve(db));
  if (!existsSync(folder))
    throw new Error(`--db ${db}: the folder ${folder} does not exist (create it first)`);
}
