import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Where pylon keeps keys and databases: $PYLON_HOME, else ~/.pylon. Created 0700 on first use. */
export function dataDir(): string {
  const dir = process.env.PYLON_HOME || join(homedir(), ".pylon");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
