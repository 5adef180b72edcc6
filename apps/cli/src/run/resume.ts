/**
 * Starting `pylon run` anew or again. `--resume <run>` brings back the first invocation's question, context
 * and flags from the run's manifest (flags given again now win); each invocation saves the manifest before
 * its first sub-call goes out, so a run killed at any point can be resumed.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { type ContextValue, loadContext } from "@pylon/rlm";
import { type Command, InvalidArgumentError } from "commander";
import {
  contextSource,
  isRunId,
  loadManifest,
  loadSavedContext,
  newRunId,
  type RunManifest,
  runsDir,
  saveManifest,
} from "./manifest.js";

/** Flags that only change what is printed: never taken from a resumed run's manifest. */
const NOT_RESUMED = new Set([
  "context",
  "resume",
  "swarmRun",
  "json",
  "quiet",
  "log",
  "progressInterval",
  "ui",
  "open",
]);

export interface ResumeCliOptions {
  resume?: string;
  /** The old name of --resume. */
  swarmRun?: string;
}

export interface Resumed {
  runId: string;
  /** Undefined when this data dir has no manifest of the run (an id made elsewhere). */
  manifest: RunManifest | undefined;
}

/**
 * The run named by --resume, if any. Its manifest's flags are copied into `opts` where `command` was not
 * given them again now (on the command line or through the environment).
 */
export function resumeRun(command: Command, opts: ResumeCliOptions, home: string): Resumed | undefined {
  const runId = opts.resume ?? opts.swarmRun;
  if (runId === undefined) return undefined;
  if (!isRunId(runId)) throw new InvalidArgumentError(`"${runId}" is not a run id`);
  const manifest = loadManifest(home, runId);
  if (manifest) {
    const given = (key: string) => ["cli", "env"].includes(command.getOptionValueSource(key) ?? "");
    const settable = opts as Record<string, unknown>;
    for (const [key, value] of Object.entries(manifest.options)) {
      if (!NOT_RESUMED.has(key) && !given(key)) settable[key] = value;
    }
  }
  return { runId, manifest };
}

export interface RecordedRun {
  runId: string;
  question: string;
  context: ContextValue;
  logFile: string;
  manifest: RunManifest;
}

export interface RunStart {
  resumed: Resumed | undefined;
  question: string;
  /** --context as given now, if it was. */
  context: string | undefined;
  /** --log as given now, if it was. */
  log: string | undefined;
  /** The invocation's flags; those that shape the run are kept for a resume. */
  options: object;
  startedAt: number;
}

/** Loads the context and saves the run's manifest: from here on, the run can be resumed. */
export async function recordRun(home: string, start: RunStart): Promise<RecordedRun> {
  const manifest = start.resumed?.manifest;
  const runId = start.resumed?.runId ?? newRunId(randomBytes(3).toString("hex"));
  const context = await runContext(home, runId, start.context, manifest);
  const logFile = start.log ?? manifest?.logFile ?? join(runsDir(home), `${runId}.jsonl`);
  const saved: RunManifest = {
    version: 1,
    runId,
    question: start.question,
    context: context.kept,
    logFile,
    options: Object.fromEntries(Object.entries(start.options).filter(([key]) => !NOT_RESUMED.has(key))),
    createdAt: manifest?.createdAt ?? new Date(start.startedAt).toISOString(),
  };
  saveManifest(home, saved);
  return { runId, question: start.question, context: context.value, logFile, manifest: saved };
}

/** Marks the run finished in its manifest. */
export function recordFinished(home: string, run: RecordedRun): void {
  saveManifest(home, { ...run.manifest, finishedAt: new Date().toISOString() });
}

/** The context given now (kept for a resume), else the one the resumed run was started with. */
async function runContext(
  home: string,
  runId: string,
  source: string | undefined,
  manifest: RunManifest | undefined,
): Promise<{ value: ContextValue; kept: RunManifest["context"] }> {
  if (source !== undefined) {
    const value = await loadContext(source);
    return { value, kept: contextSource(home, runId, source, value) };
  }
  if (!manifest) throw new InvalidArgumentError("--context is needed (or --resume <run>)");
  const kept = manifest.context;
  return { value: "savedJson" in kept ? loadSavedContext(kept) : await loadContext(kept.path), kept };
}
