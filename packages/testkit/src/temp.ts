import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Cleanup } from "./cleanup.js";

/** A fresh folder under the OS temp dir, removed with everything in it at cleanup. */
export async function tempDir(cleanup: Cleanup, prefix = "pylon-test-"): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
