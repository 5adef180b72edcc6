/**
 * The runs the viewer knows: every `*.jsonl` in the runs folder (and the logs `.run.json` manifests or the
 * caller name elsewhere). Summaries are cached by (path, size, mtime) so a listing of a thousand runs is a
 * thousand stats; a run's fold is kept (a few at a time, those with live viewers always) and extended as the
 * log grows. Folds are kept while their logs add up to KEPT_BYTES (the last KEPT_FOLDS always, and every run
 * someone watches live), so opening a run just listed costs nothing.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { RunSummary } from "../api.js";
import { RunEntry } from "./run-entry.js";

/** Folds kept whatever their size, and the log bytes beyond which older ones are let go. */
const KEPT_FOLDS = 4;
const KEPT_BYTES = 256 * 1024 * 1024;

interface Known {
  id: string;
  file: string;
  size: number;
  mtimeMs: number;
  summary?: RunSummary;
}

export class RunCatalog {
  private readonly known = new Map<string, Known>();
  /** Folds in least-recently-used order (the last one most recent). */
  private readonly folds = new Map<string, RunEntry>();

  constructor(
    private readonly runsDir: string,
    private readonly files: string[] = [],
    private readonly names?: (pubkey: string) => string | undefined,
  ) {}

  /** Every run with a readable start, newest first. */
  list(): RunSummary[] {
    const seen = this.scan();
    const summaries: RunSummary[] = [];
    for (const item of seen) {
      const summary = this.summaryOf(item);
      if (summary) summaries.push(summary);
    }
    return summaries.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.id.localeCompare(b.id));
  }

  /** The run's fold, brought up to date; undefined for an id no log has. */
  entry(id: string): RunEntry | undefined {
    let known = this.known.get(id);
    if (!known) {
      this.scan();
      known = this.known.get(id);
      if (!known) return undefined;
    }
    const entry = this.open(known);
    return entry.fold.started ? entry : undefined;
  }

  /** The id a log file is listed under (for `pylon view FILE`). */
  idOf(file: string): string | undefined {
    const wanted = resolve(file);
    this.scan();
    for (const known of this.known.values()) if (known.file === wanted) return known.id;
    return undefined;
  }

  close(): void {
    for (const entry of this.folds.values()) entry.close();
    this.folds.clear();
  }

  /** The fold of `known`, made most recent, extended to the log's end. */
  private open(known: Known): RunEntry {
    let entry = this.folds.get(known.id);
    // Another file under the id, or this one truncated or replaced: fold it afresh.
    if (entry && (entry.file !== known.file || known.size < entry.size)) {
      entry.close();
      entry = undefined;
    }
    if (entry) this.folds.delete(known.id);
    else entry = new RunEntry(known.id, known.file, this.names);
    this.folds.set(known.id, entry);
    entry.size = known.size;
    entry.refresh();
    this.evict();
    return entry;
  }

  private evict(): void {
    let bytes = 0;
    for (const id of this.folds.keys()) bytes += this.known.get(id)?.size ?? 0;
    for (const [id, entry] of this.folds) {
      if (this.folds.size <= KEPT_FOLDS || bytes <= KEPT_BYTES) break;
      if (entry.watched) continue;
      bytes -= this.known.get(id)?.size ?? 0;
      entry.close();
      this.folds.delete(id);
    }
  }

  private summaryOf(known: Known): RunSummary | undefined {
    if (known.summary && known.summary.status !== "running") return known.summary;
    // A running run's duration moves, so its summary is redone (from its kept fold, extended).
    const entry = this.open(known);
    if (entry.fold.started) {
      const summary = entry.fold.summary();
      // The file system's clock is coarse (a few ms behind the wall clock): never before the run's start.
      const updatedAt = new Date(Math.max(known.mtimeMs, Date.parse(summary.startedAt) || 0)).toISOString();
      known.summary = { ...summary, updatedAt };
    } else known.summary = undefined;
    return known.summary;
  }

  /** Stats the logs; a changed one loses its cached summary. */
  private scan(): Known[] {
    const candidates = new Map<string, string>();
    let names: string[] = [];
    try {
      names = readdirSync(this.runsDir);
    } catch {
      // No runs folder yet: no runs.
    }
    for (const name of names) {
      if (name.endsWith(".jsonl"))
        candidates.set(join(resolve(this.runsDir), name), name.slice(0, -".jsonl".length));
    }
    for (const name of names) {
      if (!name.endsWith(".run.json")) continue;
      const logFile = manifestLog(join(resolve(this.runsDir), name));
      if (logFile && !candidates.has(logFile)) candidates.set(logFile, name.slice(0, -".run.json".length));
    }
    for (const file of this.files) {
      const full = resolve(file);
      if (!candidates.has(full)) candidates.set(full, basename(full).replace(/\.jsonl$/, ""));
    }
    const seen: Known[] = [];
    const ids = new Set<string>();
    for (const [file, name] of candidates) {
      let stat: { size: number; mtimeMs: number };
      try {
        stat = statSync(file);
      } catch {
        continue;
      }
      let id = name;
      for (let n = 2; ids.has(id); n++) id = `${name}-${n}`;
      ids.add(id);
      const before = this.known.get(id);
      const known: Known =
        before && before.file === file && before.size === stat.size && before.mtimeMs === stat.mtimeMs
          ? before
          : { id, file, size: stat.size, mtimeMs: stat.mtimeMs };
      this.known.set(id, known);
      seen.push(known);
    }
    return seen;
  }
}

function manifestLog(file: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(file, "utf8")) as { logFile?: unknown };
    return typeof manifest.logFile === "string" ? resolve(manifest.logFile) : undefined;
  } catch {
    return undefined;
  }
}
