/**
 * `pylon doctor`'s checks of this machine and the data dir: free memory and disk, and the modes of the
 * secret files the CLI keeps there. Only stat calls: doctor reads, it never creates or fixes anything.
 */
import { existsSync } from "node:fs";
import { stat, statfs } from "node:fs/promises";
import { freemem, totalmem } from "node:os";
import { dirname, join } from "node:path";
import type { Check, Section } from "./report.js";

/** The secret files the CLI writes under the data dir (see `pylon node`, `pylon run`, `pylon wallet`). */
export const SECRET_FILES = ["provider.key", "swarm.key", join("wallet", "seed")] as const;

/** Below this the relay/wallet/job databases may fail to grow. */
const MIN_FREE_DISK = 100 * 1024 * 1024;

const mib = (bytes: number): string => `${Math.round(bytes / (1024 * 1024))} MiB`;

export async function dataDirSection(dir: string): Promise<Section> {
  const checks: Check[] = [];
  if (!existsSync(dir)) {
    checks.push({
      check: "exists",
      ok: true,
      detail: "not created yet (the first pylon command creates it)",
    });
  }
  checks.push(await diskCheck(dir));
  for (const name of SECRET_FILES) {
    const check = await secretFileCheck(join(dir, name));
    if (check) checks.push(check);
  }
  return { subject: `data dir ${dir}`, checks };
}

/** Free space on the file system holding `dir` (or its nearest existing parent). */
async function diskCheck(dir: string): Promise<Check> {
  let at = dir;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  try {
    const fs = await statfs(at);
    const free = fs.bavail * fs.bsize;
    return free >= MIN_FREE_DISK
      ? { check: "disk", ok: true, detail: `${mib(free)} free` }
      : {
          check: "disk",
          ok: false,
          detail: `only ${mib(free)} free`,
          fix: `free some space on the disk holding ${at}, or pass --data-dir on another disk`,
        };
  } catch (err) {
    return {
      check: "disk",
      ok: false,
      detail: `cannot stat ${at} (${(err as Error).message})`,
      fix: "check --data-dir",
    };
  }
}

/** A key or seed file must be 0600: anyone else who can read it can spend or impersonate. Absent is fine. */
async function secretFileCheck(path: string): Promise<Check | undefined> {
  let mode: number;
  try {
    mode = (await stat(path)).mode & 0o777;
  } catch {
    return undefined;
  }
  const shown = mode.toString(8).padStart(4, "0");
  if (process.platform === "win32" || (mode & 0o077) === 0)
    return { check: `key file ${path}`, ok: true, detail: `mode ${shown}` };
  return {
    check: `key file ${path}`,
    ok: false,
    detail: `mode ${shown}: other users can read the secret`,
    fix: `chmod 600 ${path}`,
  };
}

/** Free memory, against the model's size when there is one (llama.cpp maps all of it). */
export function memoryCheck(modelBytes: number | undefined): Check {
  const free = freemem();
  const detail = `${mib(free)} free of ${mib(totalmem())}`;
  if (modelBytes === undefined || free >= modelBytes) return { check: "memory", ok: true, detail };
  return {
    check: "memory",
    ok: false,
    detail: `${detail}; the model needs about ${mib(modelBytes)}`,
    fix: "close other programs or use a smaller (more quantised) model",
  };
}
