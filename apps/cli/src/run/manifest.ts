/**
 * What `pylon run --resume <run>` needs to start a run again: its question, where its context came from,
 * its log and the flags that shape it, kept in <data dir>/runs/<run>.run.json (written before the first
 * sub-call goes out). A context read from stdin is kept beside it, since stdin cannot be read twice.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ContextValue } from "@pylon/rlm";

export interface RunManifest {
  version: 1;
  runId: string;
  question: string;
  /** An absolute path as given to --context, or the file holding the stdin context (JSON). */
  context: { path: string } | { savedJson: string };
  logFile: string;
  /** The flags of the first invocation (JSON values), minus those that only change the output. */
  options: Record<string, unknown>;
  createdAt: string;
  finishedAt?: string;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isRunId(value: string): boolean {
  return RUN_ID.test(value);
}

/** A fresh run id: when it started and 6 random hex digits, e.g. 2026-11-21T08-15-00-123Z-3fa2c1. */
export function newRunId(random: string): string {
  return `${new Date().toISOString().replace(/[:.]/g, "-")}-${random}`;
}

export function runsDir(dataDir: string): string {
  const dir = join(dataDir, "runs");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** A fresh trajectory log under <data dir>/runs, named like a run id (with `prefix`, e.g. "demo-"). */
export function newLogFile(dataDir: string, prefix = ""): string {
  return join(runsDir(dataDir), `${prefix}${newRunId(randomBytes(3).toString("hex"))}.jsonl`);
}

function manifestFile(dataDir: string, runId: string): string {
  if (!isRunId(runId)) throw new Error(`"${runId}" is not a run id`);
  return join(runsDir(dataDir), `${runId}.run.json`);
}

/** The context source to keep: a path made absolute (a resume may start elsewhere), or stdin saved. */
export function contextSource(
  dataDir: string,
  runId: string,
  source: string,
  loaded: ContextValue,
): RunManifest["context"] {
  if (source !== "-") return { path: resolve(source) };
  const savedJson = join(runsDir(dataDir), `${runId}.context.json`);
  writeFileSync(savedJson, JSON.stringify(loaded), { mode: 0o600 });
  return { savedJson };
}

export function loadSavedContext(context: { savedJson: string }): ContextValue {
  return JSON.parse(readFileSync(context.savedJson, "utf8")) as ContextValue;
}

/** Written to a temp file and renamed: a crash leaves the old manifest or the new one, never half of one. */
export function saveManifest(dataDir: string, manifest: RunManifest): void {
  const file = manifestFile(dataDir, manifest.runId);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

/** The manifest of `runId`, or undefined when this data dir has none (a run id made elsewhere). */
export function loadManifest(dataDir: string, runId: string): RunManifest | undefined {
  let text: string;
  try {
    text = readFileSync(manifestFile(dataDir, runId), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const manifest = JSON.parse(text) as RunManifest;
  if (manifest.version !== 1 || manifest.runId !== runId)
    throw new Error(`${runId}: unreadable run manifest`);
  return manifest;
}
